-- A small model computed again and compared with the stored one: equal, it is left as it was (its
-- readers are not rebuilt).

-- name: model_count
-- How many rows a model holds (only a small one is compared when rebuilt). Placeholder (from the model
-- files, never data): `name` the model's file name. No params.
select count(*) from {name}

-- name: rebuilt_create
-- A model computed again into a temp table, to compare with the stored one. Placeholder (from the
-- model files, never data): `sql` the model file's query. Params: the model query's own.
create or replace temp table _model_rebuilt as {sql}

-- name: rebuilt_differ
-- The rows in which the model computed again (temp._model_rebuilt) and the stored one differ, as
-- multisets. Placeholder (from the model files, never data): `name` the model's file name. No params.
select count(*) from ((select * from temp._model_rebuilt except all select * from {name}) union all (select * from {name} except all select * from temp._model_rebuilt))

-- name: column_count
-- How many columns a table has. Placeholder (a model's file name or temp._model_rebuilt, never data):
-- `table`. No params.
select count(*) from (describe {table})

-- name: rebuilt_drop
-- Drop the model computed again for the comparison. No params.
drop table if exists temp._model_rebuilt
