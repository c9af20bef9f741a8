-- The month's weekly negative reports as of a cut-off (SPEC §5.1) over the whole city ($jpc_ids null) or the
-- JPCs in $jpc_ids: every JPC's weeks and items summed, then the rates by their one definition
-- (macros/negative_report_rates.sql); `weeks_due`: the weeks already due (required − pending).
-- Params: $month, $as_of, $due_days, $due_time, $jpc_ids (varchar[] or null).
with weeks as (
    select * from negative_report_status($month, $as_of, $due_days, $due_time)
    where cast($jpc_ids as varchar[]) is null or list_contains(cast($jpc_ids as varchar[]), jpc_id)
),

lines as (
    select * from stg_negative_reports
    where week_month = $month and submitted_at <= $as_of and clause_code is not null
),

status as (
    select
        count(distinct jpc_id) as jpcs,
        count(*) as weeks_required,
        count(*) filter (where status = 'on_time') as on_time,
        count(*) filter (where status = 'late') as late,
        count(*) filter (where status = 'missing') as missing,
        count(*) filter (where status = 'pending') as pending
    from weeks
),

items as (
    select
        cast(coalesce(sum(items), 0) as bigint) as items,
        cast(coalesce(sum(items) filter (where rectified), 0) as bigint) as rectified_items
    from lines
    where jpc_id in (select jpc_id from weeks)
),

-- the clause with the most items (ties: the first in Appendix E order, E.2.10 after E.2.9)
top_clause as (
    select clause_code, cast(sum(items) as bigint) as items
    from lines
    where jpc_id in (select jpc_id from weeks)
    group by clause_code
    order by items desc, list_transform(string_split(substr(clause_code, 3), '.'), lambda p: try_cast(p as integer))
    limit 1
),

final as (
    select
        s.jpcs,
        s.weeks_required,
        s.weeks_required - s.pending as weeks_due,
        s.on_time,
        s.late,
        s.missing,
        s.pending,
        report_on_time_rate(s.on_time, s.weeks_required, s.pending) as on_time_rate,
        i.items,
        i.rectified_items,
        rectified_share(i.rectified_items, i.items) as rectified_share,
        t.clause_code as top_clause_code,
        t.items as top_clause_items
    from status s cross join items i left join top_clause t on true
)

select * from final
