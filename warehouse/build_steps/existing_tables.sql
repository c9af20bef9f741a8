-- The warehouse's own (not temporary) tables in schema main, the models among them already built
-- (warehouse.build). Params: $database (connection/current_database.sql). No placeholders.
select table_name from duckdb_tables() where database_name = $database and schema_name = 'main' and not temporary
