-- The connection's temp table period_assignments: a period's assignments as of the cut-off, computed once
-- for the queries that read it, then dropped.

-- name: period_assignments_create
-- The assignments of a period as of the cut-off, computed once into the connection's temp table
-- period_assignments, which bulletin_departments.sql, bulletin_overdue.sql and department_ytd_rates.sql read
-- (govdash.figures.period_assignments). Params: $as_of, $date_from, $date_to, $sla, $use_stored.
create or replace temp table period_assignments as
select * from assignments_as_of($as_of, $date_from, $date_to, $sla, $use_stored)

-- name: period_assignments_drop
-- Drop the connection's temp table period_assignments (period_assignments_create). No params.
drop table if exists temp.period_assignments
