-- Drop the connection's temp table period_assignments (period_assignments_create.sql). No params.
drop table if exists temp.period_assignments
