-- The raw tables ingests changed since the last build (recorded by ingest/changed_table.sql). No params.
select distinct table_name from build_changed_tables
