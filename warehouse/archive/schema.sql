-- The archive of published bulletins (定稿发布). Rows are only ever inserted (warehouse/archive.py has no
-- update or delete); a correction is a new version that supersedes the previous one, both kept. Tables whose
-- name starts with archive_ are never dropped or rebuilt by the build or the ingest: they live in the
-- warehouse file, which every write session copies whole and swaps in.

-- name: schema
-- The archive's two tables, created when missing. No params.
create table if not exists archive_publications (
    publication_id varchar primary key,   -- "<month>-v<version>"
    month varchar not null,               -- "YYYY-MM"
    version integer not null,             -- 1 = the publication, 2… = corrections
    status varchar not null,              -- published | correction
    supersedes varchar,                   -- the publication a correction replaces
    published_at timestamp not null,
    published_by varchar not null,
    as_of timestamp not null,             -- the cut-off the figures were judged at
    provisional boolean not null,
    settings_sha256 varchar not null,     -- config/settings.toml as it was
    scoring_version varchar not null,     -- the scoring settings' version label
    ingest_runs varchar not null,         -- JSON: the ingest batches included (run_id, started_at, files, rows_loaded)
    bulletin_json varchar not null,       -- the bulletin exactly as published (the files' source)
    bulletin_sha256 varchar not null,
    skipped_kinds varchar not null,       -- JSON {kind: reason}: a file kind that could not be produced
    changes varchar,                      -- JSON: a correction's changed figures against the one it supersedes
    reason varchar,
    unique (month, version)
);
create table if not exists archive_files (
    publication_id varchar not null,
    kind varchar not null,                -- json | docx | xlsx | pdf
    file_name varchar not null,
    mime varchar not null,
    sha256 varchar not null,
    size bigint not null,
    content blob not null,
    primary key (publication_id, kind)
);

-- name: tables
-- The archive tables present and their row counts are checked by tests; this lists the names.
select table_name from duckdb_tables() where table_name like 'archive\_%' escape '\' order by table_name
