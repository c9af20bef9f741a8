-- Assignment facts from the log (one per `dispatched` row: an event sent to a department), as of a
-- cutoff: response times, the standing closure, return, rating, escalations. SPEC §3. Log rows after
-- the cutoff are ignored, so a report for a past cutoff never changes. Deadlines and status are added
-- by assignments_as_of; fct_assignment_facts holds these facts for the whole log (cutoff = end of data).
create or replace macro assignment_facts_as_of(as_of, date_from, date_to) as table
-- only the events with a dispatch in the period matter: every window below is within one event
with cohort_events as (
    select distinct event_id from stg_whistle_event_log
    where action = 'dispatched' and ts >= date_from and ts < date_to and ts <= as_of
),

event_log as (
    select * from stg_whistle_event_log
    where ts <= as_of and event_id in (select event_id from cohort_events)
),

dispatches as (
    select
        event_id, dept_id, ts as dispatched_at, seq,
        lead(seq) over (partition by event_id, dept_id order by seq) as next_seq
    from event_log
    where action = 'dispatched'
),

cohort as (
    select * from dispatches
    where dispatched_at >= date_from and dispatched_at < date_to
),

-- the department's own rows between this dispatch and its next dispatch of the same event
own as (
    select
        c.event_id, c.dept_id, c.seq,
        min(l.seq) filter (where l.action = 'returned') as returned_seq,
        min(l.ts) filter (where l.action = 'accepted') as accepted_at,
        min(l.ts) filter (where l.action = 'arrived') as arrived_at,
        max(l.seq) filter (where l.action = 'closed') as last_close_seq
    from cohort c
    left join event_log l
        on l.event_id = c.event_id and l.dept_id = c.dept_id
        and l.seq > c.seq and (c.next_seq is null or l.seq < c.next_seq)
    group by all
),

-- returned: a `returned` followed by a dispatch of the same event to another department
returned as (
    select distinct o.event_id, o.dept_id, o.seq
    from own o
    join event_log l
        on l.event_id = o.event_id and l.action = 'dispatched'
        and l.dept_id <> o.dept_id and l.seq > o.returned_seq
    where o.returned_seq is not null
),

-- a reopen (of this department, or of the whole event when it names none) voids the last closure
closure as (
    select
        o.event_id, o.dept_id, o.seq,
        case when exists (
            select 1 from event_log r
            where r.event_id = o.event_id and r.action = 'reopened' and r.seq > o.last_close_seq
              and (r.dept_id = o.dept_id or r.dept_id is null)
        ) then null else o.last_close_seq end as close_seq
    from own o
),

closed as (
    select c.event_id, c.dept_id, c.seq, c.close_seq, l.ts as closed_at
    from closure c
    left join event_log l on l.event_id = c.event_id and l.seq = c.close_seq
),

-- latest rating: one naming the department, or one naming none once the assignment is closed
rating as (
    select c.event_id, c.dept_id, c.seq, arg_max(l.value, l.seq) as rating
    from closed c
    join event_log l
        on l.event_id = c.event_id and l.action = 'rated' and l.seq > c.seq
        and (l.dept_id = c.dept_id or (l.dept_id is null and c.close_seq is not null and c.close_seq < l.seq))
    group by all
),

-- escalations while the assignment was still open
escalation as (
    select
        c.event_id, c.dept_id, c.seq,
        count(*) as escalations,
        max(case l.value when 'daily' then 1 when 'weekly' then 2 when 'city' then 3 end) as escalation_level
    from closed c
    join event_log l
        on l.event_id = c.event_id and l.action = 'escalated' and l.seq > c.seq
        and (c.close_seq is null or l.seq < c.close_seq)
    group by all
),

final as (
    select
        o.event_id,
        o.dept_id,
        o.seq as dispatch_seq,
        c.dispatched_at,
        o.accepted_at,
        o.arrived_at,
        -- the response that counts: arrival for on-site handling, acceptance otherwise (4.1.2 c)
        case when e.handling_mode = 'onsite' then o.arrived_at else o.accepted_at end as responded_at,
        cl.closed_at,
        r.event_id is not null as is_returned,
        rt.rating,
        coalesce(es.escalations, 0) as escalations,
        es.escalation_level
    from own o
    join cohort c using (event_id, dept_id, seq)
    join stg_whistle_events e using (event_id)
    join closed cl using (event_id, dept_id, seq)
    left join returned r using (event_id, dept_id, seq)
    left join rating rt using (event_id, dept_id, seq)
    left join escalation es using (event_id, dept_id, seq)
)

select * from final;
