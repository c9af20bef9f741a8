-- Empty the official calendar before it is loaded again. No params.
delete from ref_calendar_official
