-- One row of ingest_runs: what a file (one table of it) brought. Params: $run_id, $started, $finished,
-- $file, $table, $encoding, $rows_read, $rows_loaded, $rows_replaced, $rows_quarantined, $duplicates_skipped.
insert into ingest_runs values ($run_id, $started, $finished, $file, $table, $encoding, $rows_read,
                                $rows_loaded, $rows_replaced, $rows_quarantined, $duplicates_skipped)
