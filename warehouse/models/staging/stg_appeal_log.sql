-- One row per (appeal, level) an appeal reached; contracts guarantee the levels climb one at a time.
with log as (
    select * from raw_appeal_log
),

final as (
    select appeal_id, level, entered_at, exited_at, outcome
    from log
)

select * from final
