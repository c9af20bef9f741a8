"""Hand-worked golden tests of the rate macros (every rate is one SQL expression in warehouse/macros/):
a few input rows, the expected output worked out by hand. The macros run on a bare in-memory DuckDB holding only
the tables they read, so each case is exactly the rows written here."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.support.paths import REPO

MACROS = REPO / "warehouse" / "macros"


def _macros(con, *names: str) -> None:
    for name in names:
        con.execute((MACROS / f"{name}.sql").read_text(encoding="utf-8"))


def _one(con, sql: str):
    return con.execute(sql).fetchall()[0]


@pytest.fixture
def visits_con():
    con = duckdb.connect()
    con.execute("""create table fct_binding_weeks (jpc_id varchar, dept_id varchar, week_id varchar, week_start date,
                   week_end date, month varchar, required boolean, covered boolean, visits bigint,
                   leader_led_visits bigint, problems_raised bigint, problems_solved bigint)""")
    rows = [
        # D1–J1: W40 covered; W41 exempt (setting); W42 missed; W43 not required (visited twice); W44 covered
        ("J1", "D1", "2024-W40", True, True, 1, 0, 2, 1),
        ("J1", "D1", "2024-W41", True, False, 0, 0, 0, 0),
        ("J1", "D1", "2024-W42", True, False, 0, 0, 0, 0),
        ("J1", "D1", "2024-W43", False, True, 2, 1, 1, 1),
        ("J1", "D1", "2024-W44", True, True, 1, 1, 0, 0),
        # D1–J2: one required week, covered
        ("J2", "D1", "2024-W40", True, True, 1, 0, 1, 1),
        # D2–J1: bound for no required week
        ("J1", "D2", "2024-W40", False, False, 0, 0, 0, 0),
    ]
    con.executemany("insert into fct_binding_weeks values (?, ?, ?, null, null, '2024-10', ?, ?, ?, ?, ?, ?)", rows)
    # another month's week: never counted in October
    con.execute("insert into fct_binding_weeks values ('J1', 'D1', '2024-W39', null, null, '2024-09', true, "
                "false, 0, 0, 0, 0)")
    _macros(con, "visit_rates")
    yield con
    con.close()


def test_visit_compliance_is_covered_over_required_rounded_to_4_decimals(visits_con):
    con = visits_con
    assert _one(con, "select visit_compliance(2, 3), visit_compliance(1, 3), visit_compliance(5, 5), "
                     "visit_compliance(0, 4)") == (0.6667, 0.3333, 1.0, 0.0)
    # no required week: no rate (null, shown "—"), not 0 % or 100 %
    assert _one(con, "select visit_compliance(0, 0)") == (None,)
    # the assessment's is not rounded (SPEC §7)
    assert _one(con, "select visit_compliance_exact(1, 3), visit_compliance_exact(0, 0)") == (1 / 3, None)
    # an exact half at the 5th decimal (1/32 = 0.03125) rounds away from zero, as DuckDB's round does
    assert _one(con, "select visit_compliance(1, 32)") == (0.0313,)


def test_visit_binding_counts_apply_the_required_and_exempt_weeks(visits_con):
    rows = visits_con.execute("""select dept_id, jpc_id, required_weeks, covered_weeks, visits, leader_led_visits,
                                        problems_raised, problems_solved, missed_weeks,
                                        visit_compliance(covered_weeks, required_weeks)
                                 from visit_binding_counts('2024-10', ['2024-W41'])
                                 order by dept_id, jpc_id""").fetchall()
    assert rows == [
        # W40, W42, W44 required (W41 exempt, W43 not required): 2 of 3; visits over every week of the month
        ("D1", "J1", 3, 2, 4, 2, 3, 2, ["2024-W42"], 0.6667),
        ("D1", "J2", 1, 1, 1, 0, 1, 1, [], 1.0),
        ("D2", "J1", 0, 0, 0, 0, 0, 0, [], None),
    ]
    # no exempt week: W41 is required and missed too
    assert _one(visits_con, "select required_weeks, missed_weeks from visit_binding_counts('2024-10', []) "
                            "where dept_id = 'D1' and jpc_id = 'J1'") == (4, ["2024-W41", "2024-W42"])
    # a department's and the city's compliance: the counts summed, then the one rate (3 of 4, not the mean of 2/3 and 1)
    assert visits_con.execute("""select dept_id, visit_compliance(sum(covered_weeks), sum(required_weeks))
                                 from visit_binding_counts('2024-10', ['2024-W41'])
                                 group by dept_id order by dept_id""").fetchall() \
        == [("D1", 0.75), ("D2", None)]


@pytest.fixture
def reports_con():
    con = duckdb.connect()
    con.execute("create table dim_weeks (week_id varchar, week_start date, week_end date, month varchar)")
    con.execute("""insert into dim_weeks values ('2024-W40', '2024-09-30', '2024-10-06', '2024-10'),
                                                ('2024-W41', '2024-10-07', '2024-10-13', '2024-10')""")
    con.execute("create table dim_jpcs (jpc_id varchar, jpc_name varchar)")
    con.execute("insert into dim_jpcs values ('J1', '一'), ('J2', '二')")
    con.execute("create table stg_negative_reports (report_id varchar, jpc_id varchar, week_id varchar, "
                "submitted_at timestamp, items bigint)")
    con.execute("""insert into stg_negative_reports values
        ('R1', 'J1', '2024-W40', '2024-10-07 11:59', 2),   -- due Mon 10-07 12:00: on time
        ('R2', 'J1', '2024-W41', '2024-10-14 12:01', 0),   -- due Mon 10-14 12:00: late
        ('R3', 'J2', '2024-W40', '2024-10-08 09:00', 1),   -- late
        ('R4', 'J2', '2024-W41', '2024-10-15 09:00', 0)    -- after the cut-off: not there yet""")
    _macros(con, "negative_report_rates")
    yield con
    con.close()


def test_report_on_time_rate_and_rectified_share(reports_con):
    con = reports_con
    # on time / (weeks required − pending): a week not yet due is not in the denominator
    assert _one(con,
                "select report_on_time_rate(3, 5, 0), report_on_time_rate(4, 5, 1), report_on_time_rate(2, 3, 0)") \
        == (0.6, 1.0, 0.6667)
    assert _one(con, "select report_on_time_rate(0, 2, 2), report_on_time_rate(0, 0, 0)") == (None, None)
    # rectified items / items; no items: no share
    assert _one(con, "select rectified_share(3, 4), rectified_share(0, 4), rectified_share(0, 0)") == (0.75, 0.0, None)


def test_negative_report_status_on_time_late_missing_pending(reports_con):
    def status(as_of):
        return {(j, w): s for j, w, s in reports_con.execute(
            "select jpc_id, week_id, status from negative_report_status('2024-10', ?, 1, '12:00')", [as_of]).fetchall()}

    late = status(dt.datetime(2024, 10, 14, 13, 0))
    assert late == {("J1", "2024-W40"): "on_time", ("J1", "2024-W41"): "late",
                    ("J2", "2024-W40"): "late", ("J2", "2024-W41"): "missing"}   # R4 came after the cut-off
    # an hour before W41 is due, its unsubmitted weeks are pending (R2 at 12:01 is not in yet either)
    early = status(dt.datetime(2024, 10, 14, 11, 0))
    assert early[("J1", "2024-W41")] == early[("J2", "2024-W41")] == "pending"
    rates = dict(reports_con.execute("""
        select jpc_id, report_on_time_rate(count(*) filter (where status = 'on_time'), count(*),
                                           count(*) filter (where status = 'pending'))
        from negative_report_status('2024-10', ?, 1, '12:00') group by jpc_id""",
                                     [dt.datetime(2024, 10, 14, 11, 0)]).fetchall())
    assert rates == {"J1": 1.0, "J2": 0.0}   # J1: 1 of 1 due; J2: 0 of 1 due


def test_funnel_conversion_and_shares():
    con = duckdb.connect()
    _macros(con, "appeal_rates")
    # escalated / entered, none at the top level and none where nothing entered
    assert _one(con, "select level_conversion(1, 2, 4), level_conversion(4, 1, 3), level_conversion(5, 1, 2), "
                     "level_conversion(2, 0, 0)") == (0.5, 0.3333, None, None)
    # resolved at levels 1–3 / all resolved; nothing resolved: no share
    assert _one(con, "select community_resolution_share(3, 5), community_resolution_share(0, 4), "
                     "community_resolution_share(0, 0)") == (0.6, 0.0, None)
    assert _one(con, "select carried_up_share(1, 3), carried_up_share(0, 0)") == (0.3333, None)
    con.close()
