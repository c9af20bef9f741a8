-- What ingests changed since the last build (the raw tables and the events), read to decide what to
-- rebuild and emptied once the build is done.

-- name: changed_tables
-- The raw tables ingests changed since the last build (recorded by ingest/changed_table.sql). No params.
select distinct table_name from build_changed_tables

-- name: changed_events_count
-- How many events ingests changed since the last build (build_changed_events). No params.
select count(distinct event_id) from build_changed_events

-- name: events_count
-- How many events the warehouse holds (the share of changed events decides event-by-event builds). No params.
select count(*) from raw_whistle_events

-- name: changed_tables_clear
-- After a build: the changed raw tables are up to date. No params.
delete from build_changed_tables

-- name: changed_events_clear
-- After a build: the changed events are up to date. No params.
delete from build_changed_events
