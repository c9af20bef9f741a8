-- One event's full log, in order. Params: $event_id.
with log as (
    select * from stg_whistle_event_log
),

departments as (
    select * from stg_departments
),

final as (
    select l.seq, l.ts, l.action, l.dept_id, d.dept_name, l.value, l.note
    from log l left join departments d using (dept_id)
    where l.event_id = $event_id
)

select * from final order by seq
