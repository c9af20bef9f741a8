-- The task of a burden-list entry a dispute names (SPEC §5.3): who pushed it, when, and whether it is on the
-- burden list (onto a community outside the admission list, or a certificate outside the certificate list), read
-- as the burden list reads fct_tasks. Params: $task_id.
select
    task_id, dept_id, issued_at, admission_item, certificate_item,
    onto_community and not admission_on_list as task_off_list,
    certificate_off_list
from fct_tasks
where task_id = $task_id
