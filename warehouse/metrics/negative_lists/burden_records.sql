-- The tasks behind a burden negative-list row, as of the cut-off (burden_tasks_as_of: an entry an approved dispute
-- removed is not listed, SPEC §9.4). Params: $dept_id, $date_from, $date_to, $as_of.
with tasks as (
    select * from burden_tasks_as_of($as_of)
    where dept_id = $dept_id and issued_at >= $date_from and issued_at < $date_to
),

final as (
    select
        dept_id, task_id, issued_at, community_id, category, admission_item, certificate_item, completed_at,
        task_off_list,
        certificate_off_list
    from tasks
    where task_off_list or certificate_off_list
)

select * from final order by issued_at, task_id
