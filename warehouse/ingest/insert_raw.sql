-- Insert the new rows into the raw table, with their source file, row (header = row 1) and run.
-- Placeholders from the table spec (never data): `raw` the raw table, `content_list` the quoted columns
-- and extras, `v_content_list` the same prefixed with v., `rows` valid or new_rows. Params: $file, $run_id.
insert into {raw} ({content_list}, _source_file, _source_row, _run_id)
select {v_content_list}, $file, v._row + 2, $run_id from {rows} v
