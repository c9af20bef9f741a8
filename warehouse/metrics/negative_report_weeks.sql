-- Weekly negative-report submission per (JPC, ISO week of the month) as of a cut-off (SPEC §5.1).
-- Params: $month, $as_of, $due_days (days after the week's Sunday: 1 = Monday), $due_time ('HH:MM').
-- status: on_time / late / missing; pending when not submitted and not yet due at the cut-off.
with weeks as (
    select * from dim_weeks where month = $month
),

jpcs as (
    select jpc_id, jpc_name from dim_jpcs
),

submissions as (
    select jpc_id, week_id, min(submitted_at) as submitted_at, cast(sum(items) as bigint) as items, count(distinct report_id) as reports
    from stg_negative_reports
    where submitted_at <= $as_of
    group by jpc_id, week_id
),

grid as (
    select
        j.jpc_id,
        j.jpc_name,
        w.week_id,
        w.week_start,
        w.week_end,
        (w.week_end + cast($due_days as integer)) + cast($due_time as time) as due_at
    from jpcs j cross join weeks w
),

final as (
    select
        g.*,
        s.submitted_at,
        coalesce(s.items, 0) as items,
        case
            when s.submitted_at is not null and s.submitted_at <= g.due_at then 'on_time'
            when s.submitted_at is not null then 'late'
            when cast($as_of as timestamp) > g.due_at then 'missing'
            else 'pending'
        end as status
    from grid g
    left join submissions s using (jpc_id, week_id)
)

select * from final order by jpc_id, week_id
