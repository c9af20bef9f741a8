-- Every open assignment of one department at the cut-off, whatever month it was dispatched in (SPEC §3),
-- for the self-check page: open_overdue with its working days overdue (assignments_as_of counts them),
-- open_in_time with none; the projection is open_assignments (warehouse/macros/open_assignments.sql), the
-- one the bulletin's overdue list reads.
-- Params: $as_of, $dept_id, $sla, $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, timestamp '1900-01-01', cast($as_of as timestamp) + interval 1 day, $sla, $use_stored)
    where dept_id = $dept_id
),

final as (
    select * from open_assignments('assignments')
)

select * from final order by closure_deadline, dispatched_at, event_id
