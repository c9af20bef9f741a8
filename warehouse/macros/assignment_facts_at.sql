-- The assignment facts as of a cutoff. With use_stored (what every figure passes): the facts the build stored
-- (fct_assignment_facts) for each event whose log ends by the cutoff — at the cutoff it has every row it will
-- ever have, so its facts are the stored ones — and, computed live from the log (assignment_facts_as_of with
-- late_only), the facts of the events with a log row after the cutoff only. At or after the last log row no
-- event is late and nothing is computed live. Without use_stored: everything live from the log (the reference
-- the equality tests compare against). The facts hold no deadline, so the stored ones do not depend on the SLA
-- settings. use_stored is a bind parameter known when DuckDB plans the query: false drops the stored branch.
-- The approved disputes in force at the cut-off (SPEC §9.4, approved_disputes.sql) are applied here, the lowest
-- point every assignment figure shares, on top of the facts (stored or live) and never stored in them:
-- is_exempted (派错部门/重复件/无效诉求: the assignment leaves the cohort as 核减), extension_working_days (客观原因延期:
-- the closure deadline moves, assignments_as_of), and an approved 误评 removes the rating.
create or replace macro assignment_facts_at(as_of, date_from, date_to, use_stored) as table
with facts as (
    select f.* from fct_assignment_facts f
    where use_stored and f.dispatched_at >= date_from and f.dispatched_at < date_to
      and f.event_id not in (select event_id from stg_whistle_event_log_ends where last_ts > as_of)
    union all
    select * from assignment_facts_as_of(as_of, date_from, date_to, late_only := use_stored)
),

rulings as (
    select * from assignment_rulings_as_of(as_of)
),

final as (
    select
        f.* replace (case when r.is_misrated then null else f.rating end as rating),
        coalesce(r.is_exempted, false) as is_exempted,
        coalesce(r.extension_working_days, 0) as extension_working_days
    from facts f
    left join rulings r on r.event_id = f.event_id and r.dept_id = f.dept_id and r.assigned_at = f.dispatched_at
)

select * from final;
