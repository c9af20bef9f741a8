-- Next batch of a file: append the registered frames incoming_batch and failures_batch to the temp
-- tables `incoming` and `contract_failures`. No params.
insert into incoming select * from incoming_batch;
insert into contract_failures select * from failures_batch;
