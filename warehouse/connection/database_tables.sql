-- The tables of one attached database (its storage is checked). Params: $database. No placeholders.
select schema_name, table_name from duckdb_tables() where database_name = $database
