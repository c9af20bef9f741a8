-- Visit compliance per department over the ISO weeks of a range of months (SPEC §4, §7), unrounded (nothing is
-- rounded before the final score: macros/visit_rates.sql visit_compliance_exact).
-- Params: $month_from, $month_to ('YYYY-MM'), $exempt_weeks (varchar[]).
with binding_weeks as (
    select * from fct_binding_weeks
    where month between $month_from and $month_to
      and required and not list_contains(cast($exempt_weeks as varchar[]), week_id)
),

final as (
    select
        dept_id,
        count(*) as required_weeks,
        count(*) filter (where covered) as covered_weeks,
        visit_compliance_exact(count(*) filter (where covered), count(*)) as visit_compliance
    from binding_weeks
    group by dept_id
)

select * from final
