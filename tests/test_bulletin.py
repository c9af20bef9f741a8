"""Whistle figures, hand-worked from SPEC §3 across the 2024 National Day holiday.

Calendar: 2024-09-29 (Sun) and 2024-10-12 (Sat) are make-up working days; 10-01..07 are off.
Default settings: offsite 1 h / WD(d,2); onsite 2 h / WD(d,0); difficult WD(d,5).
"""
import datetime as dt

import pytest

from govdash.figures.bulletin import bulletin
from govdash.figures.whistle import assignments
from tests.support.golden_city import golden_city
from warehouse.db import connect_read, read_cursor

EVENTS = """event_id,community_id,reported_at,handling_mode,is_difficult,one_thing_item
E1,C1,2024-09-30 09:50,offsite,false,
E2,C1,2024-09-29 08:50,onsite,false,
E3,C1,2024-10-01 08:50,offsite,true,
E4,C1,2024-10-08 08:50,offsite,false,A05
E5,C1,2024-10-09 09:50,onsite,false,
E6,C1,2024-10-30 14:50,offsite,false,
E7,C1,2024-10-15 08:50,offsite,false,
E8,C1,2024-09-27 08:50,offsite,false,
E9,C1,2024-09-26 08:50,onsite,false,
"""
LOG = """event_id,ts,action,dept_id,value
E1,2024-09-30 10:00,dispatched,D1,
E1,2024-09-30 10:30,accepted,D1,
E1,2024-10-09 16:00,closed,D1,
E1,2024-10-09 18:00,rated,D1,satisfied
E2,2024-09-29 09:00,dispatched,D1,
E2,2024-09-29 12:00,arrived,D1,
E2,2024-09-30 10:00,closed,D1,
E3,2024-10-01 09:00,dispatched,D2,
E3,2024-10-01 09:30,accepted,D2,
E3,2024-10-05 10:00,escalated,,daily
E3,2024-10-12 18:00,closed,D2,
E4,2024-10-08 09:00,dispatched,D1,
E4,2024-10-08 09:00,dispatched,D2,
E4,2024-10-08 09:20,accepted,D1,
E4,2024-10-08 11:00,accepted,D2,
E4,2024-10-09 15:00,closed,D1,
E4,2024-10-10 08:00,closed,D2,
E4,2024-10-10 09:00,reopened,,
E4,2024-10-11 10:00,closed,D1,
E4,2024-10-11 12:00,rated,,basic
E5,2024-10-09 10:00,dispatched,D2,
E5,2024-10-09 11:00,returned,D2,
E5,2024-10-09 12:00,dispatched,D1,
E5,2024-10-09 13:00,arrived,D1,
E5,2024-10-09 17:00,closed,D1,
E5,2024-10-09 18:00,rated,D1,unsatisfied
E6,2024-10-30 15:00,dispatched,D1,
E7,2024-10-15 09:00,dispatched,D2,
E7,2024-10-15 09:30,accepted,D2,
E7,2024-10-31 20:00,closed,D2,
E8,2024-09-27 09:00,dispatched,D2,
E8,2024-09-27 09:10,accepted,D2,
E8,2024-09-27 10:00,closed,D2,
E9,2024-09-26 09:00,dispatched,D2,
E9,2024-09-26 09:30,arrived,D2,
E9,2024-09-27 09:00,closed,D2,
"""
AS_OF = "2024-10-31 18:00:00"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    d = tmp_path_factory.mktemp("hand")
    files = {
        "departments.csv": "dept_id,dept_name\nD1,公安局\nD2,执法局\nD3,市监局\n",
        "communities.csv": "community_id,community_name,jpc_id\nC1,江湾社区,J1\n",
        "whistle_events.csv": EVENTS,
        "whistle_event_log.csv": LOG,
    }
    with golden_city(d / "src", d / "wh.duckdb", files) as cur:
        yield cur


def row(b, dept):
    return next(r for r in b["departments"] if r["dept_id"] == dept)


