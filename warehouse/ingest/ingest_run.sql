-- One row of ingest_runs: what a file (one table of it) brought, and the file itself (its absolute path and
-- SHA-256). Params: $run_id, $started, $finished, $file, $table, $encoding, $rows_read, $rows_loaded,
-- $rows_replaced, $rows_quarantined, $duplicates_skipped, $path, $sha256.
insert into ingest_runs (run_id, started_at, finished_at, source_file, table_name, encoding, rows_read, rows_loaded,
                         rows_replaced, rows_quarantined, duplicates_skipped, source_path, source_sha256)
values ($run_id, $started, $finished, $file, $table, $encoding, $rows_read, $rows_loaded, $rows_replaced,
        $rows_quarantined, $duplicates_skipped, $path, $sha256)
