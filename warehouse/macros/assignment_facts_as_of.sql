-- Assignment facts from the log, as of a cutoff (SPEC §3): one row per assignment — an (event, department)
-- pair started by a `dispatched` row — with its response times, standing closure, return, rating and
-- escalations. Log rows after the cutoff are ignored, so a report for a past cutoff never changes. Deadlines and
-- status are added by assignments_as_of; fct_assignment_facts holds these facts for the whole log.
--
-- The log is read as one stream per (event, department): the department's own rows, plus the rows that concern
-- it without naming it (a reopen or rating naming no department, every escalation, dispatches to other
-- departments). Each `dispatched` row of the department opens a segment that runs to its next one.
-- A dispatch starts a new assignment only when the department holds none open: its first dispatch, or the
-- segment before it ends with a standing closure, or ended as returned (a return followed by a dispatch of the
-- event to another department). Otherwise it joins the open assignment (which keeps its dispatch time and
-- deadlines) and withdraws a pending return. Every dispatch leaves the assignment open with no pending return,
-- so the state at the end of a segment depends on that segment's rows only. Likewise a reopen, a rating or an
-- escalation applies to the department's latest assignment of the event at that moment (a closure of an earlier
-- one stood when the department was dispatched again).
--
-- late_only (default false): only the events with a log row after the cutoff (stg_whistle_event_log_ends), the
-- live part of assignment_facts_at; every other event's facts at the cutoff are the stored ones.
-- changed_only (default false): only the events an ingest changed (build_changed_events), for the build to
-- bring fct_assignment_facts up to date event by event.
-- The two ways a segment's state ends an assignment, each defined once and read both before every row of a
-- segment (row_flags: over the rows before it) and at the segment's end (segment_ends: over all its rows):
-- a closure stands when the last closure is not followed by a reopen; ended as returned when a return is
-- followed by a dispatch of the event to another department. Arguments: seq numbers, null when there is none.
create or replace macro closure_stands(last_close_seq, last_reopen_seq) as
    last_close_seq is not null and (last_reopen_seq is null or last_reopen_seq < last_close_seq);
create or replace macro ended_returned(first_return_seq, last_other_dispatch_seq) as
    first_return_seq is not null and coalesce(last_other_dispatch_seq > first_return_seq, false);

create or replace macro assignment_facts_as_of(as_of, date_from, date_to, late_only := false, changed_only := false) as table
-- only the events with a dispatch in the period matter: every window below is within one event
-- (late_only is known when the query is planned: the branch it rules out is dropped from the plan)
with dispatched_events as (
    select distinct event_id from stg_whistle_event_log
    where action = 'dispatched' and ts >= date_from and ts < date_to and ts <= as_of
),

cohort_events as (
    select event_id from dispatched_events where not late_only and not changed_only
    union all
    select event_id from dispatched_events
    where changed_only and event_id in (select event_id from build_changed_events)
    union all
    select event_id from dispatched_events
    where late_only and event_id in (select event_id from stg_whistle_event_log_ends where last_ts > as_of)
),

event_log as (
    select * from stg_whistle_event_log
    where ts <= as_of and event_id in (select event_id from cohort_events)
),

event_departments as (
    select distinct event_id, dept_id from event_log where action = 'dispatched'
),

stream as (
    -- the department's own rows (a dispatch, response, return, closure, reopen, rating or escalation naming it)
    select l.event_id, l.dept_id, l.seq, l.ts, l.value,
           case l.action when 'dispatched' then 'dispatch' else l.action end as kind
    from event_log l
    join event_departments d using (event_id, dept_id)
    union all
    -- rows of the event that concern every department without naming it
    select l.event_id, d.dept_id, l.seq, l.ts, l.value,
           case l.action when 'dispatched' then 'other_dispatch' when 'rated' then 'rated_any' else l.action end as kind
    from event_log l
    join event_departments d on d.event_id = l.event_id
    where (l.dept_id is null and l.action in ('reopened', 'rated', 'escalated'))
       or (l.dept_id <> d.dept_id and l.action in ('dispatched', 'escalated'))
),

