-- The disputes' figures' divisions (申诉核减, SPEC §9.5), each defined once, like the whistle rates
-- (whistle_rates.sql). An empty denominator gives null ("—").

-- 核减占比: the disputes approved on a ground that takes the assignment out of the cohort (核减数), over the
-- cohort before exemption (the assignments dispatched and not returned, exempted ones included).
create or replace macro exemption_share(exempted, cohort) as exempted / nullif(cohort, 0);

-- Calendar hours (not working hours) from one moment to a later one: the office's queue time.
create or replace macro calendar_hours(from_ts, to_ts) as date_diff('second', from_ts, to_ts) / 3600.0;
