-- Build a model whole (or its first month). Placeholders (from the model files, never data): `name`
-- the model's file name, `sql` the model file's query. Params: the model query's own.
create or replace table {name} as {sql}
