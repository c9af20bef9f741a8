-- One reference list (admission, certificate, integrity_clause, one_thing, burden_negative). Params: $list_id.
select * from stg_reference_items where list_id = $list_id order by item_id
