-- Hours spent at each level, for levels left by the cut-off. Params: $as_of, $date_from, $date_to.
select level, dwell_hours from appeal_levels_as_of($as_of, $date_from, $date_to) where dwell_hours is not null
