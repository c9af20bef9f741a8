-- Each built model's definition hash. Placeholder (a code constant, never data): `state`
-- warehouse.build.BUILD_STATE. No params.
select model, definition_hash from {state}
