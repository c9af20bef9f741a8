"""SPEC §3 — whistle events, "社区吹哨、部门报到" (Longgang 4.1).

The event log is replayed row by row, in time order, up to the cut-off; each event keeps its
assignments (one per (event, department) dispatch that starts one) and their state. Figures are then
counted per department and month over the cohort (non-returned assignments dispatched in the month).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from tests.reference.inputs import City
from tests.reference.rulings import assignment_rulings
from tests.reference.workdays import WorkingDays

ONE_DAY = dt.timedelta(days=1)
RATE_FIELDS = ("handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate")
COUNT_FIELDS = ("dispatched", "handled", "handled_in_time", "closed_on_time", "closed_late", "open_overdue",
                "open_in_time", "satisfied", "rated", "returned", "escalated", "exempted")


@dataclass
class Assignment:
    """§3: one (event, department) pair started by a `dispatched` row."""
    event_id: str
    dept_id: str
    community_id: str
    handling_mode: str
    is_difficult: bool
    dispatched_at: dt.datetime
    accepted_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None      # the standing closure: last `closed` not followed by a `reopened`
    return_pending: bool = False              # `returned`, not yet followed by a dispatch elsewhere
    ended_returned: bool = False              # `returned` followed by a dispatch to another department
    rating: str | None = None                 # the latest rating
    escalations: int = 0                      # escalations while open

    def is_open(self) -> bool:
        """§3: dispatched, not ended as returned, and with no standing closure."""
        return not self.ended_returned and self.closed_at is None

    @property
    def responded_at(self) -> dt.datetime | None:
        """§3 table: the response is `accepted` if offsite, `arrived` if onsite."""
        return self.arrived_at if self.handling_mode == "onsite" else self.accepted_at


def replay_event(event: dict, rows: list[dict]) -> list[Assignment]:
    """All assignments of one event from its log rows (already cut at as_of, in time order)."""
    assignments: list[Assignment] = []
    # department → its current (latest) assignment of this event. A department's own rows (accepted, arrived,
    # returned, closed, and reopened/rated naming it) apply to its current assignment only (READINGS
    # "rows_of_a_department": one pair never has two open assignments, one rating is never counted twice)
    current: dict[str, Assignment] = {}

    for row in rows:
        action, dept = row["action"], row["dept_id"]
        if action == "dispatched":
            # §3: `returned` followed by a `dispatched` of the same event to another department ends the
            # first assignment as returned
            for a in assignments:
                if a.return_pending and a.dept_id != dept:
                    a.return_pending = False
                    a.ended_returned = True
            held = current.get(dept)
            if held is not None and held.is_open():
                # §3 (amended): a dispatch to a department that already holds an open assignment starts none;
                # the open one keeps its dispatch time and deadlines, and a pending return of it is withdrawn
                held.return_pending = False
            else:
                a = Assignment(event["event_id"], dept, event["community_id"], event["handling_mode"],
                               bool(event["is_difficult"]), row["ts"])
                assignments.append(a)
                current[dept] = a
        elif action in ("accepted", "arrived"):
            a = current.get(dept) if dept else None
            if a is not None:
                if action == "accepted" and a.accepted_at is None:
                    a.accepted_at = row["ts"]
                if action == "arrived" and a.arrived_at is None:
                    a.arrived_at = row["ts"]
        elif action == "returned":
            # §3: 退回 by the department; it ends the assignment only when a dispatch elsewhere follows
            a = current.get(dept) if dept else None
            if a is not None and not a.ended_returned:
                a.return_pending = True
        elif action == "closed":
            a = current.get(dept) if dept else None
            if a is not None:
                a.closed_at = row["ts"]   # §3: the closure is the last `closed` not followed by a `reopened`
        elif action == "reopened":
            # §3: `reopened` voids the closure before it; without dept_id, the standing closure of every
            # department of that event
            if dept:
                targets = [current[dept]] if dept in current else []
            else:
                targets = list(current.values())
            for a in targets:
                a.closed_at = None
        elif action == "rated":
            # §3: a `rated` row rates the department it names; without dept_id it rates every department
            # whose assignment of that event is closed. An assignment's rating is its latest one.
            if dept:
                targets = [current[dept]] if dept in current else []
            else:
                targets = [a for a in current.values() if a.closed_at is not None]
            for a in targets:
                a.rating = row["value"]
        elif action == "escalated":
            # §3 (amended): counts for every assignment of that event still open at that moment; a closure a
            # later `reopened` voids still stood at that moment
            for a in assignments:
                if a.is_open():
                    a.escalations += 1
    return assignments


class Whistles:
    """The city's assignments as of one cut-off, classified (§3)."""

    def __init__(self, city: City, calendar: WorkingDays, whistle_settings: dict, as_of: dt.datetime,
                 approvals: list[dict] | tuple = ()):
        self.city, self.calendar, self.s, self.as_of = city, calendar, whistle_settings, as_of
        # §9.4: the approved disputes (every figure of this cut-off reads those ruled by it)
        self.approvals = list(approvals)
        self.rulings = assignment_rulings(self.approvals, as_of)
        events = {e["event_id"]: e for e in city["whistle_events"]}
        # §3: "log rows after it are ignored"; rows in time order, same timestamp in file order
        rows_by_event: dict[str, list[dict]] = {}
        for r in sorted(city["whistle_event_log"], key=lambda r: (r["ts"], r["_row"])):
            if r["ts"] <= as_of and r["event_id"] in events:
                rows_by_event.setdefault(r["event_id"], []).append(r)
        self.assignments: list[Assignment] = []
        for event_id, rows in rows_by_event.items():
            self.assignments.extend(replay_event(events[event_id], rows))
        self.facts = [self.classify(a) for a in self.assignments]

    # ---- deadlines (§3 table, 4.1.2 c)
    def closure_working_days(self, a: Assignment) -> int:
        if a.is_difficult:
            return int(self.s["difficult_closure_working_days"])
        if a.handling_mode == "onsite":
            return int(self.s["onsite_closure_working_days"])
        return int(self.s["offsite_closure_working_days"])

    def response_deadline(self, a: Assignment) -> dt.datetime:
        """§3: offsite accepted ≤ t + 1 h, onsite arrived ≤ t + 2 h; wall-clock hours (default)."""
        hours = self.s["onsite_response_hours"] if a.handling_mode == "onsite" else self.s["offsite_response_hours"]
        return a.dispatched_at + dt.timedelta(hours=float(hours))

    def classify(self, a: Assignment) -> dict:
        """§3: closed_on_time (closed ≤ deadline), closed_late, open_overdue (deadline < as_of), open_in_time;
        the deadline is the end of day WD(d, n)."""
        deadline_day = self.calendar.wd(a.dispatched_at.date(), self.closure_working_days(a))
        ruling = self.rulings.get((a.event_id, a.dept_id, a.dispatched_at),
                                  {"exempted": False, "extension": 0, "misrated": False})
        if ruling["extension"]:
            # §9.4 客观原因延期: the closure deadline moves by the working days granted (READINGS "extension")
            deadline_day = self.calendar.wd(deadline_day, ruling["extension"])
        deadline_end = dt.datetime.combine(deadline_day + ONE_DAY, dt.time())  # the day's end
        if a.ended_returned:
            status = "returned"
        elif ruling["exempted"]:
            status = "exempted"   # §9.4 核减: out of the cohort, not returned, not overdue
        elif a.closed_at is not None:
            status = "closed_on_time" if a.closed_at < deadline_end else "closed_late"
        elif deadline_end <= self.as_of:
            status = "open_overdue"
        else:
            status = "open_in_time"
        responded = a.responded_at
        response_deadline = self.response_deadline(a)
        return {
            "a": a, "status": status, "deadline_day": deadline_day, "response_deadline": response_deadline,
            # §9.4 误评: the rating is removed, no earlier one takes its place
            "rating": None if ruling["misrated"] else a.rating,
            "responded": responded is not None,
            "responded_in_time": responded is not None and responded <= response_deadline,
            "provisional": not (self.calendar.year_covered(a.dispatched_at.year)
                                and self.calendar.year_covered(deadline_day.year)),
        }

    def in_period(self, start: dt.datetime, end: dt.datetime) -> list[dict]:
        """Assignments dispatched in [start, end) (returned ones included)."""
        return [f for f in self.facts if start <= f["a"].dispatched_at < end]

    # ---- the bulletin's figures per department (§3 table)
    def department_counts(self, start: dt.datetime, end: dt.datetime) -> dict[str, dict]:
        out = {d["dept_id"]: dict.fromkeys(COUNT_FIELDS, 0) for d in self.city["departments"]}
        for f in self.in_period(start, end):
            a, c = f["a"], out.setdefault(f["a"].dept_id, dict.fromkeys(COUNT_FIELDS, 0))
            if f["status"] == "returned":
                c["returned"] += 1      # 退单数: leaves the denominators
                continue
            if f["status"] == "exempted":
                c["exempted"] += 1      # 核减 (§9.4): leaves the denominators too, not counted as returned
                continue
            c["dispatched"] += 1
            c["handled"] += f["responded"]
            c["handled_in_time"] += f["responded_in_time"]
            c[f["status"]] += 1
            if f["rating"] is not None:
                c["rated"] += 1
                c["satisfied"] += f["rating"] in ("satisfied", "basic")
            c["escalated"] += a.escalations > 0
        return out


