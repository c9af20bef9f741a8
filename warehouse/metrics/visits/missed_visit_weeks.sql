-- A department's required, uncovered, non-exempt visit weeks over a range of months.
-- Params: $dept_id, $month_from, $month_to, $exempt_weeks (varchar[]).
with binding_weeks as (
    select * from fct_binding_weeks
    where dept_id = $dept_id and month between $month_from and $month_to
),

final as (
    select dept_id, jpc_id, week_id, week_start, week_end, month
    from binding_weeks
    where required and not covered and not list_contains(cast($exempt_weeks as varchar[]), week_id)
)

select * from final order by week_id, jpc_id
