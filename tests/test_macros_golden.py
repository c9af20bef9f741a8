"""Golden tests (SQLMesh style) of the big table macros: a few input rows per table written out here, ingested
into a fresh warehouse, then each macro called with bind parameters → the exact expected output rows.

- assignment_facts_as_of(as_of, date_from, date_to): the log facts of each assignment (SPEC §3)
- assignments_as_of(as_of, date_from, date_to, sla, use_stored): deadlines from the SLA struct, then status;
  after the last log row the stored facts (use_stored) must give the same rows as the live computation
- appeal_levels_as_of(as_of, date_from, date_to): the appeal trail at a cut-off (SPEC §6)

Calendar around National Day 2024 (官方调休): Fri 09-27 work, Sat 09-28 off, Sun 09-29 WORK (make-up),
Mon 09-30 work, 10-01..07 holiday, Tue 10-08 … Fri 10-11 work, Sat 10-12 WORK (make-up), Sun 10-13 off, Mon 10-14.
Default settings: response offsite 1 h / onsite 2 h; closure offsite WD(d, 2), onsite WD(d, 0), difficult WD(d, 5).
"""
import datetime as dt

import pytest

from govdash.figures import query, whistle
from govdash.figures.query import assignment_params
from tests.support.golden_city import BASE, golden_city

FILES = {
    **BASE,   # departments D1 执法局, D2 市监局, D3 住建局; communities C1 东社区 (J1), C2 西社区 (J2)
    # E1 offsite, dispatched on the make-up Sunday; E2 onsite, escalated while open; E3 difficult offsite,
    # dispatched on a Saturday off, returned by D3 and re-dispatched to D1, closed, escalated while the closure
    # stood (does not count), reopened (no dept: voids D1's closure), escalated (counts), closed again;
    # E4 onsite difficult and E5 offsite around the make-up Saturday 10-12; E6 onsite dispatched on a holiday,
    # rated without a department (rates D3, whose closure stands).
    "whistle_events.csv": """
        event_id,community_id,reported_at,handling_mode,is_difficult,category
        E1,C1,2024-09-29 09:50,offsite,false,市容
        E2,C2,2024-09-30 15:50,onsite,false,安全
        E3,C1,2024-09-28 08:50,offsite,true,物业
        E4,C2,2024-10-11 16:50,onsite,true,安全
        E5,C1,2024-10-12 08:50,offsite,false,市容
        E6,C2,2024-10-03 09:50,onsite,false,噪音
    """,
    "whistle_event_log.csv": """
        event_id,ts,action,dept_id,value
        E3,2024-09-28 09:00,dispatched,D3,
        E3,2024-09-28 09:30,accepted,D3,
        E3,2024-09-28 10:00,returned,D3,
        E3,2024-09-28 11:00,dispatched,D1,
        E3,2024-09-28 11:30,accepted,D1,
        E1,2024-09-29 10:00,dispatched,D1,
        E1,2024-09-29 10:30,accepted,D1,
        E2,2024-09-30 16:00,dispatched,D2,
        E2,2024-09-30 19:00,arrived,D2,
        E2,2024-09-30 20:00,escalated,,daily
        E6,2024-10-03 10:00,dispatched,D3,
        E6,2024-10-03 11:00,arrived,D3,
        E2,2024-10-08 09:00,closed,D2,
        E1,2024-10-08 15:00,closed,D1,
        E6,2024-10-08 18:00,closed,D3,
        E6,2024-10-09 09:00,rated,,basic
        E3,2024-10-09 10:00,closed,D1,
        E3,2024-10-09 12:00,escalated,,city
        E1,2024-10-09 14:00,rated,D1,satisfied
        E3,2024-10-09 15:00,reopened,,
        E3,2024-10-10 09:00,escalated,,weekly
        E3,2024-10-11 09:00,closed,D1,
        E4,2024-10-11 17:00,dispatched,D2,
        E4,2024-10-11 18:00,arrived,D2,
        E5,2024-10-12 09:00,dispatched,D1,
    """,
    # A1 climbs 1 → 2 → 3; A2 open at level 3; A3 raised after the first cut-off; A4 raised before October
    "appeals.csv": """
        appeal_id,community_id,raised_at,origin_level,category
        A1,C1,2024-10-08 09:00,1,物业
        A2,C2,2024-10-09 10:00,3,噪音
        A3,C1,2024-10-11 08:00,2,市容
        A4,C2,2024-09-30 09:00,1,物业
    """,
    "appeal_log.csv": """
        appeal_id,level,entered_at,exited_at,outcome
        A1,1,2024-10-08 09:00,2024-10-09 09:00,escalated
        A1,2,2024-10-09 09:00,2024-10-10 21:00,escalated
        A1,3,2024-10-10 21:00,2024-10-12 09:00,resolved
        A2,3,2024-10-09 10:00,,open
        A3,2,2024-10-11 08:00,2024-10-11 10:30,withdrawn
        A4,1,2024-09-30 09:00,2024-10-02 09:00,resolved
    """,
}

