-- The visits behind a month's figures (visits in the ISO weeks the month owns).
-- Params: $month, $dept_id (or null), $jpc_id (or null).
with visits as (
    select * from stg_visits
    where week_month = $month
      and ($dept_id is null or dept_id = $dept_id) and ($jpc_id is null or jpc_id = $jpc_id)
),

final as (
    select visit_id, visit_date, week_id, dept_id, jpc_id, led_by_city_leader, team_leader_rank, participants,
           topics, problems_raised, problems_solved
    from visits
)

select * from final order by visit_date, visit_id
