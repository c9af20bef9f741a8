"""The reference implementation (tests/reference/) against the product on small cities.

1. Hand-worked cases: the reference's own figures checked by hand against SPEC §3 (these must pass: they
   check the reference), each also compared with the product.
2. Random cities (hypothesis): a few departments and events around the 2024 National Day holiday (make-up
   working days Sun 2024-09-29 and Sat 2024-10-12; 10-01..07 off), sometimes a calendar override; logs of
   dispatches, returns, re-dispatches to the same and other departments, accepts, arrivals, closures, reopens
   and ratings with and without dept_id, escalations; a random cut-off (often exactly a log row's time). Each
   city is written as CSV files, ingested by the product, and the bulletin's department figures (department
   rows, ranks, city totals, overdue list) are compared with the reference's for its months.

3. An assessment worked by hand (amended SPEC §7), checked on the reference and compared with the product.

Every mismatch of every case is collected and printed with the case's log; the comparison tests fail while
there is any. They are expected to fail until the product implements the amended SPEC §3 and §7 rules.
Known disagreements today (cases named as in CASES):
- "re-dispatch to an open department", "withdrawn return" and most random cities: the product starts a new
  assignment at a dispatch to a department holding an open one (amended §3; the product is wrong);
- "escalation between closure and reopen": the product counts the escalation (amended §3; product wrong);
- "rating reaches the current assignment only": one rating counted for two assignments (§3 "one rating is
  never counted twice"; product wrong);
- "reopen reaches the current assignment only", "rating without department, then reopen": SPEC leaves these
  open; the reference's readings (tests/reference READINGS rows_of_a_department, rating_without_department);
- the assessment: the product sums the year's burden and 同奖同罚 deductions (SPEC default: mean of the
  quarters), averages a rating from a JPC no longer bound to the department, counts a weekly-report line
  submitted after the cut-off, and rounds visit compliance, the rating and the points before the score.
"""
from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.reference.bulletin import Reference
from tests.reference.compare import Comparison, compare_departments
from tests.support.paths import REPO

SETTINGS = REPO / "config" / "settings.toml"
DEPTS = ("D1", "D2", "D3")
T = dt.datetime.fromisoformat


