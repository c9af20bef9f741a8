-- Work pushed down (004 5.1): tasks issued in a period, from level to level. Params: $date_from, $date_to.
with tasks as (
    select * from fct_tasks where issued_at >= $date_from and issued_at < $date_to
),

final as (
    select from_level, to_level, count(*) as tasks
    from tasks
    group by all
)

select * from final order by from_level desc, to_level desc
