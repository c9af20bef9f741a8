-- The same as assignments_as_of, reading the facts the build stored for the whole log. Equal to it for
-- any cutoff at or after the last log row (govdash.figures picks it then); status still uses the cutoff.
create or replace macro assignments_stored(as_of, date_from, date_to) as table
with facts as (
    select * from fct_assignment_facts where dispatched_at >= date_from and dispatched_at < date_to
),

events as (
    select * from stg_whistle_events
),

calendar as (
    select date, is_workday, wd_index, source from dim_calendar
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
        end as deadline_wd_index,
        cd.source = 'provisional' as dispatch_day_provisional
    from facts d
    join events e using (event_id)
    cross join settings s
    left join calendar cd on cd.date = cast(d.dispatched_at as date)
),

final as (
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
        dl.rating,
        dl.escalations,
        dl.escalation_level,
        dl.dispatch_day_provisional or coalesce(cw.source = 'provisional', true) as calendar_provisional,
        case
            when dl.is_returned then 'returned'
            when dl.closed_at is not null and dl.closed_at < cast(cw.date as timestamp) + interval 1 day then 'closed_on_time'
            when dl.closed_at is not null then 'closed_late'
            when cast(cw.date as timestamp) + interval 1 day <= as_of then 'open_overdue'
            else 'open_in_time'
        end as status
    from deadlines dl
    left join calendar cw on cw.wd_index = dl.deadline_wd_index and cw.is_workday
)

select * from final
