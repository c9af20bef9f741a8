-- How many rows a model holds (only a small one is compared when rebuilt). Placeholder (from the model
-- files, never data): `name` the model's file name. No params.
select count(*) from {name}
