-- The number of rows of a temp table. Placeholder `table`: valid or new_rows (code constants, never data).
-- No params.
select count(*) from {table}
