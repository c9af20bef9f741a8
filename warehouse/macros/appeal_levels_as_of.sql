-- The appeal trail as it stood at a cut-off, for appeals raised in [date_from, date_to) (SPEC §6).
-- A level entered after the cut-off is not there yet; a level left after the cut-off is still open.
-- dwell_hours: time spent at the level, for levels left by the cut-off (open levels have none).
create or replace macro appeal_levels_as_of(as_of, date_from, date_to) as table
with appeals as (
    select * from stg_appeals
    where raised_at >= date_from and raised_at < date_to and raised_at <= as_of
),

log as (
    select * from stg_appeal_log
    where entered_at <= as_of
),

final as (
    select
        a.appeal_id,
        a.community_id,
        a.community_name,
        a.jpc_id,
        a.category,
        a.raised_at,
        a.origin_level,
        l.level,
        l.entered_at,
        case when l.exited_at is not null and l.exited_at <= as_of and l.outcome <> 'open' then l.exited_at end as exited_at,
        case when l.exited_at is not null and l.exited_at <= as_of and l.outcome <> 'open' then l.outcome else 'open' end as outcome,
        case when l.exited_at is not null and l.exited_at <= as_of and l.outcome <> 'open'
             then date_diff('second', l.entered_at, l.exited_at) / 3600.0 end as dwell_hours
    from appeals a
    join log l using (appeal_id)
)

select * from final;