SEP, NOV = dt.datetime(2024, 9, 1), dt.datetime(2024, 11, 1)
OCT = dt.datetime(2024, 10, 1)
LATE = dt.datetime(2024, 10, 20)          # after the last log row (10-12 09:00): stored facts may be read
DEFAULT_SLA = {"offsite_response_hours": 1.0, "onsite_response_hours": 2.0, "offsite_closure_working_days": 2.0,
               "onsite_closure_working_days": 0.0, "difficult_closure_working_days": 5.0}


def T(s: str) -> dt.datetime:
    return dt.datetime.strptime(f"2024-{s}", "%Y-%m-%d %H:%M")


def D(s: str) -> dt.date:
    return dt.datetime.strptime(f"2024-{s}", "%Y-%m-%d").date()


@pytest.fixture(scope="module")
def cur(tmp_path_factory):
    d = tmp_path_factory.mktemp("golden")
    with golden_city(d / "src", d / "wh.duckdb", FILES) as c:
        yield c


# ---------------------------------------------------------------- assignment_facts_as_of

FACT_COLUMNS = ("event_id, dept_id, dispatched_at, accepted_at, arrived_at, responded_at, closed_at, is_returned, "
                "rating, escalations, escalation_level")


def facts(cur, as_of, date_from=SEP, date_to=NOV) -> list[tuple]:
    return cur.execute(f"select {FACT_COLUMNS} from assignment_facts_as_of($as_of, $date_from, $date_to) "
                       "order by event_id, dept_id, dispatched_at",
                       {"as_of": as_of, "date_from": date_from, "date_to": date_to}).fetchall()


def test_assignment_facts_after_the_last_log_row(cur):
    assert facts(cur, LATE) == [
        # event, dept, dispatched, accepted, arrived, responded, closed, returned, rating, escalations, level
        ("E1", "D1", T("09-29 10:00"), T("09-29 10:30"), None, T("09-29 10:30"), T("10-08 15:00"), False, "satisfied",
         0, None),
        ("E2", "D2", T("09-30 16:00"), None, T("09-30 19:00"), T("09-30 19:00"), T("10-08 09:00"), False, None, 1, 1),
        # the closure of 10-09 is voided by the reopen; the city escalation came while it stood, the weekly one after
        ("E3", "D1", T("09-28 11:00"), T("09-28 11:30"), None, T("09-28 11:30"), T("10-11 09:00"), False, None, 1, 2),
        # returned, then dispatched elsewhere: ended as returned, later escalations are not its own
        ("E3", "D3", T("09-28 09:00"), T("09-28 09:30"), None, T("09-28 09:30"), None, True, None, 0, None),
        ("E4", "D2", T("10-11 17:00"), None, T("10-11 18:00"), T("10-11 18:00"), None, False, None, 0, None),
        ("E5", "D1", T("10-12 09:00"), None, None, None, None, False, None, 0, None),
        # the rating names no department: it rates D3, whose closure stood
        ("E6", "D3", T("10-03 10:00"), None, T("10-03 11:00"), T("10-03 11:00"), T("10-08 18:00"), False, "basic", 0,
         None),
    ]


