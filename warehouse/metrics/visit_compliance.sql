-- Visit compliance per (department, JPC) binding for one month (SPEC §4).
-- Params: $month ('YYYY-MM'), $exempt_weeks (varchar[]: ISO weeks not required).
-- Weeks are those whose Thursday falls in the month; visits are counted over the same weeks.
with binding_weeks as (
    select * from fct_binding_weeks where month = $month
),

departments as (
    select * from stg_departments
),

jpcs as (
    select jpc_id, jpc_name from dim_jpcs
),

scored as (
    select
        *,
        required and not list_contains(cast($exempt_weeks as varchar[]), week_id) as counts_required
    from binding_weeks
),

final as (
    select
        s.dept_id,
        d.dept_name,
        s.jpc_id,
        c.jpc_name,
        count(*) filter (where counts_required) as required_weeks,
        count(*) filter (where counts_required and covered) as covered_weeks,
        case when count(*) filter (where counts_required) = 0 then null
             else round(count(*) filter (where counts_required and covered)
                        / count(*) filter (where counts_required), 4) end as visit_compliance,
        cast(sum(visits) as bigint) as visits,
        cast(sum(leader_led_visits) as bigint) as leader_led_visits,
        cast(sum(problems_raised) as bigint) as problems_raised,
        cast(sum(problems_solved) as bigint) as problems_solved,
        coalesce(list(week_id order by week_id) filter (where counts_required and not covered), []) as missed_weeks
    from scored s
    left join departments d using (dept_id)
    left join jpcs c using (jpc_id)
    group by all
)

select * from final order by dept_id, jpc_id
