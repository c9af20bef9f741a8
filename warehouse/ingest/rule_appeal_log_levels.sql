-- Rule for appeal_log: an appeal's levels must run one by one from its origin level, every level but the
-- last escalated, none entered before the appeal was raised; each record of a broken appeal lists its
-- problems. No params.
with ordered as (
    select i._row, i.appeal_id, i.level, i.outcome, a.origin_level, a.raised_at, i.entered_at,
           lag(i.level) over w as prev_level,
           row_number() over w as pos,
           count(*) over (partition by i.appeal_id) as n
    from incoming i join raw_appeals a using (appeal_id)
    window w as (partition by i.appeal_id order by i.entered_at, i.level)
),
broken as (
    select appeal_id, string_agg(problem, '；' order by pos) as problems from (
        select appeal_id, pos, '第 ' || pos || ' 条记录从第 ' || prev_level || ' 级到第 ' || level || ' 级（跳级或倒退）' as problem
        from ordered where prev_level is not null and level <> prev_level + 1
        union all
        select appeal_id, pos, '起始层级 ' || level || ' 与诉求的起始层级 ' || origin_level || ' 不一致'
        from ordered where pos = 1 and level <> origin_level
        union all
        select appeal_id, pos, '第 ' || level || ' 级不是最后一级，结果应为 escalated'
        from ordered where pos < n and outcome <> 'escalated'
        union all
        select appeal_id, pos, '进入时间早于诉求提出时间'
        from ordered where entered_at < raised_at
    ) group by appeal_id
)
select o._row, 'level', cast(o.level as varchar), '诉求流转层级不连续：' || b.problems
from ordered o join broken b using (appeal_id)
