-- The last 50 files ingested.
select started_at as 时间, run_id as 批次, source_file as 文件, table_name as 数据表, rows_read as 读取,
       rows_loaded as 导入, rows_quarantined as 隔离, duplicates_skipped as 重复跳过, rows_replaced as 替换
from ingest_runs order by started_at desc, source_file limit 50
