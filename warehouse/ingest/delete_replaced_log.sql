-- A corrected re-export of a log table: delete the raw rows of every parent (event, appeal) it holds that
-- it no longer holds; returns the number deleted, or the deleted rows' event ids with `returning`.
-- Placeholders from the table spec (never data): `raw` the raw table, `parent` the quoted parent column,
-- `same_content` "r.c is not distinct from v.c and ..." over the columns and extras, `returning` empty
-- or "returning event_id". No params.
delete from {raw} r
where r.{parent} in (select {parent} from valid) and not exists (select 1 from valid v where {same_content})
{returning}
