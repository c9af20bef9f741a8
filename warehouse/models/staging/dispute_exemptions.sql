-- The shape of the approved disputes (申诉核减, SPEC §9.4) the figures read, and always empty here: rulings are
-- records (the records database), never facts, so the warehouse stays rebuildable from the platform's files
-- alone. Every figure query registers the approvals in force under this same name on its own cursor
-- (govdash.figures.exemptions), which DuckDB finds before this table (temporary objects come first); with no
-- approvals this empty table is read, so every figure runs the same SQL either way. Columns as the records'
-- approvals, plus `effect`, what the ground does (govdash.figures.exemptions.EFFECTS).
with final as (
    select
        cast(null as bigint) as dispute_id,
        cast(null as varchar) as item_kind,
        cast(null as varchar) as event_id,
        cast(null as varchar) as dept_id,
        cast(null as timestamp) as assigned_at,
        cast(null as varchar) as rating_period,
        cast(null as varchar) as jpc_id,
        cast(null as varchar) as task_id,
        cast(null as varchar) as ground,
        cast(null as bigint) as days_granted,
        cast(null as timestamp) as ruled_at,
        cast(null as varchar) as effect
)

select * from final where false
