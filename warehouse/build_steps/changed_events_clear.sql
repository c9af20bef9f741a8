-- After a build: the changed events are up to date. No params.
delete from build_changed_events
