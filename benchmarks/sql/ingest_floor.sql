-- The one-pass SQL floor of a whistle log file's ingest (benchmarks/ingest_floor.py): read, type, check,
-- insert, in one transaction; run in this order.

-- name: floor_incoming
-- The log file read once, typed (try_strptime), numbered. Params: $path.
create temp table incoming as
select row_number() over () as _row, event_id,
       try_strptime(ts, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M']) as ts, action, dept_id, value, note
from read_csv($path, all_varchar = true, header = true)

-- name: floor_failures
-- The rows the contract, the foreign keys, the report time and the key conflicts refuse. No params.
create temp table failures as
select _row from incoming where event_id is null or ts is null or action is null
    or action not in ('dispatched', 'accepted', 'arrived', 'returned', 'closed', 'reopened', 'escalated', 'rated')
    or (action in ('dispatched', 'returned') and dept_id is null)
union all
select _row from incoming i where not exists (select 1 from raw_whistle_events e where e.event_id = i.event_id)
union all
select _row from incoming i where dept_id is not null
    and not exists (select 1 from raw_departments d where d.dept_id = i.dept_id)
union all
select i._row from incoming i join raw_whistle_events e using (event_id) where i.ts < e.reported_at
union all
select i._row from incoming i join (
    select event_id, ts, action, dept_id from (select distinct event_id, ts, action, dept_id, value, note from incoming)
    group by all having count(*) > 1) k
  on i.event_id = k.event_id and i.ts = k.ts and i.action = k.action and i.dept_id is not distinct from k.dept_id

-- name: floor_insert
-- The rest inserted into the raw log, de-duplicated. No params.
insert into raw_whistle_event_log (event_id, ts, action, dept_id, value, note, extras, _source_file, _source_row, _run_id)
select event_id, ts, action, dept_id, value, note, null, 'whistle_event_log.csv', min(_row) + 1, 'floor'
from incoming where _row not in (select _row from failures)
group by event_id, ts, action, dept_id, value, note

-- name: floor_rows_loaded
-- The rows the floor loaded. No params.
select count(*) from raw_whistle_event_log
