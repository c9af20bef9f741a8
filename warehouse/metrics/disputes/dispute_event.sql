-- Whether a whistle event exists (a 重复件 dispute names the event it repeats). Params: $event_id.
select event_id, reported_at from stg_whistle_events where event_id = $event_id
