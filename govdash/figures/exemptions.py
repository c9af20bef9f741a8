"""Approved disputes (申诉核减, SPEC §9.4) as the figures read them: the one place where a list of approvals becomes
what the SQL reads, and the one place the figures get their approvals from.

An approval is a dict in the records' shape (govdash.records.disputes.approved_as_of): dispute_id, item_kind
("assignment" | "rating" | "burden"), event_id, dept_id, assigned_at (the dispatch that started the assignment),
rating_period, jpc_id, task_id, ground (its Chinese name), days_granted (客观原因延期 only), ruled_at (naive local
time, like the warehouse's timestamps). The approvals are registered on the query's own cursor as the relation
`dispute_exemptions` (the warehouse holds an empty table of the same shape, found after it: rulings are records,
never facts), and the SQL applies those ruled by the query's cut-off (warehouse/macros/approved_disputes.sql) on top
of the stored facts: every figure of every page, file and CLI answer runs the same SQL with or without approvals.

A figure computing at a cut-off wraps its queries in `in_force(con, as_of)`: it registers `approvals_as_of(as_of)`,
unless a caller already registered approvals on that cursor (`applied(con, approvals)`, what the tests do with
approvals of their own), which then stand for the whole computation.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import polars as pl

from warehouse.sql_files import metric_sql

RELATION = "dispute_exemptions"

# what an approved ground does to the figures (SPEC §9.4), each ground's effect declared once; the SQL reads the
# effect, never the ground's name
EFFECTS = {
    "派错部门": "out_of_cohort",      # the assignment leaves the department's cohort: 核减, not 退单
    "重复件": "out_of_cohort",
    "无效诉求": "out_of_cohort",
    "客观原因延期": "extension",      # the closure deadline moves by the working days granted
    "误评": "unrated",                # the assignment's rating, or the two-way rating row, is removed
    "已准入": "task_admitted",        # the burden entry's task is on the admission list after all
    "依法出具": "certificate_by_law",  # the burden entry's certificate is required by law
}
# what each effect does, as the bulletin's list of approved disputes states it ({days}: the working days granted)
EFFECT_TEXTS = {
    "out_of_cohort": "核减（不计入派单）",
    "extension": "办结期限顺延{days}个工作日",
    "unrated": "撤销评价",
    "task_admitted": "移出负担清单",
    "certificate_by_law": "移出负担清单",
}
# the effects that take the item out of the figures altogether (an assignment out of its cohort, a burden entry
# off the list): nothing is left to dispute on another ground
REMOVING_EFFECTS = ("out_of_cohort", "task_admitted", "certificate_by_law")
# 核减: the grounds that take an assignment out of the cohort (§9.5 counts them)
EXEMPTING_GROUNDS = tuple(g for g, e in EFFECTS.items() if e == "out_of_cohort")

SCHEMA = {
    "dispute_id": pl.Int64, "item_kind": pl.String, "event_id": pl.String, "dept_id": pl.String,
    "assigned_at": pl.Datetime("us"), "rating_period": pl.String, "jpc_id": pl.String, "task_id": pl.String,
    "ground": pl.String, "days_granted": pl.Int64, "ruled_at": pl.Datetime("us"), "effect": pl.String,
}


def approvals_as_of(as_of: dt.datetime) -> list[dict]:
    """Every approval made at or before the cut-off, from the records database (govdash.records.disputes): the
    figures' only source of rulings. No records database yet means no rulings (nothing is created to find out)."""
    from govdash.records import db as records_db
    from govdash.records import disputes

    if not records_db.exists():
        return []
    return disputes.approved_as_of(as_of)


def exemption_frame(approvals: list[dict]) -> pl.DataFrame:
    """The approvals as the relation the SQL reads (SCHEMA, with each ground's effect); empty of the same shape
    when there are none. A ground with no declared effect is refused rather than silently ignored."""
    rows = []
    for a in approvals:
        if a["ground"] not in EFFECTS:
            raise ValueError(f"未知的申诉理由“{a['ground']}”，无法确定其对统计的影响")
        if a["item_kind"] not in ("assignment", "rating", "burden"):
            raise ValueError(f"未知的申诉对象类型“{a['item_kind']}”")
        rows.append({**{k: a.get(k) for k in SCHEMA if k != "effect"}, "effect": EFFECTS[a["ground"]]})
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


def registered(con) -> bool:
    """Whether approvals are registered on this cursor (by `applied` or an enclosing `in_force`)."""
    return bool(con.execute(metric_sql("dispute_exemptions_registered")).fetchall()[0][0])


@contextmanager
def applied(con, approvals: list[dict]):
    """These approvals, registered on the cursor for what runs inside (each query still applies only those ruled
    by its own cut-off). Refused while other approvals are registered on it: one computation, one set of rulings."""
    if registered(con):
        raise RuntimeError("this cursor already has approvals registered")
    con.register(RELATION, exemption_frame(approvals))
    try:
        yield
    finally:
        con.unregister(RELATION)


@contextmanager
def in_force(con, as_of: dt.datetime):
    """The approvals in force at the cut-off (approvals_as_of), registered on the cursor for what runs inside;
    when approvals are already registered on it (an enclosing computation, or a test's own), those stand."""
    if registered(con):
        yield
        return
    with applied(con, approvals_as_of(as_of)):
        yield
