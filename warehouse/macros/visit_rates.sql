-- Visit compliance (SPEC §4), defined once: covered weeks / required weeks; a group without a required week
-- gives null ("—"). Every query that shows it (a binding, a department, the city, a chosen set of departments)
-- sums the two counts over its group and calls visit_compliance (rounded to 4 decimals, as shown); the
-- assessment (SPEC §7: nothing rounded before the final score) calls visit_compliance_exact.
create or replace macro visit_compliance_exact(covered_weeks, required_weeks) as
    covered_weeks / nullif(required_weeks, 0);
create or replace macro visit_compliance(covered_weeks, required_weeks) as
    round(visit_compliance_exact(covered_weeks, required_weeks), 4);

-- The counts per (department, JPC) binding for one month's ISO weeks (those whose Thursday is in the month),
-- the exempt weeks (setting [visits] exempt_weeks) not required: what visit_compliance.sql shows per binding
-- and visit_departments.sql / visit_totals.sql sum. `select * from visit_binding_counts($month, $exempt_weeks)`.
create or replace macro visit_binding_counts(for_month, exempt) as table
    with scored as (
        select *, required and not list_contains(cast(exempt as varchar[]), week_id) as counts_required
        from fct_binding_weeks
        where month = for_month
    )
    select
        dept_id,
        jpc_id,
        count(*) filter (where counts_required) as required_weeks,
        count(*) filter (where counts_required and covered) as covered_weeks,
        cast(sum(visits) as bigint) as visits,
        cast(sum(leader_led_visits) as bigint) as leader_led_visits,
        cast(sum(problems_raised) as bigint) as problems_raised,
        cast(sum(problems_solved) as bigint) as problems_solved,
        coalesce(list(week_id order by week_id) filter (where counts_required and not covered), []) as missed_weeks
    from scored
    group by dept_id, jpc_id;
