-- Log rows in the order they happened; rows with the same timestamp keep their file order.
with log as (
    select * from raw_whistle_event_log
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
