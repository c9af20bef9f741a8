-- A corrected re-export of a keyed table: delete the raw rows whose key it holds with other content;
-- returns the number deleted, or the deleted rows' event ids with `returning`. Placeholders from the
-- table spec (never data): `raw` the raw table, `same_key` / `same_content` "r.c is not distinct from
-- v.c and ..." over the key / the columns and extras, `returning` empty or "returning event_id".
-- No params.
delete from {raw} r
where exists (select 1 from valid v where {same_key}) and not exists (select 1 from valid v where {same_content})
{returning}
