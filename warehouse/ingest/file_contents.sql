-- The distinct contents of the whole file (hash aggregate), each with its first row: a key carried by two
-- contents is a conflict. Placeholder `content_list`: the table's quoted columns and extras, from the
-- table spec (never data). No params.
create or replace temp table file_contents as
select {content_list}, min(_row) as _row from incoming group by all
