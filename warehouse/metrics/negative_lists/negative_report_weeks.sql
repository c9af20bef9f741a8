-- Weekly negative-report submission per (JPC, ISO week of the month) as of a cut-off (SPEC §5.1).
-- Params: $month, $as_of, $due_days (days after the week's Sunday: 1 = Monday), $due_time ('HH:MM').
-- status: on_time / late / missing; pending when not submitted and not yet due at the cut-off
-- (macros/negative_report_rates.sql: negative_report_status, the rule once).
select * from negative_report_status($month, $as_of, $due_days, $due_time)
order by jpc_id, week_id
