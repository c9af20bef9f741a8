-- 0 when the raw table holds no row, else 1 (reads one row at most). Placeholder `raw`: the raw table of
-- a table spec (never data). No params.
select count(*) from (select 1 from {raw} limit 1)
