-- The five-level funnel for appeals raised in a period, as of a cut-off (SPEC §6), for the whole city,
-- per community and per category at once (grouping sets). Params: $as_of, $date_from, $date_to.
-- conversion k → k+1 = escalated(k) / entered(k) and the group's community-level resolution share (the same
-- on each of its rows), by their one definition (macros/appeal_rates.sql); dwell quantiles are continuous
-- (interpolated) over the levels left by the cut-off.
with levels as (
    select * from appeal_levels_as_of($as_of, $date_from, $date_to)
),

counted as (
    select
        case when grouping(community_id) = 0 then 'community'
             when grouping(category) = 0 then 'category'
             else 'city' end as grouping_kind,
        community_id,
        category,
        level,
        count(*) as entered,
        count(*) filter (where outcome = 'resolved') as resolved,
        count(*) filter (where outcome = 'escalated') as escalated,
        count(*) filter (where outcome = 'withdrawn') as withdrawn,
        count(*) filter (where outcome = 'open') as open,
        round(quantile_cont(dwell_hours, 0.5), 2) as median_dwell_hours,
        round(quantile_cont(dwell_hours, 0.9), 2) as p90_dwell_hours
    from levels
    group by grouping sets ((level), (community_id, level), (category, level))
),

final as (
    select
        *,
        level_conversion(level, escalated, entered) as conversion,
        community_resolution_share(
            coalesce(sum(resolved) filter (where level <= 3) over (partition by grouping_kind, community_id, category), 0),
            sum(resolved) over (partition by grouping_kind, community_id, category)) as community_resolution_share
    from counted
)

select * from final order by grouping_kind, community_id, category, level
