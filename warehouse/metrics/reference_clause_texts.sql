-- Appendix E clause texts by code.
select item_id, item_name from stg_reference_items where list_id = 'integrity_clause'
