-- Log rows in the order they happened; rows with the same timestamp keep their file order. seq numbers the
-- rows of one event, so the build brings the model up to date event by event: with $changed_only, only the
-- events an ingest changed (build_changed_events) are read and numbered again.
with log as (
    select * from raw_whistle_event_log where not $changed_only
    union all
    select * from raw_whistle_event_log
    where $changed_only and event_id in (select event_id from build_changed_events)
),

final as (
    select
        event_id,
        ts,
        action,
        dept_id,
        value,
        note,
        row_number() over (partition by event_id order by ts, _source_row) as seq
    from log
)

select * from final
