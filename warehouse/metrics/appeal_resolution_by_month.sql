-- Community-level resolution share (resolved at levels ≤ 3 / all resolved) per month raised (SPEC §6).
-- Params: $as_of, $date_from, $date_to.
with levels as (
    select * from appeal_levels_as_of($as_of, $date_from, $date_to)
),

final as (
    select
        strftime(raised_at, '%Y-%m') as month,
        count(distinct appeal_id) as appeals,
        count(*) filter (where outcome = 'resolved') as resolved,
        count(*) filter (where outcome = 'resolved' and level <= 3) as resolved_in_community,
        case when count(*) filter (where outcome = 'resolved') = 0 then null
             else round(count(*) filter (where outcome = 'resolved' and level <= 3)
                        / count(*) filter (where outcome = 'resolved'), 4) end as community_resolution_share
    from levels
    group by all
)

select * from final order by month
