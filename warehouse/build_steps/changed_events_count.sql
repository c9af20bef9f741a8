-- How many events ingests changed since the last build (build_changed_events). No params.
select count(distinct event_id) from build_changed_events
