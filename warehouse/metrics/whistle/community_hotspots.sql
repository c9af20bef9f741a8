-- Communities that whistled most in a month, with their most frequent category.
-- Params: $month_start, $month_end, $limit.
with events as (
    select * from stg_whistle_events
    where reported_at >= $month_start and reported_at < $month_end
),

communities as (
    select * from stg_communities
),

by_category as (
    select community_id, category, count(*) as n from events group by all
),

final as (
    select
        c.community_name,
        c.jpc_name,
        sum(b.n) as events,
        arg_max(b.category, b.n) as top_category,
        max(b.n) as top_category_events
    from by_category b
    join communities c using (community_id)
    group by all
)

select * from final order by events desc, community_name limit $limit
