-- Handling and closure counts per department over a period (January to the month's end for the
-- assessment negative list, 4.1.1.1). Reads period_assignments (see bulletin_departments.sql), computed once
-- for January to the month's end. Params: $date_from, $date_to.
with facts as (
    select * from period_assignments
    where dispatched_at >= $date_from and dispatched_at < $date_to
),

departments as (
    select * from stg_departments
),

counts as (
    select
        dept_id,
        count(*) filter (where not is_returned) as dispatched,
        count(*) filter (where not is_returned and responded_at is not null) as handled,
        count(*) filter (where not is_returned and closed_at is not null) as closed
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
