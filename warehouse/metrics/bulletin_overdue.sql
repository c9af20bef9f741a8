-- Open assignments past their closure deadline at the cutoff, with working days overdue.
-- Params: $month_start, $month_end. Reads period_assignments (see bulletin_departments.sql).
with assignments as (
    select * from period_assignments
    where dispatched_at >= $month_start and dispatched_at < $month_end
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
