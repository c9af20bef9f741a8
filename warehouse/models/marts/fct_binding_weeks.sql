-- One row per (JPC, department, ISO week) that a department binding requires or a visit touches.
-- required: the binding is active on any day of the week (SPEC §4); exempt weeks are applied by the
-- metric queries, since they are a setting. covered: at least one visit by that department to that JPC.
with bindings as (
    select * from stg_bindings where role = 'department'
),

weeks as (
    select * from dim_weeks
),

visits as (
    select * from stg_visits
),

required as (
    select distinct b.jpc_id, b.dept_id, w.week_id
    from bindings b
    join weeks w
      on w.week_end >= b.valid_from
     and (b.valid_to is null or w.week_start <= b.valid_to)
    -- an open binding needs weeks only up to the end of the last year with data
    where w.week_start <= (select max(date) from dim_calendar)
),

visited as (
    select
        jpc_id, dept_id, week_id,
        count(*) as visits,
        count(*) filter (where led_by_city_leader) as leader_led_visits,
        cast(sum(problems_raised) as bigint) as problems_raised,
        cast(sum(problems_solved) as bigint) as problems_solved
    from visits
    group by all
),

final as (
    select
        coalesce(r.jpc_id, v.jpc_id) as jpc_id,
        coalesce(r.dept_id, v.dept_id) as dept_id,
        w.week_id,
        w.week_start,
        w.week_end,
        w.month,
        r.week_id is not null as required,
        coalesce(v.visits, 0) > 0 as covered,
        coalesce(v.visits, 0) as visits,
        coalesce(v.leader_led_visits, 0) as leader_led_visits,
        coalesce(v.problems_raised, 0) as problems_raised,
        coalesce(v.problems_solved, 0) as problems_solved
    from required r
    full join visited v using (jpc_id, dept_id, week_id)
    join weeks w on w.week_id = coalesce(r.week_id, v.week_id)
)

select * from final