def test_assignment_deadlines_and_classes_across_national_day(con):
    a = assignments(con, dt.datetime(2024, 9, 1), dt.datetime(2024, 11, 1), dt.datetime(2024, 10, 31, 18))
    got = {(r["event_id"], r["dept_id"]): (r["closure_deadline_date"], r["status"]) for r in a.iter_rows(named=True)}
    assert got == {
        ("E1", "D1"): (dt.date(2024, 10, 9), "closed_on_time"),   # WD(09-30, 2) skips 10-01..07
        ("E2", "D1"): (dt.date(2024, 9, 29), "closed_late"),      # Sunday make-up day is WD(d, 0) itself
        ("E3", "D2"): (dt.date(2024, 10, 12), "closed_on_time"),  # difficult: 5th working day is Saturday 10-12
        ("E4", "D1"): (dt.date(2024, 10, 10), "closed_late"),     # reopened, closed again on 10-11
        ("E4", "D2"): (dt.date(2024, 10, 10), "open_overdue"),    # its closure voided by the reopen
        ("E5", "D2"): (dt.date(2024, 10, 9), "returned"),
        ("E5", "D1"): (dt.date(2024, 10, 9), "closed_on_time"),
        ("E6", "D1"): (dt.date(2024, 11, 1), "open_in_time"),     # never answered, not yet due
        ("E7", "D2"): (dt.date(2024, 10, 17), "open_overdue"),    # closed after the cutoff: ignored
        ("E8", "D2"): (dt.date(2024, 9, 30), "closed_on_time"),   # WD(Fri 09-27, 2): Sun 09-29 (make-up), Mon 09-30
        ("E9", "D2"): (dt.date(2024, 9, 26), "closed_late"),
    }


def test_october_bulletin_by_hand(con):
    b = bulletin(con, "2024-10", AS_OF)
    assert b["as_of"] == AS_OF and b["settings"]["whistle"]["offsite_response_hours"] == 1
    d1, d2, d3 = row(b, "D1"), row(b, "D2"), row(b, "D3")
    # D1: E4 (late), E5 (on time, after D2 returned it), E6 (open, in time)
    assert d1 == {"dept_id": "D1", "dept_name": "公安局", "dispatched": 3, "handled": 2, "handling_rate": 0.6667,
                  "timely_handling_rate": 0.6667, "closed_on_time": 1, "closed_late": 1, "open_overdue": 0,
                  "open_in_time": 1, "closure_rate": 0.6667, "on_time_closure_rate": 0.5,
                  "satisfaction_rate": 0.5, "returned": 0, "escalated": 0, "rank": 1}
    # D2: E3 (on time on the make-up Saturday), E4 (overdue), E7 (overdue); E5 returned
    assert d2 == {"dept_id": "D2", "dept_name": "执法局", "dispatched": 3, "handled": 3, "handling_rate": 1.0,
                  "timely_handling_rate": 0.6667, "closed_on_time": 1, "closed_late": 0, "open_overdue": 2,
                  "open_in_time": 0, "closure_rate": 0.3333, "on_time_closure_rate": 0.3333,
                  "satisfaction_rate": None, "returned": 1, "escalated": 1, "rank": 2}
    # D3: nothing dispatched: counts 0, every rate null, ranked last
    assert d3["dispatched"] == 0 and d3["rank"] == 3
    assert all(d3[k] is None for k in ("handling_rate", "timely_handling_rate", "closure_rate",
                                       "on_time_closure_rate", "satisfaction_rate"))
    city = b["city"]
    assert (city["dispatched"], city["handled"], city["closed_on_time"], city["closed_late"],
            city["open_overdue"], city["open_in_time"]) == (6, 5, 2, 1, 2, 1)
    assert (city["handling_rate"], city["timely_handling_rate"], city["closure_rate"],
            city["on_time_closure_rate"], city["satisfaction_rate"]) == (0.8333, 0.6667, 0.5, 0.4, 0.5)
    # overdue working days from the deadline to the cutoff date (make-up Saturday 10-12 counts)
    assert b["overdue"] == [
        {"event_id": "E4", "dept_id": "D2", "community_id": "C1", "deadline": "2024-10-10 23:59:59",
         "working_days_overdue": 16},
        {"event_id": "E7", "dept_id": "D2", "community_id": "C1", "deadline": "2024-10-17 23:59:59",
         "working_days_overdue": 10},
    ]