def test_assignment_facts_at_past_cutoffs(cur):
    # 10-09 13:00: E3's first closure stands (reopened at 15:00), the city escalation came while it stood;
    # E1 not rated yet; E4 and E5 not dispatched yet
    assert facts(cur, T("10-09 13:00")) == [
        ("E1", "D1", T("09-29 10:00"), T("09-29 10:30"), None, T("09-29 10:30"), T("10-08 15:00"), False, None, 0,
         None),
        ("E2", "D2", T("09-30 16:00"), None, T("09-30 19:00"), T("09-30 19:00"), T("10-08 09:00"), False, None, 1, 1),
        ("E3", "D1", T("09-28 11:00"), T("09-28 11:30"), None, T("09-28 11:30"), T("10-09 10:00"), False, None, 0,
         None),
        ("E3", "D3", T("09-28 09:00"), T("09-28 09:30"), None, T("09-28 09:30"), None, True, None, 0, None),
        ("E6", "D3", T("10-03 10:00"), None, T("10-03 11:00"), T("10-03 11:00"), T("10-08 18:00"), False, "basic", 0,
         None),
    ]
    # 10-10 12:00: E3 reopened (no standing closure) and escalated weekly while open
    e3 = [r for r in facts(cur, T("10-10 12:00")) if r[:2] == ("E3", "D1")]
    assert e3 == [("E3", "D1", T("09-28 11:00"), T("09-28 11:30"), None, T("09-28 11:30"), None, False, None, 1, 2)]
    # the period is by dispatch: October holds E4, E5 and E6 only
    assert [r[:2] for r in facts(cur, LATE, OCT, NOV)] == [("E4", "D2"), ("E5", "D1"), ("E6", "D3")]


# ---------------------------------------------------------------- assignments_as_of

ASSIGNMENT_COLUMNS = ("event_id, dept_id, handling_mode, is_difficult, dispatched_at, response_deadline, responded_at, "
                      "closure_working_days, closure_deadline_date, closure_deadline, closed_at, is_returned, rating, "
                      "escalations, escalation_level, calendar_provisional, status")


def assignments(cur, as_of, sla=None, use_stored=False) -> list[tuple]:
    return cur.execute(f"select {ASSIGNMENT_COLUMNS} from assignments_as_of($as_of, $date_from, $date_to, $sla, "
                       "$use_stored) order by event_id, dept_id, dispatched_at",
                       {"as_of": as_of, "date_from": SEP, "date_to": NOV, "sla": sla or DEFAULT_SLA,
                        "use_stored": use_stored}).fetchall()


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(23, 59, 59))