-- segment = the seq of the department's latest dispatch at or before the row (rows before its first: none)
segmented as (
    select
        *,
        max(case when kind = 'dispatch' then seq end)
            over (partition by event_id, dept_id order by seq rows between unbounded preceding and current row) as segment
    from stream
),

-- each row with its segment's state just before it (a dispatch resets it, so the segment's own rows decide it)
row_state as (
    select
        *,
        max(case when kind = 'closed' then seq end) over w as close_before,
        max(case when kind = 'reopened' then seq end) over w as reopen_before,
        min(case when kind = 'returned' then seq end) over w as return_before,
        max(case when kind = 'other_dispatch' then seq end) over w as other_dispatch_before
    from segmented
    where segment is not null
    window w as (partition by event_id, dept_id, segment order by seq rows between unbounded preceding and 1 preceding)
),

row_flags as (
    select
        *,
        closure_stands(close_before, reopen_before) as closure_stands,
        ended_returned(return_before, other_dispatch_before) as ended_returned
    from row_state
),

-- per segment: how it ends, its first responses, its latest rating (one naming the department, or one naming
-- none while a closure stood) and its escalations while open (not ended as returned, no standing closure)
segments as (
    select
        event_id, dept_id, segment,
        min(ts) filter (where kind = 'dispatch') as dispatched_at,
        max(seq) filter (where kind = 'closed') as last_close_seq,
        arg_max(ts, seq) filter (where kind = 'closed') as last_close_ts,
        max(seq) filter (where kind = 'reopened') as last_reopen_seq,
        min(seq) filter (where kind = 'returned') as first_return_seq,
        max(seq) filter (where kind = 'other_dispatch') as last_other_dispatch_seq,
        min(ts) filter (where kind = 'accepted') as accepted_at,
        min(ts) filter (where kind = 'arrived') as arrived_at,
        max(seq) filter (where kind = 'rated' or (kind = 'rated_any' and closure_stands)) as rating_seq,
        arg_max(value, seq) filter (where kind = 'rated' or (kind = 'rated_any' and closure_stands)) as rating,
        count(*) filter (where kind = 'escalated' and not closure_stands and not ended_returned) as escalations,
        max(case value when 'daily' then 1 when 'weekly' then 2 when 'city' then 3 end)
            filter (where kind = 'escalated' and not closure_stands and not ended_returned) as escalation_level
    from row_flags
    group by all
),

segment_ends as (
    select
        *,
        closure_stands(last_close_seq, last_reopen_seq) as ends_closed,
        ended_returned(first_return_seq, last_other_dispatch_seq) as ends_returned
    from segments
),

starts as (
    select
        *,
        coalesce(lag(ends_closed or ends_returned) over (partition by event_id, dept_id order by segment), true)
            as starts_assignment
    from segment_ends
),

-- start_seq: the dispatch that started the assignment the segment belongs to
assigned as (
    select
        *,
        max(case when starts_assignment then segment end)
            over (partition by event_id, dept_id order by segment rows between unbounded preceding and current row) as start_seq
    from starts
),

-- per assignment (only its last segment can end closed or returned)
assignment_facts as (
    select
        event_id, dept_id, start_seq,
        min(dispatched_at) filter (where segment = start_seq) as dispatched_at,
        min(accepted_at) as accepted_at,
        min(arrived_at) as arrived_at,
        max(last_close_ts) filter (where ends_closed) as closed_at,
        bool_or(ends_returned) as is_returned,
        arg_max(rating, rating_seq) as rating,
        sum(escalations) as escalations,
        max(escalation_level) as escalation_level
    from assigned
    group by all
),

final as (
    select
        a.event_id,
        a.dept_id,
        a.start_seq as dispatch_seq,
        a.dispatched_at,
        a.accepted_at,
        a.arrived_at,
        -- the response that counts: arrival for on-site handling, acceptance otherwise (4.1.2 c)
        case when e.handling_mode = 'onsite' then a.arrived_at else a.accepted_at end as responded_at,
        a.closed_at,
        a.is_returned,
        a.rating,
        cast(a.escalations as bigint) as escalations,
        a.escalation_level
    from assignment_facts a
    join stg_whistle_events e using (event_id)
    where a.dispatched_at >= date_from and a.dispatched_at < date_to
)

select * from final;
