-- The assignment facts as of a cutoff, read from the facts the build stored (fct_assignment_facts) when
-- use_stored, computed live from the log (assignment_facts_as_of) otherwise. The facts hold no deadline, so
-- the stored ones do not depend on the SLA settings. The caller passes use_stored (a bind parameter) true only
-- when no log row is after the cutoff (govdash.figures.assignment_source), where both give the same rows.
-- The query text is the same either way: with use_stored's value known when DuckDB plans the query, the branch
-- it rules out is dropped from the plan (the "now" path never scans the log).
create or replace macro assignment_facts_at(as_of, date_from, date_to, use_stored) as table
select * from fct_assignment_facts
where use_stored and dispatched_at >= date_from and dispatched_at < date_to
union all
select * from assignment_facts_as_of(as_of, date_from, date_to)
where not use_stored;
