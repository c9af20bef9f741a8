-- Year-to-date handling and closure rates per department, by the rates' one definition
-- (macros/whistle_rates.sql), over the counts the caller summed month by month (`ytd_counts`:
-- dept_id, dept_name, dispatched, handled, closed — closed is closed on time plus late).
with counts as (
    select * from ytd_counts
),

final as (
    select
        dept_id,
        dept_name,
        dispatched,
        handled,
        closed,
        handling_rate(handled, dispatched) as handling_rate,
        closure_rate(closed, 0, dispatched) as closure_rate
    from counts
)

select * from final order by dept_id
