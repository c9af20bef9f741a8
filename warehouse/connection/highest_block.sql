-- The highest block id a table stores data in (additional_block_ids: a segment spanning several blocks
-- names the others there). Params: $table, the table's quoted qualified name. No placeholders.
select max(greatest(block_id, coalesce(list_max(additional_block_ids), -1))) from pragma_storage_info($table) where persistent
