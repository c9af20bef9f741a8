-- The block size of one attached database. Params: $database. No placeholders.
select block_size from pragma_database_size() where database_name = $database