def write_city(folder: Path, events: list[tuple], log: list[tuple], overrides: list[tuple] = ()) -> None:
    """A small city's canonical CSV files. events: (event_id, reported_at, mode, difficult);
    log: (event_id, ts, action, dept_id or None, value or None), written in this order."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "departments.csv": "dept_id,dept_name\n" + "".join(f"{d},部门{d}\n" for d in DEPTS),
        "communities.csv": "community_id,community_name,jpc_id\nC1,江湾社区,J1\n",
        "whistle_events.csv": "event_id,community_id,reported_at,handling_mode,is_difficult\n" + "".join(
            f"{e},C1,{at:%Y-%m-%d %H:%M:%S},{mode},{'true' if difficult else 'false'}\n" for e, at, mode,
            difficult in events),
        "whistle_event_log.csv": "event_id,ts,action,dept_id,value\n" + "".join(
            f"{e},{ts:%Y-%m-%d %H:%M:%S},{action},{dept or ''},{value or ''}\n" for e, ts, action, dept, value in log),
    }
    if overrides:
        files["calendar_overrides.csv"] = "date,is_workday,note\n" + "".join(
            f"{d:%Y-%m-%d},{'true' if w else 'false'},测试\n" for d, w in overrides)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def product_bulletins(folder: Path, months: list[str], as_of: dt.datetime, approvals=()) -> list[dict]:
    from govdash.figures import exemptions
    from govdash.figures.bulletin import bulletin
    from pipelines.ingest import ingest
    from warehouse.db import connect_read, read_cursor

    db = folder / "wh.duckdb"
    result = ingest([folder / n for n in sorted(p.name for p in folder.glob("*.csv"))], db_path=db)
    assert result.exit_code in (0, 2), result.as_dict()
    con = connect_read(db)
    try:
        cur = read_cursor(con)
        with exemptions.applied(cur, list(approvals)):
            return [bulletin(cur, m, as_of) for m in months]
    finally:
        con.close()


def compare_city(c: Comparison, label: str, folder: Path, months: list[str], as_of: dt.datetime,
                 approvals=()) -> int:
    """Compare one city's bulletin department figures (with the approved disputes `approvals`, SPEC §9.4);
    returns the number of new mismatches."""
    before = len(c.mismatches)
    reference = Reference(folder, SETTINGS, list(approvals))
    for product in product_bulletins(folder, months, as_of, approvals):
        c.period, c.as_of = f"{label} {product['month']}", product["as_of"]
        compare_departments(c, product, reference.bulletin(product["month"], as_of))
    return len(c.mismatches) - before


# ---------------------------------------------------------------- hand-worked cases (SPEC §3)

E = ("E1", T("2024-10-08 08:50"), "offsite", False)
CASES = {
    # §3 amended: a dispatch to a department that holds an open assignment starts none; D2's return is ended
    # by that dispatch to another department (D1)
    "re-dispatch to an open department": ([E], [
        ("E1", T("2024-10-08 09:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 09:10"), "dispatched", "D2", None),
        ("E1", T("2024-10-08 09:20"), "accepted", "D1", None),
        ("E1", T("2024-10-08 10:00"), "returned", "D2", None),
        ("E1", T("2024-10-08 10:30"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 11:00"), "closed", "D1", None),
        ("E1", T("2024-10-08 12:00"), "rated", "D1", "satisfied"),
    ], {"D1": {"dispatched": 1, "handled": 1, "closed_on_time": 1, "open_overdue": 0, "returned": 0,
               "satisfaction_rate": 1},
        "D2": {"dispatched": 0, "returned": 1}}),
    # §3 amended: a return withdrawn by a dispatch to the same (open) department; a later dispatch elsewhere
    # does not end it
    "withdrawn return": ([E], [
        ("E1", T("2024-10-08 09:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 09:30"), "returned", "D1", None),
        ("E1", T("2024-10-08 10:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 10:30"), "dispatched", "D2", None),
        ("E1", T("2024-10-08 11:00"), "accepted", "D1", None),
        ("E1", T("2024-10-08 11:10"), "accepted", "D2", None),
    ], {"D1": {"dispatched": 1, "handled": 1, "returned": 0, "open_overdue": 1},
        "D2": {"dispatched": 1, "handled": 1, "open_overdue": 1}}),
    # §3 amended: an escalation between a closure and the reopen that voids it does not count
    "escalation between closure and reopen": ([("E1", T("2024-10-09 08:50"), "onsite", False)], [
        ("E1", T("2024-10-09 09:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-09 09:30"), "arrived", "D1", None),
        ("E1", T("2024-10-09 10:00"), "closed", "D1", None),
        ("E1", T("2024-10-09 11:00"), "escalated", None, "daily"),
        ("E1", T("2024-10-09 12:00"), "reopened", None, None),
        ("E1", T("2024-10-09 15:00"), "closed", "D1", None),
    ], {"D1": {"dispatched": 1, "escalated": 0, "closed_on_time": 1}}),
    # §3: an escalation while open counts (for every open assignment of the event)
    "escalation while open": ([E], [
        ("E1", T("2024-10-08 09:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 09:05"), "dispatched", "D2", None),
        ("E1", T("2024-10-08 09:30"), "closed", "D2", None),
        ("E1", T("2024-10-08 11:00"), "escalated", None, "weekly"),
    ], {"D1": {"dispatched": 1, "escalated": 1, "handled": 0, "open_overdue": 1},
        "D2": {"dispatched": 1, "escalated": 0, "closed_on_time": 1}}),
    # "one rating is never counted twice": a rating naming D1 rates its current assignment only
    "rating reaches the current assignment only": ([E], [
        ("E1", T("2024-10-08 09:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 09:10"), "accepted", "D1", None),
        ("E1", T("2024-10-08 10:00"), "closed", "D1", None),
        ("E1", T("2024-10-08 10:30"), "rated", "D1", "satisfied"),
        ("E1", T("2024-10-08 11:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 11:05"), "accepted", "D1", None),
        ("E1", T("2024-10-08 12:00"), "rated", "D1", "unsatisfied"),
        ("E1", T("2024-10-08 13:00"), "closed", "D1", None),
    ], {"D1": {"dispatched": 2, "closed_on_time": 2, "satisfaction_rate": 0.5}}),
    # reading: a reopen naming D1 reaches its current assignment only (never two open assignments of a pair)
    "reopen reaches the current assignment only": ([E], [
        ("E1", T("2024-10-08 09:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 09:10"), "accepted", "D1", None),
        ("E1", T("2024-10-08 10:00"), "closed", "D1", None),
        ("E1", T("2024-10-08 11:00"), "dispatched", "D1", None),
        ("E1", T("2024-10-08 11:05"), "accepted", "D1", None),
        ("E1", T("2024-10-08 12:00"), "reopened", "D1", None),
        ("E1", T("2024-10-08 13:00"), "closed", "D1", None),
    ], {"D1": {"dispatched": 2, "closed_on_time": 2, "open_overdue": 0}}),
    # reading: a rating without dept_id rates the departments closed at that moment; a later reopen voids the
    # closure, not the rating
    "rating without department, then reopen": ([E], [
        ("E1", T("2024-10-08 09:00"), "dispatched", "D2", None),
        ("E1", T("2024-10-08 09:10"), "accepted", "D2", None),
        ("E1", T("2024-10-08 10:00"), "closed", "D2", None),
        ("E1", T("2024-10-08 11:00"), "rated", None, "basic"),
        ("E1", T("2024-10-08 12:00"), "reopened", "D2", None),
    ], {"D2": {"dispatched": 1, "open_overdue": 1, "satisfaction_rate": 1}}),
    # §3 deadlines across National Day: WD(Mon 09-30, 2) = 10-09; WD(10-01, 5) = Sat 10-12 (make-up);
    # WD(Sun 09-29, 0) = 09-29 (make-up): closed the next day is late
    "deadlines across National Day": ([("E1", T("2024-09-30 09:50"), "offsite", False),
                                       ("E2", T("2024-10-01 08:50"), "offsite", True),
                                       ("E3", T("2024-09-29 08:50"), "onsite", False)], [
        ("E3", T("2024-09-29 09:00"), "dispatched", "D3", None),
        ("E3", T("2024-09-29 12:00"), "arrived", "D3", None),
        ("E1", T("2024-09-30 10:00"), "dispatched", "D3", None),
        ("E1", T("2024-09-30 10:30"), "accepted", "D3", None),
        ("E3", T("2024-09-30 10:00"), "closed", "D3", None),
        ("E2", T("2024-10-01 09:00"), "dispatched", "D3", None),
        ("E2", T("2024-10-01 09:30"), "accepted", "D3", None),
        ("E1", T("2024-10-09 23:59:59"), "closed", "D3", None),
        ("E2", T("2024-10-12 18:00"), "closed", "D3", None),
    ], {"D3": {"dispatched": 3, "closed_on_time": 2, "closed_late": 1, "timely_handling_rate": 1}}),
}
CASE_CUTOFF = T("2024-10-31 18:00")
CASE_MONTHS = ["2024-09", "2024-10"]


@pytest.mark.parametrize("name", list(CASES))
def test_reference_by_hand(name, tmp_path):
    """The reference's figures, worked by hand from SPEC §3 (the figures not named are not asserted)."""
    events, log, expected = CASES[name]
    write_city(tmp_path, events, log)
    reference = Reference(tmp_path, SETTINGS)
    got: dict[str, dict] = {}
    for month in CASE_MONTHS:
        for row in reference.bulletin(month, CASE_CUTOFF)["departments"]:
            g = got.setdefault(row["dept_id"], {})
            for k, v in row.items():
                if k in ("dispatched", "handled", "closed_on_time", "closed_late", "open_overdue", "returned",
                         "escalated"):
                    g[k] = g.get(k, 0) + v
                elif k.endswith("_rate") and v is not None:
                    g[k] = v
    for dept, figures in expected.items():
        assert {k: got[dept].get(k) for k in figures} == figures, (name, dept)


