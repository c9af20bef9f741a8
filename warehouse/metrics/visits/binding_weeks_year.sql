-- fct_binding_weeks rows of a year's months, with names and the exempt-week setting applied.
-- Params: $year ('YYYY'), $exempt_weeks (varchar[]).
with binding_weeks as (
    select * from fct_binding_weeks where month like $year || '-%'
),

final as (
    select b.*, d.dept_name, j.jpc_name,
           b.required and not list_contains(cast($exempt_weeks as varchar[]), b.week_id) as counts_required
    from binding_weeks b
    left join stg_departments d using (dept_id)
    left join dim_jpcs j using (jpc_id)
)

select * from final order by jpc_id, week_id, dept_id
