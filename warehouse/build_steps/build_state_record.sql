-- Record a model built whole from its current definition. Placeholder (a code constant, never data):
-- `state` warehouse.build.BUILD_STATE. Params: $model, $definition_hash.
insert or replace into {state} values ($model, $definition_hash)
