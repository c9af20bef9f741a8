-- Weekly negative-report lines (5.5.2): one row per (report, clause); a line without a clause is
-- a report of "nothing this week". A line's count defaults to 1 item.
with reports as (
    select * from raw_negative_reports
),

weeks as (
    select * from dim_weeks
),

final as (
    select
        r.report_id,
        r.jpc_id,
        r.week as week_id,
        w.week_start,
        w.week_end,
        w.month as week_month,
        r.submitted_at,
        r.clause_code,
        case when r.clause_code is null then 0 else coalesce(r.count, 1) end as items,
        r.description,
        coalesce(r.rectified, false) as rectified
    from reports r
    join weeks w on w.week_id = r.week
)

select * from final
