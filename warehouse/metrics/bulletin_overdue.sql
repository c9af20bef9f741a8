-- Open assignments past their closure deadline at the cutoff, with working days overdue.
-- Params: $as_of, $month_start, $month_end, $sla (SLA settings struct), $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, $month_start, $month_end, $sla, $use_stored)
),

calendar as (
    select date, wd_index from dim_calendar
),

final as (
    select
        a.event_id,
        a.dept_id,
        a.community_id,
        a.category,
        a.handling_mode,
        a.is_difficult,
        a.dispatched_at,
        a.closure_deadline as deadline,
        cn.wd_index - cd.wd_index as working_days_overdue,
        a.calendar_provisional
    from assignments a
    join calendar cd on cd.date = a.closure_deadline_date
    join calendar cn on cn.date = cast($as_of as date)
    where a.status = 'open_overdue'
)

select * from final order by working_days_overdue desc, deadline, event_id, dept_id
