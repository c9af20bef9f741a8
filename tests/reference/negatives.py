"""SPEC §5 — negative lists: §5.1 weekly negative reports, §5.2 the assessment negative list, §5.3 the
burden negative list."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from tests.reference.inputs import City
from tests.reference.rulings import ADMITTED, REQUIRED_BY_LAW, burden_rulings
from tests.reference.visits import month_weeks
from tests.reference.whistle import Whistles, ratio

ONE_DAY = dt.timedelta(days=1)


# ---------------------------------------------------------------- §5.1 weekly negative reports (5.5.2)

def line_items(line: dict) -> int:
    """§5.1: a line with a clause code and an empty count is one item; a report with no items is a valid
    "nothing this week" (0 items)."""
    if line["clause_code"] is None:
        return 0
    return 1 if line["count"] is None else line["count"]


def due_at(sunday: dt.date, settings: dict) -> dt.datetime:
    """§5.1: due (default) Monday 12:00 after the week ends: [negative_reports] due_weekday / due_time."""
    hh, mm = (int(x) for x in str(settings["due_time"]).split(":"))
    return dt.datetime.combine(sunday + int(settings["due_weekday"]) * ONE_DAY, dt.time(hh, mm))


def week_status(city: City, jpc: str, wid: str, sunday: dt.date, as_of: dt.datetime, settings: dict) -> str:
    """§5.1: on_time / late / missing per (JPC, week) as of a cut-off; a submission after the cut-off does not
    exist yet; a week not yet due is pending. Timeliness is the week's first submission."""
    subs = [r["submitted_at"] for r in city["negative_reports"]
            if r["jpc_id"] == jpc and r["week"] == wid and r["submitted_at"] <= as_of]
    due = due_at(sunday, settings)
    if subs:
        return "on_time" if min(subs) <= due else "late"
    return "missing" if as_of > due else "pending"


def report_lines(city: City, weeks: set[str], as_of: dt.datetime) -> list[dict]:
    """The lines for the given weeks submitted by the cut-off (a later submission, 补报, adds its lines)."""
    return [r for r in city["negative_reports"] if r["week"] in weeks and r["submitted_at"] <= as_of]


def negative_report_summary(city: City, month: str, as_of: dt.datetime, settings: dict) -> list[dict]:
    """§5.1 per JPC for the month's weeks: on_time / late / missing / pending, on-time rate, missing weeks,
    items by clause, rectified share."""
    weeks = month_weeks(month)
    out = []
    for jpc in city.jpc_ids():
        status = {wid: week_status(city, jpc, wid, sunday, as_of, settings) for wid, _m, sunday in weeks}
        counts = {s: sum(1 for v in status.values() if v == s) for s in ("on_time", "late", "missing", "pending")}
        lines = [r for r in report_lines(city, {w for w, _, _ in weeks}, as_of)
                 if r["jpc_id"] == jpc and r["clause_code"] is not None]
        by_clause: dict[str, int] = {}
        for r in lines:
            by_clause[r["clause_code"]] = by_clause.get(r["clause_code"], 0) + line_items(r)
        items = sum(line_items(r) for r in lines)
        rectified = sum(line_items(r) for r in lines if r["rectified"])
        due_weeks = len(weeks) - counts["pending"]
        out.append({
            "jpc_id": jpc, "weeks_required": len(weeks), **counts,
            "on_time_rate": ratio(counts["on_time"], due_weeks),
            "missing_weeks": sorted(w for w, s in status.items() if s == "missing"),
            "late_weeks": sorted(w for w, s in status.items() if s == "late"),
            "items": items, "rectified_items": rectified, "items_by_clause": by_clause,
            "rectified_share": ratio(rectified, items),
        })
    return out


# ---------------------------------------------------------------- §5.2 assessment negative list (4.1.1.1)

def handling_and_closure(w: Whistles, start: dt.datetime, end: dt.datetime) -> dict[str, dict]:
    """Per department over [start, end): dispatched, handling rate, closure rate (SPEC §3 definitions)."""
    out = {}
    for dept, c in w.department_counts(start, end).items():
        out[dept] = {"dispatched": c["dispatched"], "handling_rate": ratio(c["handled"], c["dispatched"]),
                     "closure_rate": ratio(c["closed_on_time"] + c["closed_late"], c["dispatched"])}
    return out


