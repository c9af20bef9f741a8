-- Let DuckDB reorder rows where no order is asked for (less memory). No params.
set preserve_insertion_order = false
