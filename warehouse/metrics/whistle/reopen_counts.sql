-- Per department: closures the JPCs reopened (重办) in [$date_from, $date_to), as of $as_of.
with reopens as (
    select * from stg_whistle_event_log
    where action = 'reopened' and ts >= $date_from and ts < $date_to and ts <= $as_of and dept_id is not null
),

final as (
    select dept_id, count(*) as reopens from reopens group by dept_id
)

select * from final order by dept_id
