-- Per JPC: its contact city leader(s) during the month's weeks and the visits they led. Params: $month.
with weeks as (
    select * from dim_weeks where month = $month
),

span as (
    select min(week_start) as first_day, max(week_end) as last_day from weeks
),

leaders as (
    select b.jpc_id, string_agg(distinct b.leader_name, '、') as leader_name
    from stg_bindings b, span
    where b.role = 'leader' and b.valid_from <= span.last_day and (b.valid_to is null or b.valid_to >= span.first_day)
    group by b.jpc_id
),

visits as (
    select jpc_id, count(*) as visits, count(*) filter (where led_by_city_leader) as leader_led_visits
    from stg_visits where week_month = $month
    group by jpc_id
),

final as (
    select j.jpc_id, j.jpc_name, l.leader_name, coalesce(v.visits, 0) as visits,
           coalesce(v.leader_led_visits, 0) as leader_led_visits
    from dim_jpcs j
    left join leaders l using (jpc_id)
    left join visits v using (jpc_id)
)

select * from final order by jpc_id
