-- Every open assignment of one department at the cut-off, whatever month it was dispatched in (SPEC §3),
-- for the self-check page: open_overdue with its working days overdue counted as in bulletin_overdue
-- (wd_index of the cut-off's date − wd_index of the closure deadline's date), open_in_time with none.
-- Params: $as_of, $dept_id, $sla, $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, timestamp '1900-01-01', cast($as_of as timestamp) + interval 1 day, $sla, $use_stored)
    where dept_id = $dept_id and status in ('open_overdue', 'open_in_time')
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
        a.closure_deadline_date,
        a.closure_deadline,
        a.status,
        case when a.status = 'open_overdue' then cn.wd_index - cd.wd_index end as working_days_overdue,
        a.calendar_provisional
    from assignments a
    left join calendar cd on cd.date = a.closure_deadline_date
    left join calendar cn on cn.date = cast($as_of as date)
)

select * from final order by closure_deadline, dispatched_at, event_id
