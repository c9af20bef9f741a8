-- The bookkeeping tables every warehouse holds besides the raw tables (warehouse.schema.ensure_schema),
-- created when missing. No params, no placeholders.
create table if not exists quarantine (
    run_id varchar, quarantined_at timestamp, source_file varchar, table_name varchar,
    source_row bigint, column_name varchar, value varchar, reason varchar
);
-- exact quarantine counts of each file's latest load, per column and for the file as a whole
-- (column_name null); `quarantine` keeps only the first reasons of each column ([limits])
create table if not exists quarantine_counts (
    run_id varchar, quarantined_at timestamp, source_file varchar, table_name varchar, column_name varchar,
    rows bigint, reasons bigint, reasons_kept bigint
);
create table if not exists ingest_runs (
    run_id varchar, started_at timestamp, finished_at timestamp, source_file varchar,
    table_name varchar, encoding varchar, rows_read bigint, rows_loaded bigint,
    rows_replaced bigint, rows_quarantined bigint, duplicates_skipped bigint
);
-- where each file was read from and its SHA-256 at the time, so the facts can be rebuilt from the same files
-- (govdash backup lists them); added to the warehouses made before they were recorded
alter table ingest_runs add column if not exists source_path varchar;
alter table ingest_runs add column if not exists source_sha256 varchar;
-- the events an ingest loaded log or event rows of (pipelines.ingest), which warehouse.build brings up to
-- date event by event; emptied by every build
create table if not exists build_changed_events (event_id varchar);
-- the raw tables an ingest changed since the last build (an ingest without a build leaves them for the next)
create table if not exists build_changed_tables (table_name varchar);
create table if not exists ref_calendar_official (
    date date primary key, is_workday boolean not null, note varchar
);
