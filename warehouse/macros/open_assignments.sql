-- The open assignments among rows of assignments_as_of (SPEC §3), as one projection: the bulletin's overdue list
-- (warehouse/metrics/bulletin_overdue.sql, over the temp table period_assignments) and the self-check page's
-- open cases (department_open_cases.sql, over its own assignments_as_of rows) both read it.
-- assignment_rows: the name of a table or of the caller's CTE holding assignments_as_of rows (query_table).
-- open_overdue rows carry working_days_overdue as assignments_as_of counts it; open_in_time rows none.
create or replace macro open_assignments(assignment_rows) as table
select
    event_id,
    dept_id,
    community_id,
    category,
    handling_mode,
    is_difficult,
    dispatched_at,
    closure_deadline_date,
    closure_deadline,
    status,
    working_days_overdue,
    calendar_provisional
from query_table(assignment_rows)
where status in ('open_overdue', 'open_in_time')
