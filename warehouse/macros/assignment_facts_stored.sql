-- assignment_facts_as_of for a cutoff at or after the last log row: the facts the build stored.
create or replace macro assignment_facts_stored(as_of, date_from, date_to) as table
select * from fct_assignment_facts where dispatched_at >= date_from and dispatched_at < date_to;
