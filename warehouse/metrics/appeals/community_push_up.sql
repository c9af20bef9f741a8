-- Communities ranked by how much they push upward: of the appeals that entered at the community level
-- or below (levels ≤ 3), the share carried above the community (reached level 4 or 5).
-- Params: $as_of, $date_from, $date_to. The share by its one definition (macros/appeal_rates.sql).
with levels as (
    select * from appeal_levels_as_of($as_of, $date_from, $date_to)
),

per_appeal as (
    select appeal_id, community_id, community_name, min(origin_level) as origin_level, max(level) as top_level,
           bool_or(outcome = 'resolved' and level <= 3) as resolved_in_community
    from levels
    group by all
),

final as (
    select
        community_id,
        community_name,
        count(*) as appeals,
        count(*) filter (where top_level >= 4) as carried_up,
        carried_up_share(count(*) filter (where top_level >= 4), count(*)) as carried_up_share,
        count(*) filter (where resolved_in_community) as resolved_in_community
    from per_appeal
    where origin_level <= 3
    group by all
)

select *, rank() over (order by carried_up_share desc, carried_up desc) as rank
from final order by rank, community_id
