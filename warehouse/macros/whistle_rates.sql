-- The bulletin's rates (SPEC §3), each defined once; every query that shows a rate calls these on counts
-- it summed (a department, the city, a month, a filtered set). An empty denominator gives null ("—").
create or replace macro handling_rate(handled, dispatched) as handled / nullif(dispatched, 0);
create or replace macro timely_handling_rate(handled_in_time, dispatched) as handled_in_time / nullif(dispatched, 0);
create or replace macro closure_rate(closed_on_time, closed_late, dispatched) as
    (closed_on_time + closed_late) / nullif(dispatched, 0);
create or replace macro on_time_closure_rate(closed_on_time, dispatched, open_in_time) as
    closed_on_time / nullif(dispatched - open_in_time, 0);
create or replace macro satisfaction_rate(satisfied, rated) as satisfied / nullif(rated, 0);
