-- Drop a table macro no file defines any more. Placeholder (a code constant, never data): `name` one
-- of warehouse.build.RETIRED_MACROS. No params.
drop macro table if exists {name}
