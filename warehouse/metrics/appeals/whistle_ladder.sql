-- Longgang's ladder for whistles departments cannot settle (4.2–4.3): events reported in a period,
-- and how many were escalated at least to daily dispatch, weekly coordination, the city, by the cut-off.
-- Params: $as_of, $date_from, $date_to.
with events as (
    select event_id from stg_whistle_events
    where reported_at >= $date_from and reported_at < $date_to and reported_at <= $as_of
),

escalations as (
    select event_id,
           max(case value when 'daily' then 1 when 'weekly' then 2 when 'city' then 3 end) as top_step
    from stg_whistle_event_log
    where action = 'escalated' and ts <= $as_of
    group by event_id
),

reached as (
    select e.event_id, coalesce(x.top_step, 0) as top_step
    from events e left join escalations x using (event_id)
),

final as (
    select step, label, count(*) filter (where r.top_step >= step) as events
    from reached r
    cross join (values (0, '派单处置'), (1, '日调度'), (2, '周协调'), (3, '市委市政府协调')) as s(step, label)
    group by step, label
)

select * from final order by step
