-- The reference lists (reference/reference_items.csv) and the JPCs' names.

-- name: reference_list
-- One reference list (admission, certificate, integrity_clause, one_thing, burden_negative). Params: $list_id.
select * from stg_reference_items where list_id = $list_id order by item_id

-- name: reference_clause_texts
-- Appendix E clause texts by code, in the appendix's order (E.1.1 … E.1.5, E.2.1 … E.2.10), so every
-- computation of a bulletin writes them in the same order.
select item_id, item_name from stg_reference_items
where list_id = 'integrity_clause'
order by try_cast(split_part(item_id, '.', 2) as integer), try_cast(split_part(item_id, '.', 3) as integer), item_id

-- name: reference_jpc_names
-- JPC names by id (the bulletin's documents print names, not codes).
select jpc_id, jpc_name from dim_jpcs order by jpc_id
