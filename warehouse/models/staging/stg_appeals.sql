-- Residents' appeals (Binzhou 004, 5.2), with their community's JPC.
with appeals as (
    select * from raw_appeals
),

communities as (
    select * from stg_communities
),

final as (
    select a.appeal_id, a.community_id, c.community_name, c.jpc_id, a.raised_at, a.origin_level, a.category
    from appeals a
    left join communities c using (community_id)
)

select * from final
