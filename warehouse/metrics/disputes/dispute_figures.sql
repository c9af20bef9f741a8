-- The disputes' figures (申诉核减, SPEC §9.5). They read `dispute_states`: every dispute filed by the cut-off with
-- its state then, registered on the cursor by govdash.figures.dispute_figures (disputes are records, never facts).
-- A dispute counts once, by its state at the cut-off, in the period of its item: an assignment's dispatch month,
-- a rating row's period (a month, or a year: then only in a period holding the whole year), a burden task's
-- month (fct_tasks.issued_at, as the burden list reads it).

-- name: dispute_items
-- Every registered dispute whose item lies in [$date_from, $date_to), with its item's start: what the caller
-- registers as `dispute_period_items` for the queries below. Params: $date_from, $date_to.
with items as (
    select
        s.*,
        case s.item_kind
            when 'assignment' then s.assigned_at
            when 'burden' then t.issued_at
            else cast(strptime(case when length(s.rating_period) = 4 then s.rating_period || '-01'
                                    else s.rating_period end || '-01', '%Y-%m-%d') as timestamp)
        end as item_start,
        case when s.item_kind = 'rating' and length(s.rating_period) = 4 then interval 1 year
             when s.item_kind = 'rating' then interval 1 month
             else interval 0 day end as item_length
    from dispute_states s
    left join fct_tasks t on s.item_kind = 'burden' and t.task_id = s.task_id
)

select * exclude (item_length)
from items
where item_start >= $date_from and item_start < $date_to and item_start + item_length <= $date_to

-- name: dispute_departments
-- Per department with a dispute of the period (dispute_period_items): filed, approved, rejected (at 初审 and not taken to 复核, or on
-- 复核), pending (待初审 or 待复核), withdrawn, overdue for a ruling (pending past its ruling deadline at the
-- cut-off), 核减数 (approved on a ground of $exempting_grounds) and its share of the cohort before exemption: the
-- period's assignments in period_assignments (computed by the caller for the period), dispatched and not
-- returned, exempted ones included. Params: $date_from, $date_to, $as_of, $exempting_grounds.
with counts as (
    select
        dept_id,
        count(*) as filed,
        count(*) filter (where state = 'approved') as approved,
        count(*) filter (where state = 'rejected') as rejected,
        count(*) filter (where state in ('pending_first', 'pending_review')) as pending_ruling,
        count(*) filter (where state = 'withdrawn') as withdrawn,
        count(*) filter (where state in ('pending_first', 'pending_review') and ruling_deadline < $as_of)
            as overdue_ruling,
        count(*) filter (where state = 'approved' and list_contains($exempting_grounds, ground)) as exempted
    from dispute_period_items
    group by dept_id
),

cohorts as (
    select dept_id, whistle_counts(status, responded_at, response_deadline, rating, escalations) as n
    from period_assignments
    where dispatched_at >= $date_from and dispatched_at < $date_to
    group by dept_id
),

final as (
    select
        c.dept_id,
        d.dept_name,
        c.filed, c.approved, c.rejected, c.pending_ruling, c.withdrawn, c.overdue_ruling, c.exempted,
        coalesce(k.n.dispatched + k.n.exempted, 0) as cohort,
        exemption_share(c.exempted, coalesce(k.n.dispatched + k.n.exempted, 0)) as exempted_share
    from counts c
    left join stg_departments d using (dept_id)
    left join cohorts k using (dept_id)
)

select * from final order by dept_id

-- name: dispute_approvals
-- Every approved dispute of the period (dispute_period_items) with its department's name, the moment it was
-- approved and the working days granted (客观原因延期). No params.
select i.dispute_id, i.dept_id, d.dept_name, i.item_kind, i.event_id, i.assigned_at, i.rating_period, i.jpc_id,
       i.task_id, i.ground, i.days_granted, i.ruled_at
from dispute_period_items i
left join stg_departments d using (dept_id)
where i.state = 'approved'
order by i.ruled_at, i.dispute_id

-- name: dispute_queue
-- The assessment office's queue (SPEC §9.3): over the disputes whose 初审 ruling was made in [$date_from,
-- $date_to) and by the cut-off, how many, and the median calendar hours from the filing to that ruling.
-- Params: $date_from, $date_to, $as_of.
select
    count(*) as ruled,
    median(calendar_hours(filed_at, first_ruled_at)) as median_hours_to_first_ruling
from dispute_states
where first_ruled_at >= $date_from and first_ruled_at < $date_to and first_ruled_at <= $as_of
