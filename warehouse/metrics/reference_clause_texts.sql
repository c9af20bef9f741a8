-- Appendix E clause texts by code, in the appendix's order (E.1.1 … E.1.5, E.2.1 … E.2.10), so every
-- computation of a bulletin writes them in the same order.
select item_id, item_name from stg_reference_items
where list_id = 'integrity_clause'
order by try_cast(split_part(item_id, '.', 2) as integer), try_cast(split_part(item_id, '.', 3) as integer), item_id
