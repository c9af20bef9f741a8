-- Rule: a value of column `column` of `incoming` that is not among the values of `ref_column` in
-- `ref_table` (rows meeting the condition `condition`, empty or " and <sql>"), with reason `reason`.
-- All placeholders come from pipelines.ingest.FOREIGN_KEYS and the table specs (code, never data);
-- `column_name` is the column's name, `column` the quoted identifier. No params.
select _row, '{column_name}', {column}, '{reason}“' || {column} || '”' from incoming
where {column} is not null
  and {column} not in (select {ref_column} from {ref_table} where {ref_column} is not null{condition})
