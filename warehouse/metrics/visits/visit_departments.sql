-- Visit compliance per department for one month (SPEC §4): its bindings' weeks summed, then the rate by its
-- one definition (macros/visit_rates.sql). Lowest compliance first (no required week last), then by id.
-- Params: $month ('YYYY-MM'), $exempt_weeks (varchar[]).
with bindings as (
    select * from visit_binding_counts($month, $exempt_weeks)
),

departments as (
    select dept_id, dept_name from stg_departments
),

summed as (
    select
        dept_id,
        count(*) as bindings,
        cast(sum(required_weeks) as bigint) as required_weeks,
        cast(sum(covered_weeks) as bigint) as covered_weeks,
        cast(coalesce(sum(visits), 0) as bigint) as visits,
        cast(coalesce(sum(leader_led_visits), 0) as bigint) as leader_led_visits,
        cast(coalesce(sum(problems_raised), 0) as bigint) as problems_raised,
        cast(coalesce(sum(problems_solved), 0) as bigint) as problems_solved,
        cast(sum(required_weeks - covered_weeks) as bigint) as missed
    from bindings
    group by dept_id
),

final as (
    select
        s.dept_id,
        d.dept_name,
        s.bindings,
        s.required_weeks,
        s.covered_weeks,
        s.visits,
        s.leader_led_visits,
        s.problems_raised,
        s.problems_solved,
        s.missed,
        visit_compliance(s.covered_weeks, s.required_weeks) as visit_compliance
    from summed s
    left join departments d using (dept_id)
)

select * from final order by visit_compliance nulls last, dept_id
