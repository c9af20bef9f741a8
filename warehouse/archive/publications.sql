-- The archive's publications (warehouse.archive): written once, read with their digests.

-- name: insert_publication
-- Store one publication (a first publication or a correction); never updated. Params: every column's.
insert into archive_publications values ($publication_id, $month, $version, $status, $supersedes, $published_at,
    $published_by, $as_of, $provisional, $settings_sha256, $scoring_version, $ingest_runs, $bulletin_json,
    $bulletin_sha256, $skipped_kinds, $changes, $reason)

-- name: publications
-- Every publication of a month (or of every month when $month is null), oldest first; no file contents.
select publication_id, month, version, status, supersedes, published_at, published_by, as_of, provisional,
       settings_sha256, scoring_version, ingest_runs, bulletin_sha256, skipped_kinds, changes, reason,
       (select list(kind order by kind) from archive_files f where f.publication_id = p.publication_id) as kinds
from archive_publications p
where $month is null or month = $month
order by month, version

-- name: bulletin
-- The bulletin JSON of one publication and the digest it was stored with.
select bulletin_json, bulletin_sha256 from archive_publications where publication_id = $publication_id

-- name: ingest_batches
-- The ingest batches a publication includes: every run recorded in ingest_runs so far.
select run_id, min(started_at) as started_at, count(*) as files, sum(rows_loaded) as rows_loaded,
       sum(rows_replaced) as rows_replaced
from ingest_runs
group by run_id
order by started_at, run_id
