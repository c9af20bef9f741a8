-- The two-way rating row (ratings) a dispute names: its period ("YYYY" or "YYYY-MM"), JPC, department and score.
-- Params: $period, $jpc_id, $dept_id.
select period, jpc_id, dept_id, score
from raw_ratings
where period = $period and jpc_id = $jpc_id and dept_id = $dept_id
