-- exact quarantine counts per file: quarantine_counts holds them for each
-- file's latest load; a file loaded before that table existed is counted from its detail, which was complete then
with

counted as (
    select source_file, table_name, column_name, rows, reasons, reasons_kept
    from quarantine_counts
    where column_name is null
),

from_detail as (
    select source_file, any_value(table_name) as table_name, null::varchar as column_name,
           count(distinct source_row) as rows, count(*) as reasons, count(*) as reasons_kept
    from quarantine
    where source_file not in (select source_file from counted)
    group by source_file
),

final as (
    select * from counted
    union all
    select * from from_detail
)

select * from final
