-- The months that have whistle events ("YYYY-MM"), for the period picker.
select distinct strftime(reported_at, '%Y-%m') as month from raw_whistle_events order by month
