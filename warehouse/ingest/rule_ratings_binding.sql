-- Rule for ratings (SPEC §7): a two-way rating counts only from a JPC bound to that department in that
-- period — bound on some day of the period (a month YYYY-MM or a year YYYY), as a visit week is required
-- when the binding is active on any day of it. A period that does not parse is already quarantined by
-- the contract. No params.
with periods as (
    select _row, jpc_id, dept_id, period,
           case length(period) when 7 then try_cast(period || '-01' as date)
                               when 4 then try_cast(period || '-01-01' as date) end as period_start
    from incoming
),
spans as (
    select *, case length(period) when 7 then period_start + interval 1 month
                                  else period_start + interval 1 year end - interval 1 day as period_end
    from periods where period_start is not null and jpc_id is not null and dept_id is not null
)
select s._row, 'jpc_id', s.jpc_id,
       '评价期间 ' || s.period || ' 内联合党委 ' || s.jpc_id || ' 未与部门 ' || s.dept_id || ' 捆绑，双向评价只计捆绑联合党委的评价'
from spans s
where not exists (
    select 1 from raw_bindings b
    where b.role = 'department' and b.jpc_id = s.jpc_id and b.dept_id = s.dept_id
      and b.valid_from <= s.period_end and (b.valid_to is null or b.valid_to >= s.period_start)
)
