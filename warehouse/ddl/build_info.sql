-- The build's stamp: which version of the models and macros built this warehouse (warehouse.build writes it,
-- warehouse.db reads it before a reader trusts the models).

-- name: build_info
-- Which version of the models and macros built this warehouse (a fingerprint of their .sql files and of
-- config/tables.toml): a reader refuses a warehouse another version built instead of failing on a missing
-- macro or column. Params: $fingerprint.
create or replace table build_info as
select cast($fingerprint as varchar) as fingerprint, current_timestamp as built_at

-- name: build_fingerprint
-- The fingerprint of the models and macros that built this warehouse. No params.
select fingerprint from build_info