def test_hand_cases_against_product(tmp_path):
    c = Comparison()
    printed = []
    for i, (name, (events, log, _)) in enumerate(CASES.items()):
        folder = tmp_path / f"case{i}"
        write_city(folder, events, log)
        if compare_city(c, f"case {i + 1}", folder, CASE_MONTHS, CASE_CUTOFF):
            printed.append(f"case {i + 1} “{name}”: " + " | ".join(f"{ts:%m-%d %H:%M} {a} {d or '-'} {v or ''}".strip()
                                                           for _e, ts, a, d, v in log))
    print()
    print("\n".join(printed))
    print(c.report(f"hand-worked cases ({len(CASES)})"))
    assert not c.mismatches, f"{len(c.mismatches)} of {c.compared} figures differ from the reference (printed above)"


# ---------------------------------------------------------------- an assessment worked by hand (SPEC §7, amended)

ASSESSMENT_CITY = {
    "departments.csv": "dept_id,dept_name\nD1,甲局\nD2,乙局\n",
    "communities.csv": "community_id,community_name,jpc_id\nC1,东社区,J1\nC2,西社区,J2\n",
    # J1–D1 all year; J2–D1 until 06-30; J1–D2 from 07-01
    "bindings.csv": "jpc_id,role,dept_id,leader_name,valid_from,valid_to\n"
                    "J1,department,D1,,2024-01-01,\nJ2,department,D1,,2024-01-01,2024-06-30\n"
                    "J1,department,D2,,2024-07-01,\nJ1,leader,,张市长,2024-01-01,\n",
    # the August row of J2 → D1 comes from a JPC no longer bound to D1: it must not count (§7)
    "ratings.csv": "period,jpc_id,dept_id,score\n2024-07,J1,D1,80\n2024-08,J2,D1,40\n2024-07,J1,D2,90\n2024,J1,D1,70\n",
    "tasks.csv": "task_id,issued_at,dept_id,from_level,to_level,community_id,admission_item,certificate_item\n"
                 "T1,2024-02-01 09:00,D1,5,3,C1,B01,\nT2,2024-08-05 09:00,D1,5,3,C1,,\n"
                 "T3,2024-11-04 09:00,D2,4,3,C1,B02,无犯罪记录证明\n",
    "negative_reports.csv": "report_id,jpc_id,week,submitted_at,clause_code,count,description,rectified\n"
                            "R1,J1,2024-W03,2024-01-22 10:00,E.2.1,,一项,false\n"
                            "R2,J1,2024-W32,2024-08-12 10:00,E.1.1,2,两项,true\n"
                            # submitted after the cut-off: it does not exist yet at 2025-01-31 (§5.1)
                            "R3,J1,2024-W51,2025-02-10 10:00,E.2.2,1,补报,false\n",
    "visits.csv": "visit_id,visit_date,dept_id,jpc_id\nV1,2024-08-06,D1,J1\nV2,2024-08-14,D1,J1\nV3,2024-08-07,D2,J1\n",
    "whistle_events.csv": "event_id,community_id,reported_at,handling_mode,is_difficult\n"
                          "E1,C1,2024-08-06 08:50,offsite,false\nE2,C1,2024-08-07 08:50,onsite,false\n",
    "whistle_event_log.csv": "event_id,ts,action,dept_id,value\n"
                             "E1,2024-08-06 09:00,dispatched,D1,\nE1,2024-08-06 09:30,accepted,D1,\n"
                             "E1,2024-08-07 10:00,closed,D1,\nE1,2024-08-07 12:00,rated,D1,satisfied\n"
                             "E2,2024-08-07 09:00,dispatched,D2,\nE2,2024-08-07 09:30,arrived,D2,\n"
                             "E2,2024-08-07 17:00,closed,D2,\n",
}
ASSESSMENT_CUTOFF = T("2025-01-31 00:00")


