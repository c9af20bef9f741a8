-- The last whistle-log timestamp of this build: a report whose cut-off is at or after it can read the
-- assignment facts stored by the same build (govdash.figures.assignment_source) instead of a log scan.
with log as (
    select * from stg_whistle_event_log
),

final as (
    select max(ts) as last_ts, count(*) as log_rows
    from log
)

select * from final
