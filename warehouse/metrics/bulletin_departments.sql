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

per_department as (
    select dept_id, n.*, calendar_provisional from counts
),

rates as (
    select
        d.dept_id,
        d.dept_name,
        coalesce(c.dispatched, 0) as dispatched,
        coalesce(c.handled, 0) as handled,
        coalesce(c.handled_in_time, 0) as handled_in_time,
        coalesce(c.closed_on_time, 0) as closed_on_time,
        coalesce(c.closed_late, 0) as closed_late,
        coalesce(c.open_overdue, 0) as open_overdue,
        coalesce(c.open_in_time, 0) as open_in_time,
        coalesce(c.satisfied, 0) as satisfied,
        coalesce(c.rated, 0) as rated,
        coalesce(c.returned, 0) as returned,
        coalesce(c.escalated, 0) as escalated,
        coalesce(c.calendar_provisional, false) as calendar_provisional,
        handling_rate(c.handled, c.dispatched) as handling_rate,
        timely_handling_rate(c.handled_in_time, c.dispatched) as timely_handling_rate,
        closure_rate(c.closed_on_time, c.closed_late, c.dispatched) as closure_rate,
        on_time_closure_rate(c.closed_on_time, c.dispatched, c.open_in_time) as on_time_closure_rate,
        satisfaction_rate(c.satisfied, c.rated) as satisfaction_rate
    from departments d
    left join per_department c using (dept_id)
),

final as (
    select
        *,
        rank() over (order by on_time_closure_rate desc nulls last, closure_rate desc nulls last, dispatched desc) as rank
    from rates
)

select * from final order by rank, dept_id
