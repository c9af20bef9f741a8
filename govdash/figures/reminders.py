"""What each recipient must act on at a moment (临期提醒与超期预警, SPEC §10), from the same figures as the 部门自查
page: a department's open cases (`whistle.department_open_cases`, the page's 在办事项), split into those whose
response (not yet given) or closure falls due before the end of the next working day (临期) and the overdue ones
with their working days overdue, oldest first (超期),
and its disputes that need its action — a rejection at 初审 it may still take to 复核, with the last day (申诉).
The assessment office gets the disputes waiting for its 初审 ruling, the committee those waiting for 复核 and one
line for the city. A digest holds the moment its data stands at and links each item to its case page.

`self_check` is the one definition of a department's lists (the page, `govdash report self-check` and the digest
read it); `digests` makes every recipient's digest from them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import polars as pl

from govdash.figures import whistle
from govdash.figures.cutoff import working_day_after
from govdash.figures.lookups import departments
from govdash.records import disputes as dispute_records
from warehouse.sql_files import metric_sql

END_OF_DAY = dt.time(23, 59, 59)
DUE, OVERDUE, DISPUTE = "临期", "超期", "申诉"
CASE_LINK = "/case?event={event_id}"


def is_working_day(con, day: dt.date) -> bool:
    """Whether `day` is a working day on the official calendar (make-up working days are, holidays are not): the
    first working day after the day before it is the day itself."""
    return working_day_after(con, day - dt.timedelta(days=1), 1) == day


def calendar_official(con, day: dt.date) -> bool:
    """Whether the official schedule (or an override) covers the year of `day`; if not, working days are read
    provisionally as Mon–Fri, which a reminder run must say (SPEC §1)."""
    return any(year == day.year and covered
               for year, _official, _overrides, covered in con.execute(metric_sql("status_calendar_years")).fetchall())


def due_horizon(con, as_of: dt.datetime) -> dt.datetime:
    """The end of the next working day after the day of `as_of`: what falls due by then is 临期."""
    return dt.datetime.combine(working_day_after(con, as_of.date(), 1), END_OF_DAY)


def _response_due(row: dict, as_of: dt.datetime, horizon: dt.datetime) -> bool:
    """Not answered by `as_of`, and its response deadline still ahead and before `horizon`."""
    deadline = row.get("response_deadline")
    return row.get("responded_at") is None and deadline is not None and as_of < deadline <= horizon


def _case(row: dict, kind: str, deadline_kind: str = "办结") -> dict:
    """One assignment as an item: its closure deadline, or (deadline_kind 响应) its response deadline."""
    deadline = row["response_deadline"] if deadline_kind == "响应" else row["closure_deadline"]
    return {"kind": kind, "event_id": row["event_id"], "dept_id": row["dept_id"], "deadline": deadline,
            "deadline_kind": deadline_kind, "working_days_overdue": row["working_days_overdue"],
            "category": row.get("category"), "community_id": row.get("community_id"),
            "link": CASE_LINK.format(event_id=row["event_id"])}


def _due(row: dict, as_of: dt.datetime, horizon: dt.datetime) -> dict | None:
    """An open case in time as 临期 when its response (not yet given) or its closure falls due by `horizon`: the
    earlier of the two deadlines that does."""
    if row["status"] != "open_in_time":
        return None
    if _response_due(row, as_of, horizon):
        return _case(row, DUE, "响应")
    if row["closure_deadline"] <= horizon:
        return _case(row, DUE)
    return None


def _steps_until(d: dict, as_of: dt.datetime) -> list[dict]:
    return [s for s in d["steps"] if s["at"] <= as_of]


def department_disputes(dept_id: str, as_of: dt.datetime, *, url: str | None = None) -> list[dict]:
    """The department's disputes rejected at 初审 by `as_of`, not yet taken to 复核, whose 复核 window (the
    rejection's deadline) is still open then: the last day is the deadline."""
    out = []
    for d in dispute_records.list_disputes(dept_id=dept_id, url=url):
        steps = _steps_until(d, as_of)
        kinds = {s["step"]: s for s in steps}
        if dispute_records.state_of(steps) != "rejected" or "escalated" in kinds or "ruled" not in kinds:
            continue
        last = kinds["ruled"]["deadline"]
        if last is None or last < as_of:
            continue
        out.append(_dispute_item(d, last, "可申请复核"))
    return out


