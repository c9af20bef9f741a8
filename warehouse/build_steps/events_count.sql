-- How many events the warehouse holds (the share of changed events decides event-by-event builds). No params.
select count(*) from raw_whistle_events
