-- Monthly bulletin, one row per department (SPEC §3). Params: $as_of, $month_start, $month_end, $sla, $use_stored.
-- Every department appears; rates are null when their denominator is empty.
with assignments as (
    select * from assignments_as_of($as_of, $month_start, $month_end, $sla, $use_stored)
),

departments as (
    select * from stg_departments
),

counts as (
    select
        dept_id,
        whistle_counts(status, responded_at, response_deadline, rating, escalations) as n,
        bool_or(calendar_provisional) as calendar_provisional
    from assignments
    group by dept_id
),

rates as (
    select
        d.dept_id,
        d.dept_name,
        unnest(whistle_figures(c.n)),
        coalesce(c.calendar_provisional, false) as calendar_provisional
    from departments d
    left join counts c using (dept_id)
),

final as (
    select
        *,
        rank() over (order by on_time_closure_rate desc nulls last, closure_rate desc nulls last, dispatched desc) as rank
    from rates
)

select * from final order by rank, dept_id
