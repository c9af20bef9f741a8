-- Where DuckDB spills beyond its memory limit. `set` takes no bind parameters: placeholder
-- `temp_directory`, a path warehouse.db computes (the system temp folder, or beside the warehouse file), never data.
set temp_directory = '{temp_directory}'