def _dispute_item(d: dict, deadline, action: str) -> dict:
    event = d.get("event_id")
    return {"kind": DISPUTE, "dispute_id": d.get("id", d.get("dispute_id")), "event_id": event,
            "dept_id": d["dept_id"], "deadline": deadline, "working_days_overdue": None, "ground": d["ground"],
            "action": action, "link": CASE_LINK.format(event_id=event) if event else None}


def self_check(con, dept_id: str, as_of: dt.datetime, *, url: str | None = None) -> dict:
    """A department's self-check lists at `as_of`: every open case (as the page's 在办事项), those whose response
    (not yet given) or closure falls due before the end of the next working day (临期, by the deadline that falls
    due), the overdue ones (超期, most working days overdue first) and the disputes that need its action (申诉)."""
    horizon = due_horizon(con, as_of)
    cases = whistle.department_open_cases(con, dept_id, as_of)
    open_rows = cases.sort("closure_deadline", "dispatched_at", "event_id").to_dicts()
    due = sorted((item for item in (_due(r, as_of, horizon) for r in open_rows) if item is not None),
                 key=lambda item: item["deadline"])    # stable: open_rows' order among equal deadlines
    overdue_rows = cases.filter(pl.col("status") == "open_overdue").sort(
        ["working_days_overdue", "closure_deadline", "event_id"], descending=[True, False, False]).to_dicts()
    return {"dept_id": dept_id, "as_of": as_of, "due_by": horizon,
            "open": [_case(r, OVERDUE if r["status"] == "open_overdue" else "在办") for r in open_rows],
            "due_soon": due, "overdue": [_case(r, OVERDUE) for r in overdue_rows],
            "disputes": department_disputes(dept_id, as_of, url=url)}


def digest_items(lists: dict) -> list[dict]:
    """A department's digest items: its 临期, then 超期, then 申诉 lists, as self_check gives them."""
    return [*lists["due_soon"], *lists["overdue"], *lists["disputes"]]


def waiting_for_ruling(as_of: dt.datetime, state: str, *, url: str | None = None) -> list[dict]:
    """The disputes waiting at `as_of` for the ruling of `state` (pending_first: 初审; pending_review: 复核), earliest
    ruling deadline first."""
    rows = [d for d in dispute_records.dispute_states_as_of(as_of, url=url) if d["state"] == state]
    rows.sort(key=lambda d: (d["ruling_deadline"] or dt.datetime.max, d["dispute_id"]))
    action = "待初审裁定" if state == "pending_first" else "待复核裁定"
    return [_dispute_item(d, d["ruling_deadline"], action) for d in rows]


def digests(con, as_of: dt.datetime, *, department: str | None = None, url: str | None = None) -> list[dict]:
    """Every recipient's digest at `as_of` — each department with something to act on, the assessment office and
    the committee — or only department `department`'s. A recipient with nothing to act on gets none."""
    names = dict(departments(con).select("dept_id", "dept_name").iter_rows())
    ids = [department] if department else sorted(names)
    out, totals = [], {DUE: 0, OVERDUE: 0, DISPUTE: 0}
    for dept_id in ids:
        lists = self_check(con, dept_id, as_of, url=url)
        items = digest_items(lists)
        totals[DUE] += len(lists["due_soon"])
        totals[OVERDUE] += len(lists["overdue"])
        totals[DISPUTE] += len(lists["disputes"])
        if items:
            out.append(_digest(f"department:{dept_id}", names.get(dept_id, dept_id), as_of, items))
    if department:
        return out
    first = waiting_for_ruling(as_of, "pending_first", url=url)
    if first:
        out.append(_digest("assessment", "考绩办", as_of, first))
    review = waiting_for_ruling(as_of, "pending_review", url=url)
    overdue_rulings = sum(1 for d in [*first, *review] if d["deadline"] is not None and d["deadline"] < as_of)
    summary = (f"全市临期 {totals[DUE]} 件、超期未办结 {totals[OVERDUE]} 件；申诉待初审 {len(first)} 件、"
               f"待复核 {len(review)} 件，其中逾期未裁定 {overdue_rulings} 件。")
    if review or totals[DUE] or totals[OVERDUE] or first:
        out.append({**_digest("committee", "基层治理委员会", as_of, review), "summary": summary})
    return out


def _digest(recipient: str, name: str, as_of: dt.datetime, items: list[dict]) -> dict:
    return {"recipient": recipient, "recipient_name": name, "as_of": as_of, "items": items, "summary": None}


def digest_sha256(digest: dict) -> str:
    """The digest's content as one SHA-256 (recipient, moment, items, summary), what the send log keeps."""
    body = json.dumps({k: digest[k] for k in ("recipient", "as_of", "items", "summary")}, default=str,
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
