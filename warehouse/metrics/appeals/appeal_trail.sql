-- One appeal's levels. Params: $appeal_id.
select * from stg_appeal_log where appeal_id = $appeal_id order by level