def _assessment_city(folder: Path) -> Reference:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ASSESSMENT_CITY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return Reference(folder, SETTINGS)


def _reference_assessment(ref: Reference, quarter: int | None) -> dict:
    from tests.reference.assessment import assessment

    scoring = tomllib.loads((REPO / "config" / "scoring.toml").read_text(encoding="utf-8"))
    return assessment(ref.city, ref.whistles(ASSESSMENT_CUTOFF), 2024, quarter, scoring, ref.exempt_weeks)


def test_reference_assessment_by_hand(tmp_path):
    from fractions import Fraction as F

    ref = _assessment_city(tmp_path)
    q3, year = _reference_assessment(ref, 3), _reference_assessment(ref, None)
    d1 = q3["D1"]
    # only the bound JPC's July rating counts; Q3 weeks W27–W39: W32 and W33 covered of 13
    assert d1["components"]["two_way_rating"]["actual"] == 80
    assert d1["components"]["visit_compliance"]["actual"] == F(2, 13)
    # Q3: a burden month (August, T2: empty admission item) 1.0; J1's W32 items 2 × 1 × 0.1
    assert {k: v["points"] for k, v in d1["deductions"].items()} == {"burden_negative_list": 1,
                                                                     "shared_negative": F(1, 5)}
    # all components: 30 + 20 + 15 + 20 · 2/13 + 15 · 80/90, nothing rounded before the final score
    gross = 30 + 20 + 15 + F(40, 13) + F(40, 3)
    assert d1["gross_points"] == gross and d1["score"] == gross - F(6, 5)
    assert d1["final_score"] == F(round((gross - F(6, 5)) * 100), 100)
    # the year: ratings July (80) and the yearly row (70); burden and 同奖同罚 = the mean of the quarters:
    # burden (0 + 0 + 1 + 0) / 4, shared (W03 1 item + W32 2 items) × 0.1 / 4
    y1 = year["D1"]
    assert y1["components"]["two_way_rating"]["actual"] == 75
    assert {k: v["points"] for k, v in y1["deductions"].items()} == {"burden_negative_list": F(1, 4),
                                                                     "shared_negative": F(3, 40)}
    assert y1["deductions"]["shared_negative"]["sources"] == ["R1 E.2.1", "R2 E.1.1"]
    # D2: bound to J1 from July: W32's 2 items in Q3; a certificate off the list in November (Q4)
    assert {k: v["points"] for k, v in year["D2"]["deductions"].items()} == {"burden_negative_list": F(1, 4),
                                                                             "shared_negative": F(1, 20)}
    # Q4: the W51 line was submitted after the cut-off, so no 同奖同罚 yet; D2's certificate costs 1
    q4 = _reference_assessment(ref, 4)
    assert q4["D1"]["deductions"] == {}
    assert {k: v["points"] for k, v in q4["D2"]["deductions"].items()} == {"burden_negative_list": 1}