LATE_ROWS = [
    # dispatched on the make-up Sunday 09-29 (a working day): WD(09-29, 2) = 10-08 (09-30, then the holiday)
    ("E1", "D1", "offsite", False, T("09-29 10:00"), T("09-29 11:00"), T("09-29 10:30"), 2, D("10-08"), end_of("10-08"),
     T("10-08 15:00"), False, "satisfied", 0, None, False, "closed_on_time"),
    # onsite: due the same working day 09-30; arrived after the 2 h window, closed after the holiday
    ("E2", "D2", "onsite", False, T("09-30 16:00"), T("09-30 18:00"), T("09-30 19:00"), 0, D("09-30"), end_of("09-30"),
     T("10-08 09:00"), False, None, 1, 1, False, "closed_late"),
    # difficult, dispatched on Saturday 09-28 (off): WD(09-28, 5) = 09-29, 09-30, 10-08, 10-09, 10-10
    ("E3", "D1", "offsite", True, T("09-28 11:00"), T("09-28 12:00"), T("09-28 11:30"), 5, D("10-10"), end_of("10-10"),
     T("10-11 09:00"), False, None, 1, 2, False, "closed_late"),
    ("E3", "D3", "offsite", True, T("09-28 09:00"), T("09-28 10:00"), T("09-28 09:30"), 5, D("10-10"), end_of("10-10"),
     None, True, None, 0, None, False, "returned"),
    # difficult onsite from Fri 10-11: WD(10-11, 5) = 10-12 (make-up Saturday), 10-14, 10-15, 10-16, 10-17
    ("E4", "D2", "onsite", True, T("10-11 17:00"), T("10-11 19:00"), T("10-11 18:00"), 5, D("10-17"), end_of("10-17"),
     None, False, None, 0, None, False, "open_overdue"),
    # dispatched on the make-up Saturday 10-12: WD(10-12, 2) = 10-15 (Sunday 10-13 is off)
    ("E5", "D1", "offsite", False, T("10-12 09:00"), T("10-12 10:00"), None, 2, D("10-15"), end_of("10-15"),
     None, False, None, 0, None, False, "open_overdue"),
    # onsite dispatched on the holiday 10-03: WD(10-03, 0) = the next working day, 10-08
    ("E6", "D3", "onsite", False, T("10-03 10:00"), T("10-03 12:00"), T("10-03 11:00"), 0, D("10-08"), end_of("10-08"),
     T("10-08 18:00"), False, "basic", 0, None, False, "closed_on_time"),
]


def test_assignments_after_the_last_log_row_live_and_stored(cur):
    assert assignment_params(cur, LATE)["use_stored"] is True
    assert assignments(cur, LATE) == LATE_ROWS
    assert assignments(cur, LATE, use_stored=True) == LATE_ROWS


@pytest.mark.parametrize("use_stored", [False, True])
def test_assignments_at_past_cutoffs(cur, use_stored):
    """Hand-worked, all live and from the stored facts plus the live delta (the events with a log row after
    the cut-off): both must give these rows."""
    assert query.assignment_source(cur, T("10-10 12:00")) == "stored+live"
    # 10-10 12:00: E3 reopened, its deadline (end of 10-10) not passed yet; E4 and E5 not dispatched yet
    assert [(r[0], r[1], r[10], r[12], r[13], r[14], r[16]) for r in assignments(cur, T("10-10 12:00"),
                                                                                 use_stored=use_stored)] == [
        ("E1", "D1", T("10-08 15:00"), "satisfied", 0, None, "closed_on_time"),
        ("E2", "D2", T("10-08 09:00"), None, 1, 1, "closed_late"),
        ("E3", "D1", None, None, 1, 2, "open_in_time"),
        ("E3", "D3", None, None, 0, None, "returned"),
        ("E6", "D3", T("10-08 18:00"), "basic", 0, None, "closed_on_time"),
    ]
    # 10-11 00:00: E3's deadline has passed while it is open
    e3 = [r for r in assignments(cur, T("10-11 00:00"), use_stored=use_stored) if r[:2] == ("E3", "D1")]
    assert [(r[10], r[16]) for r in e3] == [(None, "open_overdue")]
    # 10-15 12:00: E4 and E5 open within their deadlines
    late_ones = [(r[0], r[16]) for r in assignments(cur, T("10-15 12:00"), use_stored=use_stored)
                 if r[0] in ("E4", "E5")]
    assert late_ones == [("E4", "open_in_time"), ("E5", "open_in_time")]


