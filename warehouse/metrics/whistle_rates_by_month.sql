-- Per month of dispatch: the bulletin's counts and rates over the assignments that match the filters
-- (an empty list means all). Params: $as_of, $date_from, $date_to, $dept_ids, $community_ids,
-- $categories (varchar[]), $handling_mode ('onsite' | 'offsite' | null), $is_difficult (bool | null), $sla (SLA settings struct), $use_stored.
with assignments as (
    select * from assignments_as_of($as_of, $date_from, $date_to, $sla, $use_stored)
),

chosen as (
    select * from assignments
    where (len($dept_ids) = 0 or list_contains($dept_ids, dept_id))
      and (len($community_ids) = 0 or list_contains($community_ids, community_id))
      and (len($categories) = 0 or list_contains($categories, category))
      and ($handling_mode is null or handling_mode = $handling_mode)
      and ($is_difficult is null or is_difficult = $is_difficult)
),

monthly as (
    select
        strftime(dispatched_at, '%Y-%m') as month,
        whistle_counts(status, responded_at, response_deadline, rating, escalations) as n
    from chosen
    group by 1
),

counts as (
    select month, n.* from monthly
),

months as (
    select strftime(m, '%Y-%m') as month
    from generate_series(date_trunc('month', $date_from::timestamp), $date_to::timestamp - interval 1 day, interval 1 month) t(m)
),

final as (
    select
        m.month,
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
        handling_rate(c.handled, c.dispatched) as handling_rate,
        timely_handling_rate(c.handled_in_time, c.dispatched) as timely_handling_rate,
        closure_rate(c.closed_on_time, c.closed_late, c.dispatched) as closure_rate,
        on_time_closure_rate(c.closed_on_time, c.dispatched, c.open_in_time) as on_time_closure_rate,
        satisfaction_rate(c.satisfied, c.rated) as satisfaction_rate
    from months m
    left join counts c using (month)
)

select * from final order by month
