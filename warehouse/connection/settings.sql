-- DuckDB's settings for every connection (warehouse.db.configure).

-- name: set_memory_limit
-- Bound DuckDB's memory. `set` takes no bind parameters: placeholder `memory_limit`, the setting
-- [warehouse] memory_limit after warehouse.db._memory_limit checked it is a size such as 2GB (never data).
set memory_limit = '{memory_limit}'

-- name: set_temp_directory
-- Where DuckDB spills beyond its memory limit. `set` takes no bind parameters: placeholder
-- `temp_directory`, a path warehouse.db computes (the system temp folder, or beside the warehouse file), never data.
set temp_directory = '{temp_directory}'

-- name: set_preserve_insertion_order
-- Let DuckDB reorder rows where no order is asked for (less memory). No params.
set preserve_insertion_order = false
