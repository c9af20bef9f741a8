-- The assignments dispatched in [$date_from, $date_to) as they stood at the cut-off (assignments_as_of, one
-- definition). Params: $as_of, $date_from, $date_to, $sla, $use_stored.
select * from assignments_as_of($as_of, $date_from, $date_to, $sla, $use_stored)
