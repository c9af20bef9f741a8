-- The ingest batches a publication includes: every run recorded in ingest_runs so far.
select run_id, min(started_at) as started_at, count(*) as files, sum(rows_loaded) as rows_loaded,
       sum(rows_replaced) as rows_replaced
from ingest_runs
group by run_id
order by started_at, run_id
