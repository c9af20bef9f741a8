-- The last loaded whistle-log timestamp (what "数据截至" names): null when no log is loaded.
select last_ts from stg_whistle_log_bounds
