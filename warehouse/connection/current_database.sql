-- The database a connection is using (a write session's working copy is named after its file). No params.
select current_database()
