-- The weekly negative-report rates (SPEC §5.1), each defined once, rounded to 4 decimals; an empty
-- denominator gives null ("—"). Every query that shows one (a JPC, the city, a clause) sums the counts over
-- its group and calls these.
-- on time: weeks reported on time / weeks due (a week not yet due at the cut-off is pending, not due)
create or replace macro report_on_time_rate(on_time, weeks_required, pending) as
    round(on_time / nullif(weeks_required - pending, 0), 4);
-- rectified: items on lines marked rectified / items, weighted by each line's count
create or replace macro rectified_share(rectified_items, items) as
    round(rectified_items / nullif(items, 0), 4);

-- One row per (JPC, ISO week of the month) as of a cut-off: on_time / late / missing, or pending when not
-- submitted and not yet due (due `due_days` days after the week's Sunday at `due_time`); a report submitted
-- after the cut-off does not exist yet. negative_report_weeks.sql shows it, negative_report_jpcs.sql counts it.
create or replace macro negative_report_status(for_month, as_of, due_days, due_time) as table
    with weeks as (
        select * from dim_weeks where month = for_month
    ),
    submissions as (
        select jpc_id, week_id, min(submitted_at) as submitted_at, cast(sum(items) as bigint) as items,
               count(distinct report_id) as reports
        from stg_negative_reports
        where submitted_at <= as_of
        group by jpc_id, week_id
    ),
    grid as (
        select j.jpc_id, j.jpc_name, w.week_id, w.week_start, w.week_end,
               (w.week_end + cast(due_days as integer)) + cast(due_time as time) as due_at
        from dim_jpcs j cross join weeks w
    )
    select
        g.*,
        s.submitted_at,
        coalesce(s.items, 0) as items,
        case
            when s.submitted_at is not null and s.submitted_at <= g.due_at then 'on_time'
            when s.submitted_at is not null then 'late'
            when cast(as_of as timestamp) > g.due_at then 'missing'
            else 'pending'
        end as status
    from grid g
    left join submissions s using (jpc_id, week_id);
