-- The benchmark's plain-pandas peer (govdash.bench, benchmarks/pandas_department_table.py): the raw events
-- it reads. No params.
select event_id, handling_mode, is_difficult from raw_whistle_events
