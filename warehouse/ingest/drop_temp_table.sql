-- Drop one of the ingest's temp tables. Placeholder `table`: a name from pipelines.ingest.TEMP_TABLES
-- (a code constant, never data). No params.
drop table if exists {table}
