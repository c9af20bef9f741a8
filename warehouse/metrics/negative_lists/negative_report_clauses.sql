-- Negative-list items per Appendix E clause for the month as of a cut-off (SPEC §5.1), over every JPC
-- ($jpc_ids null) or the JPCs in $jpc_ids: items, rectified items and JPCs reporting, the rectified share by
-- its one definition (macros/negative_report_rates.sql). Params: $month, $as_of, $jpc_ids (varchar[] or null).
with lines as (
    select * from stg_negative_reports
    where week_month = $month and submitted_at <= $as_of and clause_code is not null
      and (cast($jpc_ids as varchar[]) is null or list_contains(cast($jpc_ids as varchar[]), jpc_id))
),

clauses as (
    select item_id as clause_code, item_name as clause_text, category as clause_group
    from stg_reference_items where list_id = 'integrity_clause'
),

summed as (
    select
        clause_code,
        cast(sum(items) as bigint) as items,
        cast(coalesce(sum(items) filter (where rectified), 0) as bigint) as rectified_items,
        count(distinct jpc_id) as jpcs
    from lines
    group by clause_code
),

final as (
    select
        s.clause_code,
        c.clause_group,
        c.clause_text,
        s.items,
        s.rectified_items,
        s.jpcs,
        rectified_share(s.rectified_items, s.items) as rectified_share
    from summed s
    left join clauses c using (clause_code)
)

select * from final order by clause_code
