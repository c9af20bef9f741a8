-- The day of the default cut-off of a period (settings [cutoff]): the $working_days-th working day after
-- $period_last_day on the working-day calendar (dim_calendar: overrides > official schedule > Mon–Fri, so
-- make-up working days count and holidays do not). wd_index counts working days up to and including a
-- date, so the day sought is the working day whose index is the last day's index + n. `provisional` says
-- the days in between come from the provisional Mon–Fri reading (no schedule for that year).
with last_day as (
    select wd_index from dim_calendar where date = $period_last_day
),

target as (
    select c.date, c.source
    from dim_calendar c, last_day l
    where c.is_workday and c.wd_index = l.wd_index + $working_days
)

select
    (select date from target) as cutoff_day,
    coalesce((select bool_or(source = 'provisional') from dim_calendar
              where date > $period_last_day and date <= (select date from target)), true) as provisional