def test_assessment_hand_case_against_product(tmp_path):
    from govdash.core.scoring import parse_scoring
    from govdash.figures.assessment import assessment
    from pipelines.ingest import ingest
    from tests.reference.compare import compare_assessment
    from warehouse.db import connect_read, read_cursor

    ref = _assessment_city(tmp_path)
    result = ingest([tmp_path / n for n in ASSESSMENT_CITY], db_path=tmp_path / "wh.duckdb")
    assert result.exit_code in (0, 2), result.as_dict()
    text = (REPO / "config" / "scoring.toml").read_text(encoding="utf-8")
    c = Comparison()
    con = connect_read(tmp_path / "wh.duckdb")
    try:
        for quarter in (3, 4, None):
            got = assessment(read_cursor(con), 2024, quarter, ASSESSMENT_CUTOFF, parse_scoring(text))
            c.at("§7 assessment", f"2024 {'Q%d' % quarter if quarter else 'year'}", f"{ASSESSMENT_CUTOFF}")
            compare_assessment(c, got, _reference_assessment(ref, quarter), tomllib.loads(text)["components"])
    finally:
        con.close()
    print()
    print(c.report("an assessment worked by hand"))
    assert not c.mismatches, f"{len(c.mismatches)} of {c.compared} figures differ from the reference (printed above)"


# ---------------------------------------------------------------- random cities (hypothesis)

DAYS = [dt.date(2024, 9, 26) + dt.timedelta(days=i) for i in range(19)]   # Thu 09-26 .. Sun 10-14
CUTOFFS = [T("2024-09-29 23:59:59"), T("2024-09-30 12:00"), T("2024-10-08 00:00"), T("2024-10-09 17:30"),
           T("2024-10-13 00:00"), T("2024-10-20 00:00"), T("2024-12-31 00:00")]
ACTIONS = (["dispatched"] * 4 + ["accepted"] * 2 + ["arrived"] * 2 + ["returned"] * 2 + ["closed"] * 3
           + ["reopened"] * 2 + ["rated"] * 2 + ["escalated"])
MONTHS = ["2024-09", "2024-10", "2024-11"]
ASSIGNMENT_GROUNDS = ("派错部门", "重复件", "无效诉求", "客观原因延期", "误评")


