-- Communities by id, for pickers and labels.
select community_id, community_name from stg_communities order by community_id
