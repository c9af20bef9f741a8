-- One row per ISO week (Mon–Sun) of the calendar; a week belongs to the month holding its Thursday (SPEC §4).
with calendar as (
    select * from dim_calendar
),

final as (
    select
        isoyear(date) || '-W' || lpad(cast(week(date) as varchar), 2, '0') as week_id,
        date as week_start,
        date + 6 as week_end,
        strftime(date + 3, '%Y-%m') as month
    from calendar
    where iso_dow = 1
)

select * from final
