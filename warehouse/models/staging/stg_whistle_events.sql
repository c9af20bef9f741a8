-- $changed_only: only the events an ingest changed (build_changed_events); see warehouse/build.py.
with events as (
    select * from raw_whistle_events where not $changed_only
    union all
    select * from raw_whistle_events
    where $changed_only and event_id in (select event_id from build_changed_events)
),

communities as (
    select * from stg_communities
),

final as (
    select
        events.event_id,
        events.community_id,
        communities.jpc_id,
        events.reported_at,
        events.handling_mode,
        events.is_difficult,
        events.category,
        events.title,
        events.one_thing_item,
        events.admission_item
    from events
    left join communities using (community_id)
)

select * from final
