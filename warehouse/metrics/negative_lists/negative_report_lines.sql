-- The report lines behind the month's negative-report figures. Params: $month, $as_of, $jpc_id (or null).
with lines as (
    select * from stg_negative_reports
    where week_month = $month and submitted_at <= $as_of and ($jpc_id is null or jpc_id = $jpc_id)
),

clauses as (
    select item_id as clause_code, item_name as clause_text
    from stg_reference_items where list_id = 'integrity_clause'
),

final as (
    select l.report_id, l.jpc_id, l.week_id, l.submitted_at, l.clause_code, c.clause_text,
           l.items, l.description, l.rectified
    from lines l
    left join clauses c using (clause_code)
)

select * from final order by week_id, jpc_id, report_id, clause_code
