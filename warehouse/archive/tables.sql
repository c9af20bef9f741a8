-- The archive tables present and their row counts are checked by tests; this lists the names.
select table_name from duckdb_tables() where table_name like 'archive\_%' escape '\' order by table_name
