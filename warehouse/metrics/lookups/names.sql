-- The names the pages show instead of codes, and the pickers' choices.

-- name: lookup_departments
-- Departments by id, for pickers and labels.
select dept_id, dept_name from stg_departments order by dept_id

-- name: lookup_communities
-- Communities by id, for pickers and labels.
select community_id, community_name from stg_communities order by community_id

-- name: lookup_categories
-- The whistle events' categories, for pickers.
select distinct category from stg_whistle_events where category is not null order by 1
