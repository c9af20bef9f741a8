-- The whole city's counts and rates, summed from the bulletin's department rows (a frame the caller
-- passes as `department_rows`), with the same rate definitions (macros/whistle_rates.sql).
with departments as (
    select * from department_rows
),

counts as (
    select
        coalesce(sum(dispatched), 0)::bigint as dispatched,
        coalesce(sum(handled), 0)::bigint as handled,
        coalesce(sum(handled_in_time), 0)::bigint as handled_in_time,
        coalesce(sum(closed_on_time), 0)::bigint as closed_on_time,
        coalesce(sum(closed_late), 0)::bigint as closed_late,
        coalesce(sum(open_overdue), 0)::bigint as open_overdue,
        coalesce(sum(open_in_time), 0)::bigint as open_in_time,
        coalesce(sum(satisfied), 0)::bigint as satisfied,
        coalesce(sum(rated), 0)::bigint as rated,
        coalesce(sum(returned), 0)::bigint as returned,
        coalesce(sum(escalated), 0)::bigint as escalated
    from departments
),

final as (
    select
        *,
        handling_rate(handled, dispatched) as handling_rate,
        timely_handling_rate(handled_in_time, dispatched) as timely_handling_rate,
        closure_rate(closed_on_time, closed_late, dispatched) as closure_rate,
        on_time_closure_rate(closed_on_time, dispatched, open_in_time) as on_time_closure_rate,
        satisfaction_rate(satisfied, rated) as satisfaction_rate
    from counts
)

select * from final
