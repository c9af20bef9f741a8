-- name: ingested_sources
-- The files the facts were loaded from, one row per file of each ingest batch, batches in the order they ran.
-- A workbook's sheets are one file (their tables listed). No params.
select run_id, min(started_at) as started_at, source_path as path, source_sha256 as sha256,
       min(source_file) as file, string_agg(distinct table_name, ',' order by table_name) as tables,
       sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded
from ingest_runs
group by run_id, source_path, source_sha256, case when source_path is null then source_file end
order by min(started_at), run_id, min(finished_at), min(source_file)

-- name: ingested_sources_unrecorded
-- The same of a warehouse no ingest of this version wrote yet (ingest_runs without source_path and
-- source_sha256): each file by its name only. No params.
select run_id, min(started_at) as started_at, null as path, null as sha256, source_file as file,
       string_agg(distinct table_name, ',' order by table_name) as tables,
       sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded
from ingest_runs
group by run_id, source_file
order by min(started_at), run_id, min(finished_at), source_file
