-- The table recording each built model's definition hash (a changed model file rebuilds the model).
-- Placeholder (a code constant, never data): `state` warehouse.build.BUILD_STATE. No params.
create table if not exists {state} (model varchar primary key, definition_hash varchar)
