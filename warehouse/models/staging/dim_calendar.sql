-- One row per day: working day or not, where that came from, and a running working-day index
-- (wd_index = working days up to and including the date) so WD(d, n) is a join, not a loop.
-- Precedence: calendar_overrides > official schedule (chinese-calendar) > provisional Mon–Fri.
-- A year with no official schedule and no override rows is provisional: figures that touch it say so.
with official as (
    select date, is_workday, note from ref_calendar_official
),

overrides as (
    select date, is_workday, note from raw_calendar_overrides
),

official_years as (
    select distinct year(date) as y from official
),

override_years as (
    select distinct year(date) as y from overrides
    where year(date) not in (select y from official_years)
),

data_dates as (
    select cast(reported_at as date) as d from raw_whistle_events
    union all select cast(ts as date) from raw_whistle_event_log
    union all select visit_date from raw_visits
    union all select cast(submitted_at as date) from raw_negative_reports
    union all select cast(raised_at as date) from raw_appeals
    union all select cast(issued_at as date) from raw_tasks
    union all select date from overrides
),

-- only dates inside the plausible window (the build's variable, see build_steps/plausible_window_set.sql)
plausible_dates as (
    select d from data_dates
    where d between coalesce(getvariable('plausible_window').first, d)
                and coalesce(getvariable('plausible_window').last, d)
),

span as (
    select
        least(coalesce(min(d), date '2004-01-01'), (select min(date) from official)) as first_day,
        make_date(greatest(
            coalesce(year(max(d)) + 1, 0),
            (select max(y) from official_years),
            coalesce((select max(y) from override_years), 0)
        ), 12, 31) as last_day
    from plausible_dates
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date from span
),

final as (
    select
        days.date,
        year(days.date) as year,
        isodow(days.date) as iso_dow,
        coalesce(o.is_workday, f.is_workday, isodow(days.date) <= 5) as is_workday,
        case
            when o.date is not null then 'override'
            when f.date is not null then 'official'
            when year(days.date) in (select y from override_years) then 'override_year'
            else 'provisional'
        end as source,
        year(days.date) in (select y from official_years)
            or year(days.date) in (select y from override_years) as year_covered,
        coalesce(o.note, f.note) as note,
        cast(sum(case when coalesce(o.is_workday, f.is_workday, isodow(days.date) <= 5) then 1 else 0 end)
            over (order by days.date rows between unbounded preceding and current row) as bigint) as wd_index
    from days
    left join official f on f.date = days.date
    left join overrides o on o.date = days.date
)

select * from final
