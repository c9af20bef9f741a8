-- Building a model: whole, month by month, or event by event (warehouse.build), and what a build sets
-- or drops around the models.

-- name: existing_tables
-- The warehouse's own (not temporary) tables in schema main, the models among them already built
-- (warehouse.build). Params: $database (current_database, connection/session.sql). No placeholders.
select table_name from duckdb_tables() where database_name = $database and schema_name = 'main' and not temporary

-- name: plausible_window_set
-- The plausible window of the data's dates (settings [plausibility]) as a session variable the models read with
-- getvariable('plausible_window'): the calendar spans only the data inside it, so a stray year an older version
-- let in (9999) never makes a calendar, weeks or binding weeks out to that year. Params: $first, $last (dates).
set variable plausible_window = struct_pack(first := $first, last := $last)

-- name: model_create
-- Build a model whole (or its first month). Placeholders (from the model files, never data): `name`
-- the model's file name, `sql` the model file's query. Params: the model query's own.
create or replace table {name} as {sql}

-- name: model_insert
-- Add rows to a model (its next month, or its changed events). Placeholders (from the model files, never
-- data): `name` the model's file name, `sql` the model file's query. Params: the model query's own.
insert into {name} {sql}

-- name: dispatch_months
-- The months holding dispatches, in order: a model over the whole whistle log is built one month at a
-- time. No params.
select distinct date_trunc('month', ts) from stg_whistle_event_log where action = 'dispatched' order by 1

-- name: model_delete_changed_events
-- Delete an event-keyed model's rows of the events ingests changed (they are computed again).
-- Placeholder (from the model files, never data): `name` the model's file name. No params.
delete from {name} where event_id in (select event_id from build_changed_events)

-- name: retired_macro_drop
-- Drop a table macro no file defines any more. Placeholder (a code constant, never data): `name` one
-- of warehouse.build.RETIRED_MACROS. No params.
drop macro table if exists {name}