def test_assignments_follow_the_sla_parameter_in_both_paths(cur):
    sla = {**DEFAULT_SLA, "offsite_response_hours": 0.5, "offsite_closure_working_days": 1.0,
           "onsite_closure_working_days": 1.0, "difficult_closure_working_days": 3.0}
    expected = [
        # (event, dept, response deadline, closure working days, deadline date, status)
        ("E1", "D1", T("09-29 10:30"), 1, D("09-30"), "closed_late"),       # WD(09-29, 1) = 09-30
        ("E2", "D2", T("09-30 18:00"), 1, D("10-08"), "closed_on_time"),    # WD(09-30, 1) = 10-08
        ("E3", "D1", T("09-28 11:30"), 3, D("10-08"), "closed_late"),       # WD(09-28, 3) = 10-08
        ("E3", "D3", T("09-28 09:30"), 3, D("10-08"), "returned"),
        ("E4", "D2", T("10-11 19:00"), 3, D("10-15"), "open_overdue"),      # WD(10-11, 3) = 10-15
        ("E5", "D1", T("10-12 09:30"), 1, D("10-14"), "open_overdue"),      # WD(10-12, 1) = 10-14
        ("E6", "D3", T("10-03 12:00"), 1, D("10-08"), "closed_on_time"),    # WD(10-03, 1) = 10-08, as WD(10-03, 0)
    ]
    for use_stored in (False, True):
        got = [(r[0], r[1], r[5], r[7], r[8], r[16]) for r in assignments(cur, LATE, sla, use_stored)]
        assert got == expected, f"use_stored={use_stored}"
    # E1's response at 10:30 is exactly on the half-hour deadline: in time
    assert assignments(cur, LATE, sla)[0][6] <= assignments(cur, LATE, sla)[0][5]


# ---------------------------------------------------------------- appeal_levels_as_of

APPEAL_COLUMNS = ("appeal_id, community_id, community_name, jpc_id, category, raised_at, origin_level, level, "
                  "entered_at, exited_at, outcome, dwell_hours")


def appeal_levels(cur, as_of, date_from=OCT, date_to=NOV) -> list[tuple]:
    return cur.execute(f"select {APPEAL_COLUMNS} from appeal_levels_as_of($as_of, $date_from, $date_to) "
                       "order by appeal_id, level",
                       {"as_of": as_of, "date_from": date_from, "date_to": date_to}).fetchall()


def test_appeal_levels_at_a_cutoff_inside_the_trail(cur):
    # 10-10 12:00: A1's level 2 was left after the cut-off (still open), its level 3 not entered yet;
    # A3 raised after the cut-off; A4 raised before October
    assert appeal_levels(cur, T("10-10 12:00")) == [
        ("A1", "C1", "东社区", "J1", "物业", T("10-08 09:00"), 1, 1, T("10-08 09:00"), T("10-09 09:00"), "escalated",
         24.0),
        ("A1", "C1", "东社区", "J1", "物业", T("10-08 09:00"), 1, 2, T("10-09 09:00"), None, "open", None),
        ("A2", "C2", "西社区", "J2", "噪音", T("10-09 10:00"), 3, 3, T("10-09 10:00"), None, "open", None),
    ]


def test_appeal_levels_after_the_trail(cur):
    assert appeal_levels(cur, LATE) == [
        ("A1", "C1", "东社区", "J1", "物业", T("10-08 09:00"), 1, 1, T("10-08 09:00"), T("10-09 09:00"), "escalated",
         24.0),
        ("A1", "C1", "东社区", "J1", "物业", T("10-08 09:00"), 1, 2, T("10-09 09:00"), T("10-10 21:00"), "escalated",
         36.0),
        ("A1", "C1", "东社区", "J1", "物业", T("10-08 09:00"), 1, 3, T("10-10 21:00"), T("10-12 09:00"), "resolved",
         36.0),
        ("A2", "C2", "西社区", "J2", "噪音", T("10-09 10:00"), 3, 3, T("10-09 10:00"), None, "open", None),
        ("A3", "C1", "东社区", "J1", "市容", T("10-11 08:00"), 2, 2, T("10-11 08:00"), T("10-11 10:30"), "withdrawn",
         2.5),
    ]
    # September holds A4 only
    assert [r[:2] + r[7:] for r in appeal_levels(cur, LATE, SEP, OCT)] == [
        ("A4", "C2", 1, T("09-30 09:00"), T("10-02 09:00"), "resolved", 48.0)]


