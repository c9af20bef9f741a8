-- Negative-list items reported for the month's weeks, per JPC and Appendix E clause (SPEC §5.1).
-- Params: $month, $as_of. Items = the lines' counts; rectified items are those on lines marked rectified.
with lines as (
    select * from stg_negative_reports
    where week_month = $month and submitted_at <= $as_of and clause_code is not null
),

clauses as (
    select item_id as clause_code, item_name as clause_text, category as clause_group
    from stg_reference_items where list_id = 'integrity_clause'
),

final as (
    select
        l.jpc_id,
        l.clause_code,
        c.clause_group,
        c.clause_text,
        cast(sum(l.items) as bigint) as items,
        cast(sum(l.items) filter (where l.rectified) as bigint) as rectified_items,
        count(*) as lines
    from lines l
    left join clauses c using (clause_code)
    group by all
)

select * from final order by jpc_id, clause_code
