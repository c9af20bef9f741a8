-- A model computed again into a temp table, to compare with the stored one. Placeholder (from the
-- model files, never data): `sql` the model file's query. Params: the model query's own.
create or replace temp table _model_rebuilt as {sql}
