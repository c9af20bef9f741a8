-- The bulletin's department counts written by hand as one query straight over the raw tables
-- (default SLAs hard-coded, official calendar only): the lower bound the bulletin is compared with.
-- Params: $as_of, $month_start, $month_end.
with log as (
    select event_id, ts, action, dept_id, value,
           row_number() over (partition by event_id order by ts, _source_row) as seq
    from raw_whistle_event_log
    where ts <= $as_of
),
cal as (
    select date, is_workday, sum(cast(is_workday as integer)) over (order by date) as wd
    from ref_calendar_official
),
dispatch as (
    select event_id, dept_id, seq, ts as dispatched_at,
           lead(seq) over (partition by event_id, dept_id order by seq) as next_seq
    from log where action = 'dispatched'
),
cohort as (
    select * from dispatch where dispatched_at >= $month_start and dispatched_at < $month_end
),
own as (
    select c.event_id, c.dept_id, c.seq, c.dispatched_at,
           min(l.seq) filter (where l.action = 'returned') as returned_seq,
           min(l.ts) filter (where l.action = 'accepted') as accepted_at,
           min(l.ts) filter (where l.action = 'arrived') as arrived_at,
           max(l.seq) filter (where l.action = 'closed') as close_seq,
           arg_max(l.ts, l.seq) filter (where l.action = 'closed') as closed_at
    from cohort c
    left join log l on l.event_id = c.event_id and l.dept_id = c.dept_id and l.seq > c.seq
                   and (c.next_seq is null or l.seq < c.next_seq)
    group by all
),
event_marks as (
    select event_id,
           max(seq) filter (where action = 'reopened' and dept_id is null) as any_reopen_seq
    from log where event_id in (select event_id from cohort) group by event_id
),
dept_reopen as (
    select event_id, dept_id, max(seq) as reopen_seq from log
    where action = 'reopened' and dept_id is not null group by all
),
rated as (
    select o.event_id, o.dept_id, o.seq, arg_max(l.value, l.seq) as rating
    from own o join event_marks m using (event_id) left join dept_reopen r using (event_id, dept_id)
    join log l on l.event_id = o.event_id and l.action = 'rated' and l.seq > o.seq
     and (l.dept_id = o.dept_id or (l.dept_id is null and o.close_seq is not null and l.seq > o.close_seq
          and not (coalesce(m.any_reopen_seq, 0) > o.close_seq or coalesce(r.reopen_seq, 0) > o.close_seq)))
    group by all
),
classified as (
    select o.*, e.handling_mode, e.is_difficult,
           exists (select 1 from log d where d.event_id = o.event_id and d.action = 'dispatched'
                   and d.dept_id <> o.dept_id and d.seq > o.returned_seq) as is_returned,
           case when coalesce(m.any_reopen_seq, 0) > o.close_seq or coalesce(r.reopen_seq, 0) > o.close_seq
                then null else o.closed_at end as final_closed_at,
           o.dispatched_at + case when e.handling_mode = 'onsite' then interval 2 hour else interval 1 hour end as response_deadline,
           case when e.handling_mode = 'onsite' then o.arrived_at else o.accepted_at end as responded_at,
           cd.wd + case when e.is_difficult then 5 when e.handling_mode = 'onsite' then 1 - cast(cd.is_workday as integer)
                        else 2 end as deadline_wd
    from own o
    join raw_whistle_events e using (event_id)
    left join event_marks m using (event_id)
    left join dept_reopen r using (event_id, dept_id)
    left join cal cd on cd.date = cast(o.dispatched_at as date)
),
statused as (
    select c.*, rt.rating,
           cast(cw.date as timestamp) + interval 1 day as deadline_end,
           case when c.is_returned then 'returned'
                when c.final_closed_at is not null and c.final_closed_at < cast(cw.date as timestamp) + interval 1 day then 'closed_on_time'
                when c.final_closed_at is not null then 'closed_late'
                when cast(cw.date as timestamp) + interval 1 day <= $as_of then 'open_overdue'
                else 'open_in_time' end as status
    from classified c
    left join rated rt using (event_id, dept_id, seq)
    left join cal cw on cw.wd = c.deadline_wd and cw.is_workday
)
select dept_id,
       count(*) filter (where status <> 'returned') as dispatched,
       count(*) filter (where status <> 'returned' and responded_at is not null) as handled,
       count(*) filter (where status <> 'returned' and responded_at <= response_deadline) as handled_in_time,
       count(*) filter (where status = 'closed_on_time') as closed_on_time,
       count(*) filter (where status = 'closed_late') as closed_late,
       count(*) filter (where status = 'open_overdue') as open_overdue,
       count(*) filter (where status = 'open_in_time') as open_in_time,
       count(*) filter (where status <> 'returned' and rating in ('satisfied', 'basic')) as satisfied,
       count(*) filter (where status <> 'returned' and rating is not null) as rated,
       count(*) filter (where status = 'returned') as returned
from statused
group by dept_id
order by dept_id
