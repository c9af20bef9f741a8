-- Valid rows: one per distinct content of the rows without failures (exact repeats in the file are
-- duplicates). Placeholder `content_list`: the table's quoted columns and extras, from the table spec
-- (never data). No params.
create or replace temp table valid as
select {content_list}, min(_row) as _row from incoming
where _row not in (select _row from failures)
group by all
