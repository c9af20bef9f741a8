-- Every publication of a month (or of every month when $month is null), oldest first; no file contents.
select publication_id, month, version, status, supersedes, published_at, published_by, as_of, provisional,
       settings_sha256, scoring_version, ingest_runs, bulletin_sha256, skipped_kinds, changes, reason,
       (select list(kind order by kind) from archive_files f where f.publication_id = p.publication_id) as kinds
from archive_publications p
where $month is null or month = $month
order by month, version
