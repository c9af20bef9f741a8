-- The storage check of an attached file (warehouse.db.check_complete): a table whose blocks lie beyond
-- the file's end means the file is incomplete.

-- name: database_tables
-- The tables of one attached database (its storage is checked). Params: $database. No placeholders.
select schema_name, table_name from duckdb_tables() where database_name = $database

-- name: block_size
-- The block size of one attached database. Params: $database. No placeholders.
select block_size from pragma_database_size() where database_name = $database

-- name: highest_block
-- The highest block id a table stores data in (additional_block_ids: a segment spanning several blocks
-- names the others there). Params: $table, the table's quoted qualified name. No placeholders.
select max(greatest(block_id, coalesce(list_max(additional_block_ids), -1))) from pragma_storage_info($table) where persistent
