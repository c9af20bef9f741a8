"""SPEC §9.5 — the disputes' figures, from a list of dispute states at a cut-off.

A state is a dict in the records' shape: dispute_id, item_kind ("assignment" | "rating" | "burden"), event_id,
dept_id, assigned_at (the dispatch that started the assignment), rating_period ("YYYY-MM" or "YYYY"), jpc_id,
task_id, ground (Chinese name), state (pending_first | pending_review | approved | rejected | withdrawn), filed_at,
ruling_deadline, first_ruled_at (初审's ruling), ruled_at, days_granted.
"""
from __future__ import annotations

import datetime as dt
import statistics

from tests.reference.rulings import OUT_OF_COHORT

PENDING = ("pending_first", "pending_review")
FIELDS = ("filed", "approved", "rejected", "pending_ruling", "withdrawn", "overdue_ruling", "exempted")


def _period_of_rating(period: str) -> tuple[dt.datetime, dt.datetime]:
    if len(period) == 4:
        return dt.datetime(int(period), 1, 1), dt.datetime(int(period) + 1, 1, 1)
    y, m = int(period[:4]), int(period[5:7])
    return dt.datetime(y, m, 1), dt.datetime(y + (m == 12), m % 12 + 1, 1)


def in_period(s: dict, task_issued: dict[str, dt.datetime], start: dt.datetime, end: dt.datetime) -> bool:
    """§9.5 "in the period of their item": an assignment's dispatch, a task's issue moment, a rating row's whole
    period (a year's rating belongs only to a span holding the whole year)."""
    if s["item_kind"] == "assignment":
        return start <= s["assigned_at"] < end
    if s["item_kind"] == "burden":
        issued = task_issued.get(s["task_id"])
        return issued is not None and start <= issued < end
    first, after = _period_of_rating(s["rating_period"])
    return start <= first and after <= end


def counts(states, task_issued: dict[str, dt.datetime], start: dt.datetime, end: dt.datetime,
           as_of: dt.datetime) -> dict[str, dict]:
    """Per department with a dispute of the period: each counted once by its state at the cut-off."""
    out: dict[str, dict] = {}
    for s in states:
        if not in_period(s, task_issued, start, end):
            continue
        c = out.setdefault(s["dept_id"], dict.fromkeys(FIELDS, 0))
        c["filed"] += 1
        if s["state"] == "approved":
            c["approved"] += 1
            c["exempted"] += s["ground"] in OUT_OF_COHORT
        elif s["state"] == "rejected":
            c["rejected"] += 1
        elif s["state"] == "withdrawn":
            c["withdrawn"] += 1
        else:
            c["pending_ruling"] += 1
            c["overdue_ruling"] += s["ruling_deadline"] < as_of
    return out


def exempted_share(exempted: int, cohort: int) -> float | None:
    """核减数 over the cohort before exemption (dispatched + exempted, returned ones out)."""
    return None if cohort == 0 else round(exempted / cohort, 4)


def queue(states, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> tuple[int, float | None]:
    """(how many 初审 rulings in [start, end) by the cut-off, median calendar hours from the filing to them)."""
    hours = [(s["first_ruled_at"] - s["filed_at"]).total_seconds() / 3600 for s in states
             if s["first_ruled_at"] is not None and start <= s["first_ruled_at"] < end and s["first_ruled_at"] <= as_of]
    return len(hours), (round(statistics.median(hours), 1) if hours else None)