def ratio(num: int, den: int) -> Fraction | None:
    """§3: a rate with an empty denominator is null."""
    return None if den == 0 else Fraction(num, den)


def rates(c: dict) -> dict:
    """§3 table: the five rates from the counts."""
    return {
        "handling_rate": ratio(c["handled"], c["dispatched"]),
        "timely_handling_rate": ratio(c["handled_in_time"], c["dispatched"]),
        "closure_rate": ratio(c["closed_on_time"] + c["closed_late"], c["dispatched"]),
        "on_time_closure_rate": ratio(c["closed_on_time"], c["dispatched"] - c["open_in_time"]),
        "satisfaction_rate": ratio(c["satisfied"], c["rated"]),
    }


def rank_key(row: dict) -> tuple:
    """§3 ranking: on_time_closure_rate, then closure_rate, then dispatched, all descending, nulls last."""
    def desc_nulls_last(v):
        return (0, 0) if v is None else (1, v)
    return (desc_nulls_last(row["on_time_closure_rate"]), desc_nulls_last(row["closure_rate"]), row["dispatched"])


def department_rows(w: Whistles, month_start: dt.datetime, month_end: dt.datetime) -> list[dict]:
    """§3: one row per department for the month, ranked: equal keys share the better rank, the next is skipped."""
    names = {d["dept_id"]: d["dept_name"] for d in w.city["departments"]}
    rows = []
    for dept_id, c in w.department_counts(month_start, month_end).items():
        rows.append({"dept_id": dept_id, "dept_name": names.get(dept_id), **c, **rates(c)})
    for r in rows:
        r["rank"] = 1 + sum(1 for o in rows if rank_key(o) > rank_key(r))
    rows.sort(key=lambda r: (r["rank"], r["dept_id"]))
    return rows


def city_totals(rows: list[dict]) -> dict:
    """The whole city: the department counts summed, the rates from the sums (same definitions)."""
    t = {k: sum(r[k] for r in rows) for k in COUNT_FIELDS}
    t.update(rates(t))
    return t


def overdue_list(w: Whistles, month_start: dt.datetime, month_end: dt.datetime) -> list[dict]:
    """Open assignments past their closure deadline at the cut-off, with working days overdue."""
    out = []
    for f in w.in_period(month_start, month_end):
        if f["status"] != "open_overdue":
            continue
        a = f["a"]
        out.append({"event_id": a.event_id, "dept_id": a.dept_id, "community_id": a.community_id,
                    "deadline": dt.datetime.combine(f["deadline_day"], dt.time(23, 59,
                                                                               59)).strftime("%Y-%m-%d %H:%M:%S"),
                    "working_days_overdue": w.calendar.working_days_after(f["deadline_day"], w.as_of.date())})
    out.sort(key=lambda o: (-o["working_days_overdue"], o["deadline"], o["event_id"], o["dept_id"]))
    return out
