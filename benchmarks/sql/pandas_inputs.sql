-- The inputs of the benchmark's plain-pandas peer (benchmarks/pandas_department_table.py), read straight from
-- the raw tables and the official calendar.

-- name: pandas_events
-- The raw events. No params.
select event_id, handling_mode, is_difficult from raw_whistle_events

-- name: pandas_log
-- The raw whistle log. No params.
select event_id, ts, action, dept_id, value, _source_row from raw_whistle_event_log

-- name: pandas_calendar
-- The official working-day calendar. No params.
select date, is_workday from ref_calendar_official
