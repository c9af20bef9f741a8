"""Approved disputes (申诉核减, SPEC §9.4) acting on the figures, hand-worked on a tiny city at three cut-offs.

Calendar: March 2024 has no holiday; Mon 03-04 … Fri 03-08, Mon 03-11. Default settings: offsite 1 h / WD(d, 2), so
every event here, dispatched to D1 on Mon 03-04 09:00, is due at the end of Wed 03-06.

- E1 sent to the wrong department (派错部门, approved 03-08 10:00), accepted, never closed;
- E2 a duplicate (重复件, approved 03-08 10:00), accepted, never closed;
- E3 closed Fri 03-08 15:00, two working days late; 3 days of 客观原因延期 asked, 2 granted on 03-12 10:00: the
  deadline moves to WD(03-06, 2) = Fri 03-08, so it is closed on time — from 03-12 on;
- E4 closed 03-05, rated unsatisfied; 误评 approved 03-08 10:00: unrated, nothing takes its place;
- E5 closed 03-05, rated satisfied: no dispute (rated again in April: a log row after every cut-off, so E5's facts
  are computed live from the log and the others read from the stored facts);
- tasks: T1 to a community with an admission item not on Appendix B (off-list), proven admitted (已准入, approved
  03-08 10:00); T2 demands a certificate not on Appendix C (off-list), not disputed;
- two-way ratings of D1 for 2024-03: J1 60, J2 90; J1's row 误评, approved 03-08 10:00.

Cut-offs: A = 03-08 00:00 (no ruling yet), B = 03-11 00:00 (the rulings of 03-08; the extension of 03-12 is ruled
after B, so it does not count yet), C = 03-20 00:00 (all).
"""
import datetime as dt

import pytest

from govdash.figures import bulletin as monthly_bulletin
from govdash.figures import exemptions, negative_lists, query, whistle
from govdash.figures.assessment import component_actuals, deduction_records
from tests.support.golden_city import BASE, golden_city

A, B, C = dt.datetime(2024, 3, 8), dt.datetime(2024, 3, 11), dt.datetime(2024, 3, 20)
MAR, APR = dt.datetime(2024, 3, 1), dt.datetime(2024, 4, 1)
RULED, RULED_LATER = dt.datetime(2024, 3, 8, 10), dt.datetime(2024, 3, 12, 10)
DISPATCHED = dt.datetime(2024, 3, 4, 9)

CITY = {
    **BASE,
    "whistle_events.csv": """
        event_id,community_id,reported_at,handling_mode,is_difficult,one_thing_item
        E1,C1,2024-03-04 08:50,offsite,false,
        E2,C1,2024-03-04 08:50,offsite,false,
        E3,C1,2024-03-04 08:50,offsite,false,
        E4,C1,2024-03-04 08:50,offsite,false,
        E5,C1,2024-03-04 08:50,offsite,false,
    """,
    "whistle_event_log.csv": """
        event_id,ts,action,dept_id,value
        E1,2024-03-04 09:00,dispatched,D1,
        E1,2024-03-04 09:30,accepted,D1,
        E2,2024-03-04 09:00,dispatched,D1,
        E2,2024-03-04 09:20,accepted,D1,
        E3,2024-03-04 09:00,dispatched,D1,
        E3,2024-03-04 09:10,accepted,D1,
        E3,2024-03-08 15:00,closed,D1,
        E4,2024-03-04 09:00,dispatched,D1,
        E4,2024-03-04 09:10,accepted,D1,
        E4,2024-03-05 10:00,closed,D1,
        E4,2024-03-05 12:00,rated,D1,unsatisfied
        E5,2024-03-04 09:00,dispatched,D1,
        E5,2024-03-04 09:10,accepted,D1,
        E5,2024-03-05 10:00,closed,D1,
        E5,2024-03-05 12:00,rated,D1,satisfied
        E5,2024-04-20 12:00,rated,D1,satisfied
    """,
    "tasks.csv": """
        task_id,issued_at,dept_id,from_level,to_level,community_id,admission_item,certificate_item
        T1,2024-03-05 09:00,D1,5,3,C1,便民服务站值守,
        T2,2024-03-06 09:00,D1,5,3,C1,B01,无犯罪记录证明
    """,
    "bindings.csv": """
        jpc_id,role,dept_id,leader_name,valid_from,valid_to
        J1,department,D1,,2024-01-01,
        J2,department,D1,,2024-01-01,
    """,
    "ratings.csv": """
        period,jpc_id,dept_id,score
        2024-03,J1,D1,60
        2024-03,J2,D1,90
    """,
}