def assessment_negative_list(w: Whistles, start: dt.datetime, end: dt.datetime, threshold: float) -> list[dict]:
    """§5.2: departments whose handling or closure rate over the period is below the threshold (default 90%)."""
    out = []
    for dept, r in sorted(handling_and_closure(w, start, end).items()):
        below = [k for k in ("handling_rate", "closure_rate") if r[k] is not None and r[k] < Fraction(str(threshold))]
        if below:
            out.append({"dept_id": dept, **r, "below": below})
    return out


# ---------------------------------------------------------------- §5.3 burden negative list (002 §三; 003; 001 §四)

def on_list(item: str | None, city: City, list_id: str) -> bool:
    """An item is on a reference list by its id or by its exact name."""
    if item is None:
        return False
    return any(r["list_id"] == list_id and item in (r["item_id"], r["item_name"]) for r in city["reference_items"])


def task_flags(task: dict, city: City, approvals=(), as_of: dt.datetime | None = None) -> dict:
    """§5.3: work pushed onto communities (to_level ≤ 3, SPEC §6 levels) not on the admission list (Appendix B),
    or a certificate demanded outside the certificate list (Appendix C). §9.4: as of a cut-off, an approved 已准入
    clears the off-list task, an approved 依法出具 the off-list certificate (READINGS "burden_rulings")."""
    onto = task["to_level"] <= 3
    grounds = burden_rulings(approvals, as_of).get(task["task_id"], set()) if as_of is not None else set()
    return {
        "onto_community": onto,
        "task_off_list": onto and not on_list(task["admission_item"], city, "admission") and ADMITTED not in grounds,
        "certificate_off_list": task["certificate_item"] is not None and not on_list(task["certificate_item"], city,
                                                                                     "certificate")
                                and REQUIRED_BY_LAW not in grounds,
    }


def burden_negative_list(city: City, month_start: dt.datetime, month_end: dt.datetime, approvals=(),
                         as_of: dt.datetime | None = None) -> list[dict]:
    """§5.3 per department: off-list tasks and certificates in the month and in the year to date (§9.4: as of the
    cut-off, after the approved disputes ruled by it)."""
    year_start = month_start.replace(month=1)
    per: dict[str, dict] = {}
    for t in city["tasks"]:
        if not (year_start <= t["issued_at"] < month_end):
            continue
        f = task_flags(t, city, approvals, as_of)
        in_month = t["issued_at"] >= month_start
        p = per.setdefault(t["dept_id"], {"tasks_off_list": 0, "certificates_off_list": 0, "tasks_onto_communities": 0,
                                          "tasks_off_list_ytd": 0, "certificates_off_list_ytd": 0})
        p["tasks_off_list"] += in_month and f["task_off_list"]
        p["certificates_off_list"] += in_month and f["certificate_off_list"]
        p["tasks_onto_communities"] += in_month and f["onto_community"]
        p["tasks_off_list_ytd"] += f["task_off_list"]
        p["certificates_off_list_ytd"] += f["certificate_off_list"]
    rows = [{"dept_id": d, **p} for d, p in per.items() if p["tasks_off_list_ytd"] + p["certificates_off_list_ytd"] > 0]
    rows.sort(key=lambda r: (-(r["tasks_off_list"] + r["certificates_off_list"]),
                             -(r["tasks_off_list_ytd"] + r["certificates_off_list_ytd"]), r["dept_id"]))
    return rows


def negative_report_totals(rows: list[dict]) -> dict:
    """§5.1 for the whole city, from the per-JPC rows: weeks and items summed, the rates of the sums, and the
    clause with most items (ties: the first in Appendix E order)."""
    t = {f: sum(r[f] for r in rows) for f in ("weeks_required", "on_time", "late", "missing", "pending", "items",
                                              "rectified_items")}
    by_clause: dict[str, int] = {}
    for r in rows:
        for code, n in r["items_by_clause"].items():
            by_clause[code] = by_clause.get(code, 0) + n
    order = sorted(by_clause, key=lambda code: (-by_clause[code], [int(p) for p in code[2:].split(".")]))
    due = t["weeks_required"] - t["pending"]
    return {"jpcs": len(rows), **t, "weeks_due": due, "on_time_rate": ratio(t["on_time"], due),
            "rectified_share": ratio(t["rectified_items"], t["items"]),
            "top_clause_code": order[0] if order else None, "top_clause_items": by_clause[order[0]] if order else None}
