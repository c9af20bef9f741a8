-- Mark the failures kept in quarantine: the first $max_per_column of each column, by row. Params: $max_per_column.
create or replace temp table failures_kept as
select *, row_number() over (partition by column_name order by _row) <= $max_per_column as kept
from failures
