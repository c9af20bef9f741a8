-- Open assignments past their closure deadline at the cutoff, with working days overdue.
-- Params: $as_of, $month_start, $month_end, $sla (SLA settings struct), $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, $month_start, $month_end, $sla, $use_stored)
),

final as (
    select
        event_id,
        dept_id,
        community_id,
        category,
        handling_mode,
        is_difficult,
        dispatched_at,
        closure_deadline as deadline,
        working_days_overdue,
        calendar_provisional
    from assignments
    -- a day outside the calendar leaves the count unknown: such rows were never listed
    where status = 'open_overdue' and working_days_overdue is not null
)

select * from final order by working_days_overdue desc, deadline, event_id, dept_id
