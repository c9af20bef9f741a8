-- The quarantine's rows of one file ($file) or of all ($file = ''), a page at a time ($limit, $offset).
select source_file as 文件, table_name as 数据表, source_row as 行号, column_name as 列, value as 值,
       reason as 原因, quarantined_at as 隔离时间
from quarantine where $file = '' or source_file = $file
order by source_file, source_row, column_name
limit $limit offset $offset
