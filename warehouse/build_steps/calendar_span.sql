-- The official calendar's first and last date and its number of days (reloaded when the package's span
-- changed). No params.
select min(date), max(date), count(*) from ref_calendar_official
