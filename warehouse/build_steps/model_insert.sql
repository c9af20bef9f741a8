-- Add rows to a model (its next month, or its changed events). Placeholders (from the model files, never
-- data): `name` the model's file name, `sql` the model file's query. Params: the model query's own.
insert into {name} {sql}
