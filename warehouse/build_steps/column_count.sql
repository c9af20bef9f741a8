-- How many columns a table has. Placeholder (a model's file name or temp._model_rebuilt, never data):
-- `table`. No params.
select count(*) from (describe {table})
