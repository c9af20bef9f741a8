-- The plausible window of the data's dates (settings [plausibility]) as a session variable the models read with
-- getvariable('plausible_window'): the calendar spans only the data inside it, so a stray year an older version
-- let in (9999) never makes a calendar, weeks or binding weeks out to that year. Params: $first, $last (dates).
set variable plausible_window = struct_pack(first := $first, last := $last)
