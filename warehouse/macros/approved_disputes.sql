-- (named to sort before the assignment macros that call it: a macro is bound when it is created)
-- Approved disputes (申诉核减, SPEC §9.4) as they act on the figures at a cut-off: a ruling counts from the
-- moment it is made, so only approvals with ruled_at ≤ as_of count. They are read from dispute_exemptions (the
-- approvals a figure registered on its cursor, govdash.figures.exemptions) and applied on top of the stored
-- facts at the query's cut-off, never stored in them. `effect` is what the ground does:
-- out_of_cohort (派错部门, 重复件, 无效诉求), extension (客观原因延期, days_granted working days), unrated (误评),
-- task_admitted (已准入), certificate_by_law (依法出具).

-- Per assignment (event, department, the dispatch that started it): whether it leaves the cohort (核减), the
-- working days its closure deadline moves (every approved extension of it, summed) and whether its rating is
-- removed (it counts as unrated: no earlier rating takes its place).
create or replace macro assignment_rulings_as_of(as_of) as table
select
    event_id,
    dept_id,
    assigned_at,
    bool_or(effect = 'out_of_cohort') as is_exempted,
    cast(coalesce(sum(days_granted) filter (where effect = 'extension'), 0) as bigint) as extension_working_days,
    bool_or(effect = 'unrated') as is_misrated
from dispute_exemptions
where item_kind = 'assignment' and ruled_at <= as_of
group by event_id, dept_id, assigned_at;

-- The JPCs' two-way rating rows (§7) as of a cut-off: a row an approved 误评 names (period, JPC, department)
-- is removed.
create or replace macro ratings_as_of(as_of) as table
select r.*
from raw_ratings r
where not exists (
    select 1 from dispute_exemptions e
    where e.item_kind = 'rating' and e.effect = 'unrated' and e.ruled_at <= as_of
      and e.rating_period = r.period and e.jpc_id = r.jpc_id and e.dept_id = r.dept_id
);

-- The tasks (fct_tasks) with their burden-list flags (§5.3) as of a cut-off, the one definition every burden
-- figure reads: task_off_list = pushed onto a community and not on the admission list, unless an approved
-- 已准入 proved it admitted; certificate_off_list as fct_tasks has it, unless an approved 依法出具 proved the
-- certificate required by law.
create or replace macro burden_tasks_as_of(as_of) as table
with rulings as (
    select
        task_id,
        bool_or(effect = 'task_admitted') as admitted,
        bool_or(effect = 'certificate_by_law') as by_law
    from dispute_exemptions
    where item_kind = 'burden' and ruled_at <= as_of
    group by task_id
)

select
    t.* replace (t.certificate_off_list and not coalesce(r.by_law, false) as certificate_off_list),
    t.onto_community and not t.admission_on_list and not coalesce(r.admitted, false) as task_off_list
from fct_tasks t
left join rulings r using (task_id);
