with communities as (
    select * from raw_communities
),

final as (
    select
        community_id,
        community_name,
        jpc_id,
        coalesce(jpc_name, jpc_id) as jpc_name,
        area
    from communities
)

select * from final
