-- The assignment a dispute names (SPEC §9.1): the (event, department) pair's latest assignment started at or
-- before the filing moment, as it stood then (assignments_as_of, one definition: its dispatch and closure
-- deadline), with the time of the rating it held then — the latest `rated` row after its dispatch naming the
-- department or none (null when it held no rating). Params: $event_id, $dept_id, $at, $sla, $use_stored.
with assignment as (
    select event_id, dept_id, dispatched_at, closure_deadline, rating, is_returned
    from assignments_as_of($at, timestamp '1900-01-01', cast($at as timestamp) + interval 1 day, $sla, $use_stored)
    where event_id = $event_id and dept_id = $dept_id
    order by dispatched_at desc
    limit 1
),

rated as (
    select max(l.ts) as rated_at
    from stg_whistle_event_log l
    join assignment a on l.event_id = a.event_id
    where l.action = 'rated' and (l.dept_id = a.dept_id or l.dept_id is null)
      and l.ts >= a.dispatched_at and l.ts <= $at and a.rating is not null
)

select a.*, r.rated_at from assignment a cross join rated r
