-- Record event ids whose rows the load deleted, for the incremental build (warehouse.build). Params: $ids.
insert into build_changed_events select distinct unnest($ids::varchar[])
