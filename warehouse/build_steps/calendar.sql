-- The official working-day calendar the build loads (warehouse.calendar).

-- name: calendar_span
-- The official calendar's first and last date and its number of days (reloaded when the package's span
-- changed). No params.
select min(date), max(date), count(*) from ref_calendar_official

-- name: calendar_clear
-- Empty the official calendar before it is loaded again. No params.
delete from ref_calendar_official

-- name: calendar_insert
-- Load the official calendar from the frame warehouse.calendar registered as official_frame. No params.
insert into ref_calendar_official select date, is_workday, note from official_frame
