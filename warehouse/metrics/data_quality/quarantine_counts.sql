-- Exact quarantine counts (the detail keeps only the first reasons of each column, settings [limits]), by
-- file and by column. A warehouse from before the quarantine_counts table (`govdash status` reads it without
-- a rebuild) is counted from its detail, which was complete then: the *_legacy statements, chosen by
-- status_has_quarantine_counts.

-- name: status_has_quarantine_counts
-- Whether the warehouse has the table of exact quarantine counts (every build and ingest creates it). No params.
select count(*) > 0 as has_counts from duckdb_tables() where table_name = 'quarantine_counts'

-- name: quarantine_by_file
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

-- name: quarantine_by_column
-- exact quarantine counts per (file, column): quarantine_counts holds them for each
-- file's latest load; a file loaded before that table existed is counted from its detail, which was complete then
with

counted as (
    select source_file, table_name, column_name, rows, reasons, reasons_kept
    from quarantine_counts
    where column_name is not null
),

from_detail as (
    select source_file, any_value(table_name) as table_name, column_name as column_name,
           count(distinct source_row) as rows, count(*) as reasons, count(*) as reasons_kept
    from quarantine
    where source_file not in (select source_file from counted)
    group by source_file, column_name
),

final as (
    select * from counted
    union all
    select * from from_detail
)

select * from final

-- name: quarantine_by_file_legacy
-- a warehouse from before quarantine_counts existed: every file's quarantine detail was complete
with

final as (
    select source_file, any_value(table_name) as table_name, null::varchar as column_name,
           count(distinct source_row) as rows, count(*) as reasons, count(*) as reasons_kept
    from quarantine
    group by source_file
)

select * from final

-- name: quarantine_by_column_legacy
-- a warehouse from before quarantine_counts existed: every file's quarantine detail was complete
with

final as (
    select source_file, any_value(table_name) as table_name, column_name as column_name,
           count(distinct source_row) as rows, count(*) as reasons, count(*) as reasons_kept
    from quarantine
    group by source_file, column_name
)

select * from final
