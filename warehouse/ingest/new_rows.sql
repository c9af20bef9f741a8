-- The valid rows not loaded yet, found in one pass over the raw table. Placeholders from the table spec
-- (never data): `raw` the raw table, `same_content` "r.c is not distinct from v.c and ..." over the
-- columns and extras. No params.
create or replace temp table new_rows as
select v.* from valid v
where not exists (select 1 from {raw} r where {same_content})
