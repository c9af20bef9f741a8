-- The last log row's time of each event. An event whose log ends by a cut-off has, at that cut-off, the same
-- assignment facts as at the end of the log (the rows after the cut-off are the only difference), so a past
-- cut-off reads the stored facts (fct_assignment_facts) for it and computes live only the events whose log
-- goes on after the cut-off (assignment_facts_at). Small: one row per event with a log.
-- $changed_only: only the events an ingest changed (build_changed_events).
with log as (
    select * from stg_whistle_event_log where not $changed_only
    union all
    select * from stg_whistle_event_log
    where $changed_only and event_id in (select event_id from build_changed_events)
),

final as (
    select event_id, max(ts) as last_ts
    from log
    group by event_id
)

select * from final
