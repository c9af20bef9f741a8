-- The reference lists (SPEC §1): admission (App. B), certificate (App. C), integrity clauses (App. E),
-- "一件事" (Table A.1), burden negative items (002 §三). One row per (list_id, item_id).
with items as (
    select * from raw_reference_items
),

final as (
    select list_id, item_id, item_name, category, owner, source
    from items
)

select * from final
