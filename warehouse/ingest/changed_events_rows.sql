-- Record the event ids of the rows the load inserts, for the incremental build (warehouse.build).
-- Placeholder `rows`: valid or new_rows (code constants, never data). No params.
insert into build_changed_events select distinct event_id from {rows}
