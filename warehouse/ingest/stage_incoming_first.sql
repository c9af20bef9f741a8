-- First batch of a file: (re)create the temp tables `incoming` (typed rows with _row) and
-- `contract_failures` from the registered frames incoming_batch and failures_batch. No params.
create or replace temp table incoming as select * from incoming_batch;
create or replace temp table contract_failures as select * from failures_batch;
