-- The warehouse's part in publishing (warehouse.archive): the ingest batches a publication includes, and the
-- one-time import of the archive_* tables in which a warehouse made before the records database kept its
-- publications (govdash.records.publications holds them now; these tables are only read, once, and never made).

-- name: ingest_batches
-- The ingest batches a publication includes: every run recorded in ingest_runs so far.
select run_id, min(started_at) as started_at, count(*) as files, sum(rows_loaded) as rows_loaded,
       sum(rows_replaced) as rows_replaced
from ingest_runs
group by run_id
order by started_at, run_id

-- name: tables
-- The archive tables of an earlier version present in this warehouse. No params.
select table_name from duckdb_tables() where table_name like 'archive\_%' escape '\' order by table_name

-- name: warehouse_file
-- The file this connection's warehouse is (named in the import's record). No params.
select coalesce(path, database_name) from duckdb_databases() where database_name = current_database()

-- name: legacy_archive_publications
-- Every published bulletin of the earlier archive, every column, oldest first. No params.
select publication_id, month, version, status, supersedes, published_at, published_by, as_of, provisional,
       settings_sha256, scoring_version, ingest_runs, bulletin_json, bulletin_sha256, skipped_kinds, changes, reason
from archive_publications
order by month, version

-- name: legacy_archive_files
-- Every stored file of the earlier archive's bulletins. No params.
select publication_id, kind, file_name, mime, sha256, size, content from archive_files order by publication_id, kind

-- name: legacy_archive_assessments
-- Every published assessment of the earlier archive, every column, oldest first. No params.
select publication_id, period, year, quarter, version, status, supersedes, published_at, published_by, as_of,
       scoring_version, settings_sha256, ingest_runs, assessment_json, assessment_sha256, changes, reason
from archive_assessments
order by period, version

-- name: legacy_archive_assessment_files
-- Every stored file of the earlier archive's assessments. No params.
select publication_id, kind, file_name, mime, sha256, size, content from archive_assessment_files
order by publication_id, kind
