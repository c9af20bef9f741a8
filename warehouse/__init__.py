"""The embedded DuckDB warehouse: raw → staging → marts, and the named metric queries."""
