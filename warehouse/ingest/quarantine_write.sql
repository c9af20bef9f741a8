-- Write a file's kept failures to quarantine, row number counted with the header as row 1.
-- Params: $run_id, $now, $file, $table.
insert into quarantine
select $run_id, $now, $file, $table, _row + 2, column_name, value, reason
from failures_kept where kept order by _row
