-- Rule for whistle_event_log: a log record timed before its event was reported. No params.
select i._row, 'ts' as column_name, cast(i.ts as varchar) as value,
       '记录时间早于事件上报时间（' || strftime(e.reported_at, '%Y-%m-%d %H:%M') || '）' as reason
from incoming i join raw_whistle_events e using (event_id)
where i.ts < e.reported_at
