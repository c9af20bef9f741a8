-- Visits by bound departments (4.4 c), each placed in its ISO week.
with visits as (
    select * from raw_visits
),

weeks as (
    select * from dim_weeks
),

final as (
    select
        v.visit_id,
        v.visit_date,
        v.dept_id,
        v.jpc_id,
        coalesce(v.led_by_city_leader, false) as led_by_city_leader,
        v.team_leader_rank,
        v.participants,
        v.topics,
        coalesce(v.problems_raised, 0) as problems_raised,
        coalesce(v.problems_solved, 0) as problems_solved,
        w.week_id,
        w.month as week_month
    from visits v
    join weeks w on v.visit_date between w.week_start and w.week_end
)

select * from final
