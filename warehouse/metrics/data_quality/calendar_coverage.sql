-- The working-day calendar's coverage against the years the data spans (govdash status, the data page).

-- name: status_calendar_years
-- Per calendar year: whether the official schedule or an override covers it.
select year, bool_or(source = 'official') as official, bool_or(source in ('override', 'override_year')) as overrides,
       bool_and(year_covered) as covered
from dim_calendar group by year order by year

-- name: status_data_years
-- The years any source has data in (the calendar must cover them).
with years as (
    select year(reported_at) as y from raw_whistle_events
    union all select year(ts) from raw_whistle_event_log
    union all select year(visit_date) from raw_visits
    union all select year(submitted_at) from raw_negative_reports
    union all select year(raised_at) from raw_appeals
    union all select year(issued_at) from raw_tasks
)

select distinct y from years where y is not null order by y
