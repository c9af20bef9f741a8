-- Handling and closure rates per department over a period (January to the month's end for the
-- assessment negative list, 4.1.1.1). Neither needs deadlines, so it reads the assignment facts only.
-- Params: $as_of, $date_from, $date_to. Rates are null when nothing was dispatched.
with facts as (
    select * from assignment_facts_as_of($as_of, $date_from, $date_to)
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
        round(c.handled / nullif(c.dispatched, 0), 4) as handling_rate,
        round(c.closed / nullif(c.dispatched, 0), 4) as closure_rate
    from departments d
    left join counts c using (dept_id)
)

select * from final order by dept_id
