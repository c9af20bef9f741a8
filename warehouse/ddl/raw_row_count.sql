-- One input table's row count, a branch of warehouse.schema.raw_row_counts' union. Placeholders (from the table
-- specs, config/tables.toml, never data): `name` the input table's name, `table` its raw table. No params.
select '{name}' as name, count(*) as n from {table}