def test_use_stored_plans(cur):
    """The SQL text is the same either way; use_stored's value, known when the query is planned, shapes the plan:
    false computes everything from the log and never reads the stored facts; true reads the stored facts and
    finds the events with a log row after the cut-off in the small per-event table (the log is read for those)."""
    sql = "explain select * from assignments_as_of($as_of, $date_from, $date_to, $sla, $use_stored)"
    params = {"as_of": T("10-10 12:00"), "date_from": SEP, "date_to": NOV, "sla": DEFAULT_SLA}
    stored_plan = "\n".join(r[1] for r in cur.execute(sql, {**params, "use_stored": True}).fetchall())
    live_plan = "\n".join(r[1] for r in cur.execute(sql, {**params, "use_stored": False}).fetchall())
    assert "fct_assignment_facts" in stored_plan and "stg_whistle_event_log_ends" in stored_plan
    assert "stg_whistle_event_log" in live_plan and "fct_assignment_facts" not in live_plan
    assert "stg_whistle_event_log_ends" not in live_plan


# ---------------------------------------------------------------- working days overdue, and the filtered rates

def test_working_days_overdue_is_counted_once_in_the_macro(cur):
    """At Sunday 10-20: E4 is due Thursday 10-17 → one working day late (Friday 10-18); E5 is due Tuesday
    10-15 → three (10-16, 10-17, 10-18). Every other assignment has none. The bulletin's overdue list and the
    self-check read this one column."""
    params = {"as_of": LATE, "date_from": SEP, "date_to": NOV, "sla": DEFAULT_SLA, "use_stored": False}
    rows = cur.execute("select event_id, dept_id, status, working_days_overdue from "
                       "assignments_as_of($as_of, $date_from, $date_to, $sla, $use_stored) order by event_id, dept_id",
                       params).fetchall()
    assert rows == [("E1", "D1", "closed_on_time", None), ("E2", "D2", "closed_late", None),
                    ("E3", "D1", "closed_late", None), ("E3", "D3", "returned", None),
                    ("E4", "D2", "open_overdue", 1), ("E5", "D1", "open_overdue", 3),
                    ("E6", "D3", "closed_on_time", None)]
    overdue = whistle.overdue_table(cur, "2024-10", LATE)
    assert overdue.select("event_id", "working_days_overdue").rows() == [("E5", 3), ("E4", 1)]


def test_whistle_rates_by_month_with_filters(cur):
    """October's dispatches at 10-20: E6 (D3, onsite, 噪音: arrived in time, closed on time, rated 基本满意),
    E4 (D2, onsite: arrived in time, open overdue), E5 (D1, offsite: no response, open overdue)."""
    def rates(**filters):
        [row] = whistle.whistle_rates(cur, "2024-10", "2024-10", LATE, **filters).to_dicts()
        return (row["dispatched"], row["handled"], row["handled_in_time"], row["closed_on_time"], row["open_overdue"],
                row["handling_rate"], row["timely_handling_rate"], row["closure_rate"], row["on_time_closure_rate"],
                row["satisfaction_rate"])

    assert rates() == (3, 2, 2, 1, 2, 0.6667, 0.6667, 0.3333, 0.3333, 1.0)
    assert rates(handling_mode="onsite") == (2, 2, 2, 1, 1, 1.0, 1.0, 0.5, 0.5, 1.0)
    assert rates(dept_ids=("D1",)) == (1, 0, 0, 0, 1, 0.0, 0.0, 0.0, 0.0, None)
    assert rates(categories=("噪音",)) == (1, 1, 1, 1, 0, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert rates(community_ids=("C1",), is_difficult=False) == (1, 0, 0, 0, 1, 0.0, 0.0, 0.0, 0.0, None)
