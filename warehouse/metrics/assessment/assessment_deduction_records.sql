-- The records behind the assessment's deductions (SPEC §7), one row each:
-- a burden negative-list entry = a month in which the department pushed off-list tasks or certificates
-- onto communities (SPEC §5.3, as of the cut-off: burden_tasks_as_of; the tasks named as its source), and, for "同奖同罚" (4.4 d), every
-- negative item a JPC reported for a week in which the department was bound to it. As of a cut-off, a weekly
-- report submitted after it does not exist yet (SPEC §5.1).
-- Params: $date_from, $date_to, $month_from, $month_to, $as_of.
with tasks as (
    select * from burden_tasks_as_of($as_of) where issued_at >= $date_from and issued_at < $date_to
),

burden_months as (
    select
        dept_id,
        'burden_negative_list' as kind,
        string_agg(task_id, '、' order by task_id) as source,
        strftime(issued_at, '%Y-%m') || ' 清单外事项 ' || count(*) filter (where task_off_list)
            || ' 件、清单外证明 ' || count(*) filter (where certificate_off_list) || ' 件' as detail,
        1 as units
    from tasks
    where task_off_list or certificate_off_list
    group by dept_id, strftime(issued_at, '%Y-%m')
),

jpc_items as (
    select * from stg_negative_reports
    where week_month between $month_from and $month_to and clause_code is not null and items > 0
      and submitted_at <= $as_of
),

bound as (
    select jpc_id, dept_id, week_id from fct_binding_weeks where required
),

shared as (
    select b.dept_id, 'shared_negative', i.report_id || ' ' || i.clause_code,
           '捆绑联合党委 ' || i.jpc_id || ' ' || i.week_id || ' 报告负面事项 ' || i.clause_code || ' ' || i.items || ' 项', i.items
    from jpc_items i join bound b using (jpc_id, week_id)
),

final as (
    select * from burden_months
    union all select * from shared
)

select * from final order by dept_id, kind, source
