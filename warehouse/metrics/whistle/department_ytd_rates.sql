-- Handling and closure counts per department from January to the month's end (the assessment negative list,
-- 4.1.1.1). Neither needs deadlines: the month's from period_assignments (the month's assignments the caller
-- computed once, shared with the department table and the overdue list; see bulletin_departments.sql), the
-- earlier months' from the assignment facts (stored, plus the live delta at a past cut-off).
-- An exempted assignment (核减, SPEC §9.4) leaves the counts like a returned one.
-- Params: $as_of, $year_start, $month_start, $month_end, $use_stored.
with facts as (
    select dept_id, is_returned, is_exempted, responded_at, closed_at from period_assignments
    where dispatched_at >= $month_start and dispatched_at < $month_end
    union all
    select dept_id, is_returned, is_exempted, responded_at, closed_at
    from assignment_facts_at($as_of, $year_start, $month_start, $use_stored)
),

departments as (
    select * from stg_departments
),

counts as (
    select
        dept_id,
        count(*) filter (where not is_returned and not is_exempted) as dispatched,
        count(*) filter (where not is_returned and not is_exempted and responded_at is not null) as handled,
        count(*) filter (where not is_returned and not is_exempted and closed_at is not null) as closed
    from facts
    group by dept_id
),

final as (
    select
        d.dept_id,
        d.dept_name,
        coalesce(c.dispatched, 0) as dispatched,
        coalesce(c.handled, 0) as handled,
        coalesce(c.closed, 0) as closed
    from departments d
    left join counts c using (dept_id)
)

select * from final order by dept_id
