-- The months that have whistle events ("YYYY-MM"), for the period picker: only events inside the plausible window
-- ($first, $last: settings [plausibility]), so a stray year an older version let in is never offered as a month.
select distinct strftime(reported_at, '%Y-%m') as month
from raw_whistle_events
where reported_at >= $first and reported_at <= $last
order by month
