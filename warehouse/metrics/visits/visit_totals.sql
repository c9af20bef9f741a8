-- The month's visit totals (SPEC §4) over the whole city, or over the departments in $dept_ids (empty: all):
-- required and covered weeks, visits and problems summed, then compliance by its one definition
-- (macros/visit_rates.sql); `departments_full`: departments whose own compliance is 100 %.
-- Params: $month ('YYYY-MM'), $exempt_weeks (varchar[]), $dept_ids (varchar[]).
with bindings as (
    select * from visit_binding_counts($month, $exempt_weeks)
    where len(cast($dept_ids as varchar[])) = 0 or list_contains(cast($dept_ids as varchar[]), dept_id)
),

per_department as (
    select dept_id, visit_compliance(sum(covered_weeks), sum(required_weeks)) as visit_compliance
    from bindings
    group by dept_id
),

summed as (
    select
        count(distinct dept_id) as departments,
        count(*) as bindings,
        cast(coalesce(sum(required_weeks), 0) as bigint) as required_weeks,
        cast(coalesce(sum(covered_weeks), 0) as bigint) as covered_weeks,
        cast(coalesce(sum(visits), 0) as bigint) as visits,
        cast(coalesce(sum(leader_led_visits), 0) as bigint) as leader_led_visits,
        cast(coalesce(sum(problems_raised), 0) as bigint) as problems_raised,
        cast(coalesce(sum(problems_solved), 0) as bigint) as problems_solved
    from bindings
),

final as (
    select
        s.*,
        (select count(*) from per_department where visit_compliance = 1) as departments_full,
        visit_compliance(s.covered_weeks, s.required_weeks) as visit_compliance
    from summed s
)

select * from final
