-- Burden negative list (SPEC §5.3) per department: tasks pushed onto communities outside the
-- admission list, and certificates demanded outside the certificate list, as of the cut-off (burden_tasks_as_of:
-- an entry an approved dispute removed is not counted, SPEC §9.4).
-- Params: $year_start, $month_start, $month_end — counts for the month and for the year to date; $as_of.
with tasks as (
    select * from burden_tasks_as_of($as_of)
    where issued_at >= $year_start and issued_at < $month_end
),

departments as (
    select * from stg_departments
),

flagged as (
    select
        *,
        issued_at >= $month_start as in_month
    from tasks
),

final as (
    select
        f.dept_id,
        d.dept_name,
        count(*) filter (where in_month and task_off_list) as tasks_off_list,
        count(*) filter (where in_month and certificate_off_list) as certificates_off_list,
        count(*) filter (where in_month and onto_community) as tasks_onto_communities,
        count(*) filter (where task_off_list) as tasks_off_list_ytd,
        count(*) filter (where certificate_off_list) as certificates_off_list_ytd
    from flagged f
    left join departments d using (dept_id)
    group by all
    having count(*) filter (where task_off_list or certificate_off_list) > 0
)

select * from final
order by tasks_off_list + certificates_off_list desc, tasks_off_list_ytd + certificates_off_list_ytd desc, dept_id
