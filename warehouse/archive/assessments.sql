-- The archive of published quarterly and annual assessments (定稿): the same rules as the bulletins' archive
-- (schema.sql): rows are only inserted (warehouse/assessment_archive.py has no update or delete), a correction is a
-- new version that supersedes the previous one, both kept, and no build or ingest touches an archive_ table.

-- name: assessment_schema
-- The assessment archive's two tables, created when missing. No params.
create table if not exists archive_assessments (
    publication_id varchar primary key,   -- "<period>-v<version>", e.g. "2024-Q4-v1", "2024-v2"
    period varchar not null,              -- "YYYY" (the year) or "YYYY-Qn"
    year integer not null,
    quarter integer,                      -- null for the year
    version integer not null,             -- 1 = the publication, 2… = corrections
    status varchar not null,              -- published | correction
    supersedes varchar,                   -- the publication a correction replaces
    published_at timestamp not null,
    published_by varchar not null,        -- the account's real name
    as_of timestamp not null,             -- the cut-off the scores were judged at
    scoring_version varchar not null,     -- the scoring settings' version label
    settings_sha256 varchar not null,     -- config/settings.toml as it was
    ingest_runs varchar not null,         -- JSON: the ingest batches included
    assessment_json varchar not null,     -- the assessment exactly as published (the workbook's source)
    assessment_sha256 varchar not null,
    changes varchar,                      -- JSON: a correction's changed scores against the one it supersedes
    reason varchar,
    unique (period, version)
);
create table if not exists archive_assessment_files (
    publication_id varchar not null,
    kind varchar not null,                -- json | xlsx
    file_name varchar not null,
    mime varchar not null,
    sha256 varchar not null,
    size bigint not null,
    content blob not null,
    primary key (publication_id, kind)
);

-- name: insert_assessment
-- Store one published assessment (a first publication or a correction); never updated. Params: every column's.
insert into archive_assessments values ($publication_id, $period, $year, $quarter, $version, $status, $supersedes,
    $published_at, $published_by, $as_of, $scoring_version, $settings_sha256, $ingest_runs, $assessment_json,
    $assessment_sha256, $changes, $reason)

-- name: assessments
-- Every publication of a period ("YYYY" or "YYYY-Qn"; every period when $period is null), oldest version first;
-- no contents.
select publication_id, period, year, quarter, version, status, supersedes, published_at, published_by, as_of,
       scoring_version, settings_sha256, ingest_runs, assessment_sha256, changes, reason,
       (select list(kind order by kind) from archive_assessment_files f where f.publication_id = a.publication_id)
           as kinds
from archive_assessments a
where $period is null or period = $period
order by period, version

-- name: assessment_json
-- The assessment JSON of one publication and the digest it was stored with.
select assessment_json, assessment_sha256 from archive_assessments where publication_id = $publication_id

-- name: insert_assessment_file
-- Store one file of a published assessment with its digest and size; never updated. Params: every column's.
insert into archive_assessment_files values ($publication_id, $kind, $file_name, $mime, $sha256, $size, $content)

-- name: assessment_file
-- One stored file of a published assessment and the digest it was stored with.
select file_name, mime, sha256, content from archive_assessment_files
where publication_id = $publication_id and kind = $kind

-- name: assessment_tables
-- Whether the assessment archive exists (its publications table). No params.
select table_name from duckdb_tables() where table_name = 'archive_assessments'
