-- Load the official calendar from the frame warehouse.calendar registered as official_frame. No params.
insert into ref_calendar_official select date, is_workday, note from official_frame
