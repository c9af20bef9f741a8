-- Bound DuckDB's memory. `set` takes no bind parameters: placeholder `memory_limit`, the setting
-- [warehouse] memory_limit after warehouse.db._memory_limit checked it is a size such as 2GB (never data).
set memory_limit = '{memory_limit}'
