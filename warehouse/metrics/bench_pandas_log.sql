-- The benchmark's plain-pandas peer (govdash.bench): the raw whistle log it reads. No params.
select event_id, ts, action, dept_id, value, _source_row from raw_whistle_event_log
