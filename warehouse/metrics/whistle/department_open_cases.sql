-- Every open assignment of one department at the cut-off, whatever month it was dispatched in (SPEC §3),
-- for the self-check page: open_overdue with its working days overdue (assignments_as_of counts them),
-- open_in_time with none; the projection is open_assignments (warehouse/macros/open_assignments.sql), the
-- one the bulletin's overdue list reads, with each case's response deadline and response (by the cut-off).
-- Params: $as_of, $dept_id, $sla, $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, timestamp '1900-01-01', cast($as_of as timestamp) + interval 1 day, $sla, $use_stored)
    where dept_id = $dept_id
),

final as (
    -- with the response deadline and the response by the cut-off: an open case not yet answered falls due twice
    -- (SPEC §10 reminds of whichever deadline comes first)
    select
        open_cases.*,
        assignments.response_deadline,
        case when assignments.responded_at <= cast($as_of as timestamp) then assignments.responded_at end
            as responded_at
    from open_assignments('assignments') as open_cases
    join assignments using (event_id, dept_id, dispatched_at)
)

select * from final order by closure_deadline, dispatched_at, event_id
