-- Delete an event-keyed model's rows of the events ingests changed (they are computed again).
-- Placeholder (from the model files, never data): `name` the model's file name. No params.
delete from {name} where event_id in (select event_id from build_changed_events)
