-- Visit compliance per (department, JPC) binding for one month (SPEC §4).
-- Params: $month ('YYYY-MM'), $exempt_weeks (varchar[]: ISO weeks not required).
-- Weeks are those whose Thursday falls in the month; visits are counted over the same weeks
-- (macros/visit_rates.sql: the counts and the rate, once).
with bindings as (
    select * from visit_binding_counts($month, $exempt_weeks)
),

departments as (
    select * from stg_departments
),

jpcs as (
    select jpc_id, jpc_name from dim_jpcs
),

final as (
    select
        b.dept_id,
        d.dept_name,
        b.jpc_id,
        c.jpc_name,
        b.required_weeks,
        b.covered_weeks,
        visit_compliance(b.covered_weeks, b.required_weeks) as visit_compliance,
        b.visits,
        b.leader_led_visits,
        b.problems_raised,
        b.problems_solved,
        b.missed_weeks
    from bindings b
    left join departments d using (dept_id)
    left join jpcs c using (jpc_id)
)

select * from final order by dept_id, jpc_id
