-- The appeals behind a funnel cell: one row per (appeal, level) matching the filters (null = any).
-- Params: $as_of, $date_from, $date_to, $level, $outcome, $community_id.
with levels as (
    select * from appeal_levels_as_of($as_of, $date_from, $date_to)
),

final as (
    select appeal_id, community_id, community_name, category, raised_at, origin_level, level, entered_at, exited_at,
           outcome, round(dwell_hours, 2) as dwell_hours
    from levels
    where ($level is null or level = $level) and ($outcome is null or outcome = $outcome)
      and ($community_id is null or community_id = $community_id)
)

select * from final order by raised_at, appeal_id, level
