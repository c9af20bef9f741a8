-- The months holding dispatches, in order: a model over the whole whistle log is built one month at a
-- time. No params.
select distinct date_trunc('month', ts) from stg_whistle_event_log where action = 'dispatched' order by 1
