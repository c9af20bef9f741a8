-- Assignments classified as of a cutoff (SPEC §3): the log facts (stored or live, see assignment_facts_at),
-- then deadlines from the SLA settings and the working-day calendar, then status. An approved 客观原因延期 moves
-- the closure deadline (not the response deadline) by the working days granted: the deadline day is WD(its day,
-- k) on the same calendar index; an approved 派错部门/重复件/无效诉求 makes the status `exempted` (核减): out of the
-- cohort and off the overdue list, and not returned (an assignment ended as returned stays returned).
-- sla: a struct of the [whistle] settings offsite_response_hours, onsite_response_hours,
-- offsite_closure_working_days, onsite_closure_working_days, difficult_closure_working_days — passed as one
-- bind parameter ($sla, govdash.figures.assignment_params), never formatted into the SQL text.
create or replace macro assignments_as_of(as_of, date_from, date_to, sla, use_stored) as table
with facts as (
    select * from assignment_facts_at(as_of, date_from, date_to, use_stored)
),

events as (
    select * from stg_whistle_events
),

calendar as (
    select date, is_workday, wd_index, source from dim_calendar
),

settings as (
    select
        cast(struct_extract(sla, 'offsite_response_hours') as double) as offsite_h,
        cast(struct_extract(sla, 'onsite_response_hours') as double) as onsite_h,
        cast(struct_extract(sla, 'offsite_closure_working_days') as double) as offsite_n,
        cast(struct_extract(sla, 'onsite_closure_working_days') as double) as onsite_n,
        cast(struct_extract(sla, 'difficult_closure_working_days') as double) as difficult_n
),

deadlines as (
    select
        d.*,
        e.community_id, e.jpc_id, e.category, e.handling_mode, e.is_difficult, e.one_thing_item,
        d.dispatched_at + to_minutes(cast(60 * case when e.handling_mode = 'onsite' then s.onsite_h else s.offsite_h end as bigint))
            as response_deadline,
        case when e.is_difficult then s.difficult_n when e.handling_mode = 'onsite' then s.onsite_n else s.offsite_n end
            as closure_working_days,
        cd.wd_index + case
            when (case when e.is_difficult then s.difficult_n when e.handling_mode = 'onsite' then s.onsite_n else s.offsite_n end) = 0
                then 1 - cast(cd.is_workday as integer)
            else (case when e.is_difficult then s.difficult_n when e.handling_mode = 'onsite' then s.onsite_n else s.offsite_n end)
        end + d.extension_working_days as deadline_wd_index,
        cd.source = 'provisional' as dispatch_day_provisional
    from facts d
    join events e using (event_id)
    cross join settings s
    left join calendar cd on cd.date = cast(d.dispatched_at as date)
),

classified as (
    select
        dl.event_id,
        dl.dept_id,
        dl.dispatch_seq,
        dl.community_id,
        dl.jpc_id,
        dl.category,
        dl.handling_mode,
        dl.is_difficult,
        dl.one_thing_item,
        dl.dispatched_at,
        dl.response_deadline,
        dl.responded_at,
        dl.closure_working_days,
        cw.date as closure_deadline_date,
        cast(cw.date as timestamp) + interval 1 day - interval 1 second as closure_deadline,
        dl.closed_at,
        dl.is_returned,
        dl.is_exempted,
        dl.extension_working_days,
        dl.rating,
        dl.escalations,
        dl.escalation_level,
        dl.dispatch_day_provisional or coalesce(cw.source = 'provisional', true) as calendar_provisional,
        case
            when dl.is_returned then 'returned'
            when dl.is_exempted then 'exempted'
            when dl.closed_at is not null and dl.closed_at < cast(cw.date as timestamp) + interval 1 day then 'closed_on_time'
            when dl.closed_at is not null then 'closed_late'
            when cast(cw.date as timestamp) + interval 1 day <= as_of then 'open_overdue'
            else 'open_in_time'
        end as status,
        cw.wd_index as deadline_wd_index
    from deadlines dl
    left join calendar cw on cw.wd_index = dl.deadline_wd_index and cw.is_workday
),

cutoff_day as (
    select wd_index from calendar where date = cast(as_of as date)
),

final as (
    -- working days overdue, one rule for every list that shows it: the cut-off day's working-day index
    -- minus the deadline day's (null when either day is outside the calendar)
    select
        c.* exclude (deadline_wd_index),
        case when c.status = 'open_overdue' then cn.wd_index - c.deadline_wd_index end as working_days_overdue
    from classified c
    left join cutoff_day cn on true
)

select * from final
