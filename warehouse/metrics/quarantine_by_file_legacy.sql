-- a warehouse from before quarantine_counts existed: every file's quarantine detail was complete
with

final as (
    select source_file, any_value(table_name) as table_name, null::varchar as column_name,
           count(distinct source_row) as rows, count(*) as reasons, count(*) as reasons_kept
    from quarantine
    group by source_file
)

select * from final