def approval(dispute_id: int, item_kind: str, ground: str, ruled_at: dt.datetime, **item) -> dict:
    """An approval in the records' shape (govdash.records.disputes.approved_as_of)."""
    return {"dispute_id": dispute_id, "item_kind": item_kind, "event_id": None, "dept_id": "D1", "assigned_at": None,
            "rating_period": None, "jpc_id": None, "task_id": None, "ground": ground, "days_granted": None,
            "ruled_at": ruled_at, **item}


APPROVALS = [
    approval(1, "assignment", "派错部门", RULED, event_id="E1", assigned_at=DISPATCHED),
    approval(2, "assignment", "重复件", RULED, event_id="E2", assigned_at=DISPATCHED),
    approval(3, "assignment", "客观原因延期", RULED_LATER, event_id="E3", assigned_at=DISPATCHED, days_granted=2),
    approval(4, "assignment", "误评", RULED, event_id="E4", assigned_at=DISPATCHED),
    approval(5, "burden", "已准入", RULED, task_id="T1"),
    approval(6, "rating", "误评", RULED, rating_period="2024-03", jpc_id="J1"),
]


@pytest.fixture(scope="module")
def cur(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exemptions")
    with golden_city(tmp / "src", tmp / "wh.duckdb", CITY) as cursor, exemptions.applied(cursor, APPROVALS):
        yield cursor


def statuses(cur, as_of: dt.datetime) -> list[tuple]:
    """(event, status, closure deadline day, rating) of every March assignment; the stored facts plus the live delta
    and the all-live computation give the same rows with the approvals applied on top of either."""
    rows = whistle.assignments(cur, MAR, APR, as_of).sort("event_id")
    got = [(r["event_id"], r["status"], r["closure_deadline_date"].strftime("%m-%d"), r["rating"])
           for r in rows.iter_rows(named=True)]
    sql_params = {"as_of": as_of, "date_from": MAR, "date_to": APR, "sla": query.assignment_params(cur, as_of)["sla"]}
    live = whistle.fetch_frame(cur, whistle.metric_sql("assignments"), {**sql_params, "use_stored": False})
    assert sorted(live.select("event_id", "status", "rating").rows()) == [(e, s, r) for e, s, _, r in got]
    return got


def d1(cur, as_of: dt.datetime) -> dict:
    rows = whistle.department_table(cur, "2024-03", as_of).iter_rows(named=True)
    return next(r for r in rows if r["dept_id"] == "D1")


def test_before_any_ruling_every_judgment_stands(cur):
    # A = 03-08 00:00: the deadline day 03-06 has ended, so E1, E2 and E3 (not closed yet) are overdue
    assert statuses(cur, A) == [
        ("E1", "open_overdue", "03-06", None),
        ("E2", "open_overdue", "03-06", None),
        ("E3", "open_overdue", "03-06", None),
        ("E4", "closed_on_time", "03-06", "unsatisfied"),
        ("E5", "closed_on_time", "03-06", "satisfied"),
    ]
    d = d1(cur, A)
    # 5 dispatched, 2 closed on time of 5 due, 1 satisfied of 2 rated
    assert (d["dispatched"], d["exempted"], d["returned"], d["closed_on_time"], d["open_overdue"]) == (5, 0, 0, 2, 3)
    assert (d["on_time_closure_rate"], d["satisfaction_rate"]) == (0.4, 0.5)
    # overdue 2 working days each (03-07, 03-08)
    overdue = whistle.overdue_table(cur, "2024-03", A)
    assert overdue.select("event_id", "working_days_overdue").rows() == [("E1", 2), ("E2", 2), ("E3", 2)]


def test_rulings_made_by_the_cut_off_count_and_a_later_one_does_not(cur):
    # B = 03-11 00:00: E1 (派错部门) and E2 (重复件) are 核减, not returned; E4's rating is removed; E3 is closed
    # late, its extension ruled 03-12 (after B) not counting yet
    assert statuses(cur, B) == [
        ("E1", "exempted", "03-06", None),
        ("E2", "exempted", "03-06", None),
        ("E3", "closed_late", "03-06", None),
        ("E4", "closed_on_time", "03-06", None),
        ("E5", "closed_on_time", "03-06", "satisfied"),
    ]
    d = d1(cur, B)
    # cohort 3 (E3, E4, E5): closed on time 2 of 3, closed 3 of 3; rated 1 (E5, satisfied)
    assert (d["dispatched"], d["exempted"], d["returned"], d["closed_on_time"], d["closed_late"],
            d["open_overdue"], d["rated"], d["satisfied"]) == (3, 2, 0, 2, 1, 0, 1, 1)
    assert (d["on_time_closure_rate"], d["closure_rate"], d["satisfaction_rate"]) == (0.6667, 1.0, 1.0)
    # nothing is overdue any more: E1 and E2 left the list, E3 is closed
    assert whistle.overdue_table(cur, "2024-03", B).height == 0
    assert whistle.department_open_cases(cur, "D1", A)["event_id"].to_list() == ["E1", "E2", "E3"]
    assert whistle.department_open_cases(cur, "D1", B).height == 0
    # the case page shows the assignment as 核减
    assert whistle.event_assignments(cur, "E1", B)["status"].to_list() == ["exempted"]


def test_an_extension_ruled_later_counts_at_a_later_cut_off(cur):
    # C = 03-20: E3's deadline moved 2 working days, 03-06 → 03-08 (Thu 07, Fri 08): closed 03-08 15:00 on time.
    # The response deadline does not move (09:00 + 1 h, E3 accepted 09:10: in time either way)
    assert statuses(cur, C)[2] == ("E3", "closed_on_time", "03-08", None)
    d = d1(cur, C)
    assert (d["dispatched"], d["closed_on_time"], d["closed_late"], d["on_time_closure_rate"]) == (3, 3, 0, 1.0)
    rows = whistle.assignments(cur, MAR, APR, C).filter(whistle.pl.col("event_id") == "E3")
    assert rows["response_deadline"].to_list() == [dt.datetime(2024, 3, 4, 10)]


def test_the_stored_facts_keep_the_log_and_the_rulings_stay_out_of_them(cur):
    # rulings are records applied at the query's cut-off: the stored facts still hold E4's rating and E1 as dispatched
    stored = cur.execute("select event_id, rating, is_returned from fct_assignment_facts order by event_id").fetchall()
    assert stored[0] == ("E1", None, False) and stored[3] == ("E4", "unsatisfied", False)


def test_the_bulletin_and_the_year_to_date_follow_the_rulings(cur):
    at_a = monthly_bulletin.bulletin(cur, "2024-03", A)
    at_b = monthly_bulletin.bulletin(cur, "2024-03", B)
    assert [o["event_id"] for o in at_a["overdue"]] == ["E1", "E2", "E3"] and at_b["overdue"] == []
    assert (at_a["city"]["dispatched"], at_b["city"]["dispatched"]) == (5, 3)
    # the year to date (assessment negative list): handled 3 of 3 and closed 3 of 3 at B, above 90%
    ytd = whistle.year_to_date_departments(cur, "2024-03", B).filter(whistle.pl.col("dept_id") == "D1")
    assert ytd.select("dispatched", "handled", "closed").row(0) == (3, 3, 3)
    # burden list: T1 (off-list task) proven admitted at B, T2's certificate stays
    burden = {r["dept_id"]: r for r in at_a["burden_negative_list"]}["D1"]
    assert (burden["tasks_off_list"], burden["certificates_off_list"]) == (1, 1)
    burden = {r["dept_id"]: r for r in at_b["burden_negative_list"]}["D1"]
    assert (burden["tasks_off_list"], burden["certificates_off_list"]) == (0, 1)


def test_burden_records_and_deductions_follow_the_rulings(cur):
    assert negative_lists.burden_records(cur, "D1", MAR, APR, A)["task_id"].to_list() == ["T1", "T2"]
    assert negative_lists.burden_records(cur, "D1", MAR, APR, B)["task_id"].to_list() == ["T2"]
    # still one burden entry for March (T2's certificate), its source now T2 alone
    records = deduction_records(cur, 2024, 1, B).filter(whistle.pl.col("kind") == "burden_negative_list")
    assert records.select("dept_id", "source", "units").rows() == [("D1", "T2", 1)]
    assert deduction_records(cur, 2024, 1, A).filter(whistle.pl.col("kind") == "burden_negative_list")[
        "source"].to_list() == ["T1、T2"]


def test_a_misrated_two_way_rating_row_is_removed(cur):
    # (60 + 90) / 2 = 75 before the ruling; J1's row removed: 90
    def rating(as_of):
        a = component_actuals(cur, 2024, 1, as_of)
        return a.filter(whistle.pl.col("dept_id") == "D1")["two_way_rating"].to_list()

    assert rating(A) == [75.0]
    assert rating(B) == [90.0]
