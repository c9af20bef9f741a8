-- The tasks behind a burden negative-list row. Params: $dept_id, $date_from, $date_to.
with tasks as (
    select * from fct_tasks
    where dept_id = $dept_id and issued_at >= $date_from and issued_at < $date_to
),

final as (
    select
        dept_id, task_id, issued_at, community_id, category, admission_item, certificate_item, completed_at,
        onto_community and not admission_on_list as task_off_list,
        certificate_off_list
    from tasks
    where (onto_community and not admission_on_list) or certificate_off_list
)

select * from final order by issued_at, task_id
