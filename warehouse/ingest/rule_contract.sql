-- Rule: the per-column contract failures of the file (pipelines.contracts), as (_row, column_name, value, reason).
-- No params.
select row_index as _row, column_name, value, reason from contract_failures
