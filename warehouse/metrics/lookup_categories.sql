-- The whistle events' categories, for pickers.
select distinct category from stg_whistle_events where category is not null order by 1
