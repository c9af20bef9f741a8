"""The disputes' figures (申诉核减, SPEC §9.5): per department and period, the disputes counted once by their state
at the cut-off in the period of their item (an assignment's dispatch month, a rating row's period, a burden
task's month) — filed, approved, rejected, pending, withdrawn, overdue for a ruling, 核减数 and its share of the
cohort before exemption —; the approved disputes of the period with their effect; and the assessment office's
queue (median calendar hours from the filing to the 初审 ruling).

The disputes' states come from one place, `states_as_of` (the records database, govdash.records.disputes), as the
approvals come from exemptions.approvals_as_of; every function here takes the states as a list of dicts in the
records' shape, so a test may hand its own. The counting and the division are SQL
(warehouse/metrics/disputes/dispute_figures.sql, warehouse/macros/dispute_rates.sql); the states are registered
on the query's cursor for the time of the query.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import polars as pl

from govdash.core.periods import month_bounds
from govdash.figures import exemptions
from govdash.figures.whistle import period_assignments
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql

STATES = "dispute_states"
PERIOD_ITEMS = "dispute_period_items"

SCHEMA = {
    "dispute_id": pl.Int64, "item_kind": pl.String, "event_id": pl.String, "dept_id": pl.String,
    "assigned_at": pl.Datetime("us"), "rating_period": pl.String, "jpc_id": pl.String, "task_id": pl.String,
    "ground": pl.String, "state": pl.String, "filed_at": pl.Datetime("us"), "ruling_deadline": pl.Datetime("us"),
    "first_ruled_at": pl.Datetime("us"), "ruled_at": pl.Datetime("us"), "days_granted": pl.Int64,
}
# the per-department counts, in the order of the bulletin's section and the page's table
COUNT_FIELDS = ("filed", "approved", "rejected", "pending_ruling", "withdrawn", "overdue_ruling", "exempted", "cohort")
KIND_NAMES = {"assignment": "派单", "rating": "双向评价", "burden": "负担清单任务"}


def states_as_of(as_of: dt.datetime) -> list[dict]:
    """Every dispute filed at or before the cut-off with its state then, from the records database: the figures'
    only source of dispute states. No records database yet means no disputes (nothing is created to find out)."""
    from govdash.records import db as records_db
    from govdash.records import disputes

    if not records_db.exists():
        return []
    return disputes.dispute_states_as_of(as_of)


def state_frame(states: list[dict]) -> pl.DataFrame:
    """The states as the relation the SQL reads (SCHEMA); empty of the same shape when there are none."""
    rows = [{k: s.get(k) for k in SCHEMA} for s in states]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


@contextmanager
def _registered(con, states: list[dict], date_from: dt.datetime, date_to: dt.datetime):
    """The states, and those whose item lies in [date_from, date_to), registered on the cursor while inside."""
    con.register(STATES, state_frame(states))
    try:
        items = fetch_frame(con, metric_sql("dispute_items"), {"date_from": date_from, "date_to": date_to})
        con.register(PERIOD_ITEMS, items)
        try:
            yield
        finally:
            con.unregister(PERIOD_ITEMS)
    finally:
        con.unregister(STATES)


def period_dispute_rows(con, states: list[dict], date_from: dt.datetime, date_to: dt.datetime,
                        as_of: dt.datetime) -> pl.DataFrame:
    """Per department with a dispute of the period: COUNT_FIELDS and exempted_share (核减数 over the cohort before
    exemption, by its one definition). Reads the connection's period_assignments for the cohort (the caller's,
    computed at the same cut-off for a period holding this one)."""
    with _registered(con, states, date_from, date_to):
        frame = fetch_frame(con, metric_sql("dispute_departments"),
                            {"date_from": date_from, "date_to": date_to, "as_of": as_of,
                             "exempting_grounds": list(exemptions.EXEMPTING_GROUNDS)})
    return frame.with_columns(pl.col("exempted_share").cast(pl.Float64).round(4))


def effect_text(ground: str, days_granted: int | None) -> str:
    """What an approval did to the figures, in Chinese (exemptions.EFFECTS, EFFECT_TEXTS)."""
    return exemptions.EFFECT_TEXTS[exemptions.EFFECTS[ground]].format(days=days_granted)


def item_text(row: dict) -> str:
    """The disputed item as a reader names it: 派单 event (dept), 双向评价 period · JPC, 负担清单任务 task."""
    kind = KIND_NAMES[row["item_kind"]]
    if row["item_kind"] == "assignment":
        return f"{kind} {row['event_id']}"
    if row["item_kind"] == "rating":
        return f"{kind} {row['rating_period']} · {row['jpc_id']}"
    return f"{kind} {row['task_id']}"


def period_approval_rows(con, states: list[dict], date_from: dt.datetime, date_to: dt.datetime) -> list[dict]:
    """Every dispute of the period approved by the cut-off the states stand at, in the order ruled: id, department,
    item, ground, its effect in Chinese (and its key), when ruled."""
    with _registered(con, states, date_from, date_to):
        frame = fetch_frame(con, metric_sql("dispute_approvals"))
    return [{"dispute_id": r["dispute_id"], "dept_id": r["dept_id"], "dept_name": r["dept_name"],
             "item_kind": r["item_kind"], "item": item_text(r), "event_id": r["event_id"],
             "rating_period": r["rating_period"], "jpc_id": r["jpc_id"], "task_id": r["task_id"],
             "ground": r["ground"], "effect": exemptions.EFFECTS[r["ground"]],
             "effect_text": effect_text(r["ground"], r["days_granted"]),
             "ruled_at": r["ruled_at"].strftime("%Y-%m-%d %H:%M:%S")}
            for r in frame.iter_rows(named=True)]


def period_queue(con, states: list[dict], date_from: dt.datetime, date_to: dt.datetime,
                 as_of: dt.datetime) -> dict:
    """The office's queue over the disputes whose 初审 ruling was made in the period by the cut-off: how many, and
    the median calendar hours (weekends and holidays included) from the filing to that ruling (None: none)."""
    con.register(STATES, state_frame(states))
    try:
        row = fetch_frame(con, metric_sql("dispute_queue"),
                          {"date_from": date_from, "date_to": date_to, "as_of": as_of}).row(0, named=True)
    finally:
        con.unregister(STATES)
    hours = row["median_hours_to_first_ruling"]
    return {"ruled": int(row["ruled"]), "median_hours_to_first_ruling": None if hours is None else round(hours, 1),
            "hours_basis": "自然小时（含休息日和节假日）"}


def _months(first_month: str, last_month: str) -> tuple[dt.datetime, dt.datetime]:
    return month_bounds(first_month)[0], month_bounds(last_month)[1]


def dispute_table(con, first_month: str, last_month: str, as_of: dt.datetime) -> pl.DataFrame:
    """The disputes' counts per department over the months (a month, a quarter, a year) at the cut-off."""
    start, end = _months(first_month, last_month)
    with period_assignments(con, start, end, as_of):
        return period_dispute_rows(con, states_as_of(as_of), start, end, as_of)


def approved_disputes(con, first_month: str, last_month: str, as_of: dt.datetime) -> list[dict]:
    """The approved disputes of the months' items at the cut-off (period_approval_rows)."""
    start, end = _months(first_month, last_month)
    return period_approval_rows(con, states_as_of(as_of), start, end)


def dispute_queue(con, first_month: str, last_month: str, as_of: dt.datetime) -> dict:
    """The office's 初审 queue over the months at the cut-off (period_queue)."""
    start, end = _months(first_month, last_month)
    return period_queue(con, states_as_of(as_of), start, end, as_of)
