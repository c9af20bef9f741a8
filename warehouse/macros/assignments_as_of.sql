-- Assignments (one per `dispatched` row: an event sent to a department) classified as of a cutoff.
-- SPEC §3. Log rows after $as_of are ignored, so a report for a past cutoff never changes.
-- SLA settings come from session variables set by the caller (govdash.figures.apply_settings).
create or replace macro assignments_as_of(as_of, date_from, date_to) as table
with log as (
    select * from stg_whistle_event_log where ts <= as_of
),

events as (
    select * from stg_whistle_events
),

calendar as (
    select date, is_workday, wd_index, source from dim_calendar
),

dispatches as (
    select
        event_id, dept_id, ts as dispatched_at, seq,
        lead(seq) over (partition by event_id, dept_id order by seq) as next_seq
    from log
    where action = 'dispatched'
),

cohort as (
    select * from dispatches
    where dispatched_at >= date_from and dispatched_at < date_to
),

event_log as (
    select * from log where event_id in (select event_id from cohort)
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

settings as (
    select
        getvariable('offsite_response_hours') as offsite_h,
        getvariable('onsite_response_hours') as onsite_h,
        getvariable('offsite_closure_working_days') as offsite_n,
        getvariable('onsite_closure_working_days') as onsite_n,
        getvariable('difficult_closure_working_days') as difficult_n
),

deadlines as (
    select
        d.event_id, d.dept_id, d.seq, d.dispatched_at,
        e.community_id, e.jpc_id, e.category, e.handling_mode, e.is_difficult, e.one_thing_item,
        d.dispatched_at + to_minutes(cast(60 * case when e.handling_mode = 'onsite' then s.onsite_h else s.offsite_h end as bigint))
            as response_deadline,
        case when e.is_difficult then s.difficult_n when e.handling_mode = 'onsite' then s.onsite_n else s.offsite_n end
            as closure_working_days,
        cd.wd_index + case
            when (case when e.is_difficult then s.difficult_n when e.handling_mode = 'onsite' then s.onsite_n else s.offsite_n end) = 0
                then 1 - cast(cd.is_workday as integer)
            else (case when e.is_difficult then s.difficult_n when e.handling_mode = 'onsite' then s.onsite_n else s.offsite_n end)
        end as deadline_wd_index,
        cd.source = 'provisional' as dispatch_day_provisional
    from cohort d
    join events e using (event_id)
    cross join settings s
    left join calendar cd on cd.date = cast(d.dispatched_at as date)
),

final as (
    select
        dl.event_id,
        dl.dept_id,
        dl.seq as dispatch_seq,
        dl.community_id,
        dl.jpc_id,
        dl.category,
        dl.handling_mode,
        dl.is_difficult,
        dl.one_thing_item,
        dl.dispatched_at,
        dl.response_deadline,
        case when dl.handling_mode = 'onsite' then o.arrived_at else o.accepted_at end as responded_at,
        dl.closure_working_days,
        cw.date as closure_deadline_date,
        cast(cw.date as timestamp) + interval 1 day - interval 1 second as closure_deadline,
        cl.closed_at,
        r.event_id is not null as is_returned,
        rt.rating,
        coalesce(es.escalations, 0) as escalations,
        es.escalation_level,
        dl.dispatch_day_provisional or coalesce(cw.source = 'provisional', true) as calendar_provisional,
        case
            when r.event_id is not null then 'returned'
            when cl.closed_at is not null and cl.closed_at < cast(cw.date as timestamp) + interval 1 day then 'closed_on_time'
            when cl.closed_at is not null then 'closed_late'
            when cast(cw.date as timestamp) + interval 1 day <= as_of then 'open_overdue'
            else 'open_in_time'
        end as status
    from deadlines dl
    join own o using (event_id, dept_id, seq)
    join closed cl using (event_id, dept_id, seq)
    left join returned r using (event_id, dept_id, seq)
    left join rating rt using (event_id, dept_id, seq)
    left join escalation es using (event_id, dept_id, seq)
    left join calendar cw on cw.wd_index = dl.deadline_wd_index and cw.is_workday
)

select * from final
