-- Where each appeal raised in a period stands at the cut-off (SPEC §6), for the whole city and per category:
-- its outcome at the highest level it has reached. Every appeal counts once, so
-- appeals = resolved + withdrawn + open + in_transit (escalated, the next level not entered by the cut-off).
-- Params: $as_of, $date_from, $date_to.
with levels as (
    select * from appeal_levels_as_of($as_of, $date_from, $date_to)
),

last_level as (
    select appeal_id, category, arg_max(outcome, level) as outcome, max(level) as level
    from levels
    group by appeal_id, category
),

final as (
    select
        case when grouping(category) = 0 then 'category' else 'city' end as grouping_kind,
        category,
        count(*) as appeals,
        count(*) filter (where outcome = 'resolved') as resolved,
        count(*) filter (where outcome = 'withdrawn') as withdrawn,
        count(*) filter (where outcome = 'open') as open,
        count(*) filter (where outcome = 'escalated') as in_transit
    from last_level
    group by grouping sets ((), (category))
)

select * from final order by grouping_kind, category
