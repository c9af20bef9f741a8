-- Every assignment of one whistle event as it stood at the cut-off (the case view, SPEC §3): the department,
-- dispatch, response and closure deadlines and times, rating, status and working days overdue, as
-- assignments_as_of computes them for the bulletin (one definition). Params: $event_id, $as_of, $sla, $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, timestamp '1900-01-01', cast($as_of as timestamp) + interval 1 day, $sla, $use_stored)
    where event_id = $event_id
),

departments as (
    select * from stg_departments
),

final as (
    select
        a.event_id,
        a.dispatch_seq,
        a.dept_id,
        d.dept_name,
        a.dispatched_at,
        a.response_deadline,
        a.responded_at,
        a.closure_deadline,
        a.closed_at,
        a.rating,
        a.escalation_level,
        a.status,
        a.working_days_overdue,
        a.calendar_provisional
    from assignments a
    left join departments d using (dept_id)
)

select * from final order by dispatched_at, dispatch_seq, dept_id
