-- One row per joint party committee (JPC), named from its communities.
with communities as (
    select * from stg_communities
),

final as (
    select jpc_id, min(jpc_name) as jpc_name, count(*) as communities
    from communities
    group by jpc_id
)

select * from final
