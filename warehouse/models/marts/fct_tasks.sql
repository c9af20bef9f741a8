-- Forward work pushed down (004 5.1) with the burden checks of SPEC §5.3: a task pushed onto a
-- community whose admission item is empty or not on Appendix B, or a certificate not on Appendix C.
-- An item matches a list by its id (B01) or by its exact name.
with tasks as (
    select * from raw_tasks
),

admission as (
    select item_id, item_name from stg_reference_items where list_id = 'admission'
),

certificates as (
    select item_id, item_name from stg_reference_items where list_id = 'certificate'
),

final as (
    select
        t.task_id,
        t.issued_at,
        t.dept_id,
        t.from_level,
        t.to_level,
        t.community_id,
        t.category,
        t.admission_item,
        t.certificate_item,
        t.completed_at,
        -- levels 1–3 are the community and below (SPEC §6)
        t.to_level <= 3 as onto_community,
        t.admission_item is not null and (
            t.admission_item in (select item_id from admission) or t.admission_item in (select item_name from admission)
        ) as admission_on_list,
        t.certificate_item is not null and not (
            t.certificate_item in (select item_id from certificates) or t.certificate_item in (select item_name from certificates)
        ) as certificate_off_list
    from tasks t
)

select * from final
