-- Write a file's exact quarantine counts: per column, and for the file (column_name null).
-- Params: $run_id, $now, $file, $table.
insert into quarantine_counts
select $run_id, $now, $file, $table, column_name, count(distinct _row), count(*), count(*) filter (where kept)
from failures_kept group by grouping sets ((column_name), ()) having count(*) > 0
