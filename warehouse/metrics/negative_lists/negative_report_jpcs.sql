-- Per JPC for the month as of a cut-off (SPEC §5.1): weeks required, on time, late, missing, pending, the
-- missing and late weeks, the items reported on Appendix E clause lines and those rectified, and the two
-- rates by their one definition (macros/negative_report_rates.sql).
-- Params: $month, $as_of, $due_days, $due_time.
with weeks as (
    select * from negative_report_status($month, $as_of, $due_days, $due_time)
),

lines as (
    select * from stg_negative_reports
    where week_month = $month and submitted_at <= $as_of and clause_code is not null
),

items as (
    select
        jpc_id,
        cast(sum(items) as bigint) as items,
        cast(coalesce(sum(items) filter (where rectified), 0) as bigint) as rectified_items
    from lines
    group by jpc_id
),

status as (
    select
        jpc_id,
        count(*) as weeks_required,
        count(*) filter (where status = 'on_time') as on_time,
        count(*) filter (where status = 'late') as late,
        count(*) filter (where status = 'missing') as missing,
        count(*) filter (where status = 'pending') as pending,
        coalesce(list(week_id order by week_id) filter (where status = 'missing'), []) as missing_weeks,
        coalesce(list(week_id order by week_id) filter (where status = 'late'), []) as late_weeks
    from weeks
    group by jpc_id
),

final as (
    select
        s.jpc_id,
        s.weeks_required,
        s.on_time,
        s.late,
        s.missing,
        s.pending,
        report_on_time_rate(s.on_time, s.weeks_required, s.pending) as on_time_rate,
        s.missing_weeks,
        s.late_weeks,
        coalesce(i.items, 0) as items,
        coalesce(i.rectified_items, 0) as rectified_items,
        rectified_share(coalesce(i.rectified_items, 0), coalesce(i.items, 0)) as rectified_share
    from status s
    left join items i using (jpc_id)
)

select * from final order by jpc_id
