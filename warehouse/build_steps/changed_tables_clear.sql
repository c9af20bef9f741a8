-- After a build: the changed raw tables are up to date. No params.
delete from build_changed_tables
