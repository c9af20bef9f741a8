-- whether the warehouse has the exact quarantine counts table (written since issue 11)
select count(*) > 0 as has_counts from duckdb_tables() where table_name = 'quarantine_counts'
