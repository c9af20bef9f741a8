-- One input table's raw table, created when missing. Placeholders (from the table specs, config/tables.toml,
-- never data): `table` raw_<name>, `columns` each spec column quoted with its DuckDB type, comma-separated.
-- No params.
create table if not exists {table} ({columns}, extras varchar, _source_file varchar, _source_row bigint, _run_id varchar)