@st.composite
def cities(draw):
    events, logs = [], []
    for i in range(draw(st.integers(1, 4))):
        event_id = f"E{i + 1}"
        reported = dt.datetime.combine(draw(st.sampled_from(DAYS)), dt.time()) + dt.timedelta(
            minutes=draw(st.integers(0, 24 * 60 - 1)))
        events.append((event_id, reported, draw(st.sampled_from(["onsite", "offsite"])), draw(st.booleans())))
        t = reported + dt.timedelta(minutes=draw(st.integers(0, 90)))
        rows = [(event_id, t, "dispatched", draw(st.sampled_from(DEPTS)), None)]
        for _ in range(draw(st.integers(0, 10))):
            t += dt.timedelta(minutes=draw(st.one_of(st.just(0), st.integers(1, 180), st.integers(180, 6 * 24 * 60))))
            action = draw(st.sampled_from(ACTIONS))
            if action in ("reopened", "rated"):
                dept = draw(st.one_of(st.none(), st.sampled_from(DEPTS)))
            elif action == "escalated":
                dept = None
            else:
                dept = draw(st.sampled_from(DEPTS))
            value = (draw(st.sampled_from(["satisfied", "basic", "unsatisfied"])) if action == "rated"
                     else draw(st.sampled_from(["daily", "weekly", "city"])) if action == "escalated" else None)
            rows.append((event_id, t, action, dept, value))
        logs.append(rows)
    # the file holds every event's rows in time order (a stable sort keeps each event's own order for ties)
    log = sorted((r for rows in logs for r in rows), key=lambda r: r[1])
    overrides = draw(st.one_of(st.just([]), st.lists(st.tuples(st.sampled_from(DAYS), st.booleans()),
                                                     min_size=1, max_size=2, unique_by=lambda x: x[0])))
    as_of = draw(st.one_of(st.sampled_from(CUTOFFS), st.sampled_from([r[1] for r in log])))
    # SPEC §9.4: approvals naming some dispatches (one that started no assignment names none: no effect), ruled
    # before or after the cut-off
    approvals = []
    for event_id, ts, action, dept, _ in log:
        if action == "dispatched" and draw(st.integers(0, 2)) == 0:
            ground = draw(st.sampled_from(ASSIGNMENT_GROUNDS))
            approvals.append({"dispute_id": len(approvals) + 1, "item_kind": "assignment", "event_id": event_id,
                              "dept_id": dept, "assigned_at": ts, "rating_period": None, "jpc_id": None,
                              "task_id": None, "ground": ground,
                              "days_granted": draw(st.integers(1, 3)) if ground == "客观原因延期" else None,
                              "ruled_at": ts + dt.timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))})
    return events, log, overrides, as_of, approvals


FOUND: list[str] = []


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate], database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(city=cities())
def _random_city(c: Comparison, city):
    events, log, overrides, as_of, approvals = city
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_city(folder, events, log, overrides)
        if compare_city(c, f"city {len(FOUND) + 1}", folder, MONTHS, as_of, approvals):
            FOUND.append(
                f"city {len(FOUND) + 1}: as_of {as_of:%Y-%m-%d %H:%M:%S}; overrides "
                f"{[(f'{d:%m-%d}', w) for d, w in overrides]}; events "
                f"{[(e, f'{at:%m-%d %H:%M}', m, 'difficult' if d else '') for e, at, m, d in events]}\n    log: "
                + " | ".join(f"{e} {ts:%m-%d %H:%M:%S} {a} {dd or '-'} {v or ''}".strip() for e, ts, a, dd, v in log)
                + "\n    approvals: " + " | ".join(f"{a['event_id']} {a['dept_id']} {a['assigned_at']:%m-%d %H:%M:%S} "
                                                   f"{a['ground']} {a['days_granted'] or ''} ruled "
                                                   f"{a['ruled_at']:%m-%d %H:%M}" for a in approvals))


def test_random_cities_against_product():
    """25 random cities (no shrinking: every mismatch of every city is collected and printed instead)."""
    c = Comparison()
    FOUND.clear()
    _random_city(c)
    print()
    print("\n".join(FOUND))
    print(c.report("random cities (25)"))
    assert c.compared > 0
    assert not c.mismatches, (f"{len(c.mismatches)} of {c.compared} figures differ from the reference in "
                              f"{len(FOUND)} of 25 random cities (printed above)")
