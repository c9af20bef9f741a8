-- The record of each built model's definition hash (warehouse.build.BUILD_STATE): a changed model
-- file rebuilds the model.

-- name: build_state_create
-- The table recording each built model's definition hash (a changed model file rebuilds the model).
-- Placeholder (a code constant, never data): `state` warehouse.build.BUILD_STATE. No params.
create table if not exists {state} (model varchar primary key, definition_hash varchar)

-- name: build_state_hashes
-- Each built model's definition hash. Placeholder (a code constant, never data): `state`
-- warehouse.build.BUILD_STATE. No params.
select model, definition_hash from {state}

-- name: build_state_record
-- Record a model built whole from its current definition. Placeholder (a code constant, never data):
-- `state` warehouse.build.BUILD_STATE. Params: $model, $definition_hash.
insert or replace into {state} values ($model, $definition_hash)