def test_a_later_cutoff_sees_later_rows_and_a_past_cutoff_never_changes(con):
    later = bulletin(con, "2024-10", "2024-11-05 09:00:00")
    d1, d2 = row(later, "D1"), row(later, "D2")
    assert (d1["open_in_time"], d1["open_overdue"]) == (0, 1)        # E6 is now past 11-01
    assert (d2["closed_late"], d2["open_overdue"]) == (1, 1)         # E7's close on 10-31 20:00 counts
    assert {o["event_id"]: o["working_days_overdue"] for o in later["overdue"]}["E6"] == 2  # 11-04, 11-05
    assert bulletin(con, "2024-10", AS_OF) == bulletin(con, "2024-10", AS_OF)


def test_september_tie_shares_rank(con):
    b = bulletin(con, "2024-09", AS_OF)
    d1, d2, d3 = row(b, "D1"), row(b, "D2"), row(b, "D3")
    # both: one on time, one late, two dispatched -> equal keys -> rank 1, 1, then 3
    assert (d1["on_time_closure_rate"], d1["closure_rate"], d1["dispatched"]) == (0.5, 1.0, 2)
    assert (d2["on_time_closure_rate"], d2["closure_rate"], d2["dispatched"]) == (0.5, 1.0, 2)
    assert (d1["rank"], d2["rank"], d3["rank"]) == (1, 1, 3)
    assert d1["timely_handling_rate"] == 0.5 and d1["satisfaction_rate"] == 1.0


def test_settings_change_the_figures(con, monkeypatch, tmp_path):
    import govdash.core.settings as s

    text = s.settings_path().read_text(encoding="utf-8").replace("onsite_closure_working_days = 0",
                                                                 "onsite_closure_working_days = 1")
    alt = tmp_path / "settings.toml"
    alt.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(alt))
    b = bulletin(con, "2024-09", AS_OF)
    assert b["settings"]["whistle"]["onsite_closure_working_days"] == 1
    assert row(b, "D1")["closed_on_time"] == 2   # E2 now due 09-30: closed 09-30 10:00 on time


def test_stored_assignment_facts_equal_the_live_computation(sample_db):
    """After the last log row, the bulletin reads facts the build stored; they must equal the live macro."""
    from govdash.figures.query import assignment_params, assignment_source

    cur = read_cursor(connect_read(sample_db))
    late = dt.datetime(2025, 6, 30)
    assert assignment_source(cur, late) == "stored"
    assert assignment_source(cur, dt.datetime(2024, 6, 30)) == "stored+live"
    sla = assignment_params(cur, late)["sla"]
    for date_from, date_to in ((dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1)),
                               (dt.datetime(2024, 10, 1), dt.datetime(2024, 11, 1))):
        cols = "event_id, dept_id, dispatch_seq, status, responded_at, closed_at, rating, escalations, closure_deadline"
        sql = f"select {cols} from assignments_as_of($as_of, $date_from, $date_to, $sla, $use_stored) order by all"
        params = {"as_of": late, "date_from": date_from, "date_to": date_to, "sla": sla}
        live = cur.execute(sql, {**params, "use_stored": False}).fetchall()
        stored = cur.execute(sql, {**params, "use_stored": True}).fetchall()
        assert len(live) > 0 and live == stored


def test_the_same_bulletin_is_the_same_bytes(sample_db):
    """Computed twice, a month's bulletin is one text: the clause texts come in the appendix's order (E.1.1 … E.2.10),
    not in whatever order a parallel scan returns them."""
    from govdash.core.formatting import json_text

    cur = read_cursor(connect_read(sample_db))
    first = bulletin(cur, "2024-10")
    texts = list(first["reference"]["clause_texts"])
    assert texts == [f"E.1.{i}" for i in range(1, 6)] + [f"E.2.{i}" for i in range(1, 11)]
    assert all(json_text(bulletin(cur, "2024-10")) == json_text(first) for _ in range(3))
