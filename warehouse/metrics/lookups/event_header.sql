-- One whistle event's classification, with the departments it was dispatched to (for the scope rule).
-- Params: $event_id.
with event as (
    select * from stg_whistle_events where event_id = $event_id
),

dispatches as (
    select event_id, list(distinct dept_id order by dept_id) as dispatched_to
    from stg_whistle_event_log
    where event_id = $event_id and action = 'dispatched'
    group by event_id
),

final as (
    select e.event_id, e.category, e.handling_mode, e.is_difficult, e.reported_at, e.community_id,
           coalesce(d.dispatched_to, []) as dispatched_to
    from event e
    left join dispatches d using (event_id)
)

select * from final
