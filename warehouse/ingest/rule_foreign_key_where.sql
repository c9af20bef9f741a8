-- Rule: a value of column `column` of `incoming` that is not among the values of `ref_column` in `ref_table` of
-- the rows whose `where_column` holds `where_value` (e.g. a clause code among the integrity clauses only), with
-- reason `reason` followed by the value in quotes. All placeholders come from a table's references in
-- config/tables.toml (code, never data); `column_name` is the column's name, `column`, `ref_column` and
-- `where_column` quoted identifiers. No params.
select _row, '{column_name}', {column}, '{reason}“' || {column} || '”' from incoming
where {column} is not null
  and {column} not in (select {ref_column} from {ref_table}
                       where {ref_column} is not null and {where_column} = '{where_value}')
