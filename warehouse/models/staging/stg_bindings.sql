-- Bindings (4.4 a): each JPC's contact city leader and its bound departments, with validity.
with bindings as (
    select * from raw_bindings
),

final as (
    select
        jpc_id,
        role,
        dept_id,
        leader_name,
        valid_from,
        valid_to
    from bindings
)

select * from final
