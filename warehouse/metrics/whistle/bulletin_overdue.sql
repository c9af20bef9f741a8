-- Open assignments past their closure deadline at the cutoff, with working days overdue.
-- Params: $month_start, $month_end. Reads period_assignments (see bulletin_departments.sql) through
-- open_assignments (warehouse/macros/open_assignments.sql, the projection the self-check page's list shares).
with overdue as (
    select * from open_assignments('period_assignments')
    where dispatched_at >= $month_start and dispatched_at < $month_end
    -- a day outside the calendar leaves the count unknown: such rows were never listed
      and status = 'open_overdue' and working_days_overdue is not null
),

final as (
    select * exclude (closure_deadline_date, status) rename (closure_deadline as deadline)
    from overdue
)

select * from final order by working_days_overdue desc, deadline, event_id, dept_id
