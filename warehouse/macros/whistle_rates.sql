-- The bulletin's rates (SPEC §3), each defined once; every query that shows a rate calls these on counts
-- it summed (a department, the city, a month, a filtered set). An empty denominator gives null ("—").
create or replace macro handling_rate(handled, dispatched) as handled / nullif(dispatched, 0);
create or replace macro timely_handling_rate(handled_in_time, dispatched) as handled_in_time / nullif(dispatched, 0);
create or replace macro closure_rate(closed_on_time, closed_late, dispatched) as
    (closed_on_time + closed_late) / nullif(dispatched, 0);
create or replace macro on_time_closure_rate(closed_on_time, dispatched, open_in_time) as
    closed_on_time / nullif(dispatched - open_in_time, 0);
create or replace macro satisfaction_rate(satisfied, rated) as satisfied / nullif(rated, 0);

-- The counts the rates divide (SPEC §3), over a group of assignments (one department, one month, a filtered
-- set), as one struct: `select key, whistle_counts(status, responded_at, response_deadline, rating, escalations)
-- as n … group by key`, then `n.*`. A returned assignment leaves the cohort and counts only as returned; an
-- exempted one (核减, an approved dispute, SPEC §9.4) leaves it too and counts only as exempted.
create or replace macro whistle_counts(status, responded_at, response_deadline, rating, escalations) as struct_pack(
    dispatched := count(*) filter (where status not in ('returned', 'exempted')),
    handled := count(*) filter (where status not in ('returned', 'exempted') and responded_at is not null),
    handled_in_time := count(*) filter (where status not in ('returned', 'exempted') and responded_at <= response_deadline),
    closed_on_time := count(*) filter (where status = 'closed_on_time'),
    closed_late := count(*) filter (where status = 'closed_late'),
    open_overdue := count(*) filter (where status = 'open_overdue'),
    open_in_time := count(*) filter (where status = 'open_in_time'),
    satisfied := count(*) filter (where status not in ('returned', 'exempted') and rating in ('satisfied', 'basic')),
    rated := count(*) filter (where status not in ('returned', 'exempted') and rating is not null),
    returned := count(*) filter (where status = 'returned'),
    escalated := count(*) filter (where status not in ('returned', 'exempted') and escalations > 0),
    exempted := count(*) filter (where status = 'exempted')
);

-- A group's published figures from its counts struct `n` (null for a group without assignments: every
-- count 0, every rate null), as one struct: `select key, whistle_figures(n).* …`. The counts and rates the
-- bulletin's department table and the monthly rates show, in one order.
create or replace macro whistle_figures(n) as struct_pack(
    dispatched := coalesce(n.dispatched, 0),
    handled := coalesce(n.handled, 0),
    handled_in_time := coalesce(n.handled_in_time, 0),
    closed_on_time := coalesce(n.closed_on_time, 0),
    closed_late := coalesce(n.closed_late, 0),
    open_overdue := coalesce(n.open_overdue, 0),
    open_in_time := coalesce(n.open_in_time, 0),
    satisfied := coalesce(n.satisfied, 0),
    rated := coalesce(n.rated, 0),
    returned := coalesce(n.returned, 0),
    escalated := coalesce(n.escalated, 0),
    exempted := coalesce(n.exempted, 0),
    handling_rate := handling_rate(n.handled, n.dispatched),
    timely_handling_rate := timely_handling_rate(n.handled_in_time, n.dispatched),
    closure_rate := closure_rate(n.closed_on_time, n.closed_late, n.dispatched),
    on_time_closure_rate := on_time_closure_rate(n.closed_on_time, n.dispatched, n.open_in_time),
    satisfaction_rate := satisfaction_rate(n.satisfied, n.rated)
);
