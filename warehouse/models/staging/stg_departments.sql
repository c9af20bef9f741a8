with departments as (
    select * from raw_departments
),

final as (
    select dept_id, dept_name, dept_type from departments
)

select * from final
