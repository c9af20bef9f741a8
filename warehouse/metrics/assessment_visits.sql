-- Visit compliance per department over the ISO weeks of a range of months (SPEC §4, §7).
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
        round(count(*) filter (where covered) / count(*), 4) as visit_compliance
    from binding_weeks
    group by dept_id
)

select * from final
