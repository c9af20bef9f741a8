-- Community-level resolution share (resolved at levels ≤ 3 / all resolved) per month raised (SPEC §6).
-- Params: $as_of, $date_from, $date_to. The share by its one definition (macros/appeal_rates.sql).
with levels as (
    select * from appeal_levels_as_of($as_of, $date_from, $date_to)
),

final as (
    select
        strftime(raised_at, '%Y-%m') as month,
        count(distinct appeal_id) as appeals,
        count(*) filter (where outcome = 'resolved') as resolved,
        count(*) filter (where outcome = 'resolved' and level <= 3) as resolved_in_community,
        community_resolution_share(count(*) filter (where outcome = 'resolved' and level <= 3),
                                   count(*) filter (where outcome = 'resolved')) as community_resolution_share
    from levels
    group by all
)

select * from final order by month
