-- which version of the models and macros built this warehouse (a fingerprint of their .sql files and of
-- config/tables.toml): a reader refuses a warehouse another version built instead of failing on a missing
-- macro or column. Params: $fingerprint.
create or replace table build_info as
select cast($fingerprint as varchar) as fingerprint, current_timestamp as built_at
