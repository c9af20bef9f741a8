-- Monthly bulletin, one row per department (SPEC §3). Params: $month_start, $month_end.
-- Reads period_assignments: the assignments as of the cut-off (assignments_as_of), which the caller computed
-- once for a period holding the month (govdash.figures.period_assignments), shared with the overdue list
-- and the year-to-date counts. Every department appears; rates are null when their denominator is empty.
with assignments as (
    select * from period_assignments
    where dispatched_at >= $month_start and dispatched_at < $month_end
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
