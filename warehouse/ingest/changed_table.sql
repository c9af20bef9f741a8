-- Record a raw table the load changed, for the incremental build (warehouse.build). Params: $table.
insert into build_changed_tables values ($table)
