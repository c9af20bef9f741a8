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

months as (
    select strftime(m, '%Y-%m') as month
    from generate_series(date_trunc('month', $date_from::timestamp), $date_to::timestamp - interval 1 day, interval 1 month) t(m)
),

figures as (
    select m.month, whistle_figures(c.n) as f
    from months m
    left join monthly c using (month)
),

final as (
    select month, f.* exclude (escalated) from figures
)

select * from final order by month
