-- The raw tables, one per input table, generated from the table specs (warehouse.schema).

-- name: raw_table
-- One input table's raw table, created when missing. Placeholders (from the table specs, config/tables.toml,
-- never data): `table` raw_<name>, `columns` each spec column quoted with its DuckDB type, comma-separated.
-- No params.
create table if not exists {table} ({columns}, extras varchar, _source_file varchar, _source_row bigint, _run_id varchar)

-- name: raw_row_count
-- One input table's row count, a branch of warehouse.schema.raw_row_counts' union. Placeholders (from the table
-- specs, config/tables.toml, never data): `name` the input table's name, `table` its raw table. No params.
select '{name}' as name, count(*) as n from {table}
