"""Past cut-offs from stored facts plus a live delta: at a cut-off inside the data, the facts of the
events whose log ends by the cut-off are read from fct_assignment_facts and only the events with a log row after
it are computed from the log (warehouse/macros/assignment_facts_at.sql, use_stored). The reference is the
all-live computation (use_stored false): every figure must be equal at every month-end of the sample city and
at cut-offs inside a month."""
import datetime as dt

import pytest

from govdash.core import periods
from govdash.figures import bulletin as monthly_bulletin
from govdash.figures import query, whistle
from warehouse.db import connect_read, read_cursor

MONTH_ENDS = [dt.datetime(2024, m, 1) for m in range(2, 13)] + [dt.datetime(2025, 1, 1)]
MONTH_ENDS = [d - dt.timedelta(seconds=1) for d in MONTH_ENDS]           # 23:59:59 of each month's last day
MID_MONTH = [dt.datetime(2024, 3, 15, 12, 0), dt.datetime(2024, 7, 10, 9, 30), dt.datetime(2024, 11, 5),
             dt.datetime(2024, 12, 20, 17, 45, 30)]


@pytest.fixture(scope="module")
def cur(sample_db):
    return read_cursor(connect_read(sample_db))


def all_live(monkeypatch):
    original = query.assignment_params
    monkeypatch.setattr(query, "assignment_params",
                        lambda con, as_of, settings=None: {**original(con, as_of, settings), "use_stored": False})


def both(cur, monkeypatch, fn):
    """fn(cur) with stored facts plus the live delta, then all live."""
    ours = fn(cur)
    with monkeypatch.context() as m:
        all_live(m)
        reference = fn(cur)
    return ours, reference


def month_of(cutoff: dt.datetime) -> str:
    return cutoff.strftime("%Y-%m")


def previous(month: str) -> str:
    return periods.previous_month(month)


@pytest.mark.parametrize("cutoff", MONTH_ENDS + MID_MONTH, ids=lambda d: d.strftime("%Y%m%d-%H%M%S"))
def test_bulletin_figure_by_figure(cur, monkeypatch, cutoff):
    if cutoff < dt.datetime(2024, 12, 1):
        assert query.assignment_source(cur, cutoff) == "stored+live"
    months = {month_of(cutoff), previous(month_of(cutoff))} - {"2023-12"}
    for month in sorted(months):
        ours, reference = both(cur, monkeypatch, lambda c, month=month: monthly_bulletin.bulletin(c, month, cutoff))
        assert ours.keys() == reference.keys()
        for key in ours:
            assert ours[key] == reference[key], f"{month} at {cutoff}: {key}"
        assert ours["city"]["dispatched"] > 0


@pytest.mark.parametrize("cutoff", MONTH_ENDS[::3] + MID_MONTH[:2], ids=lambda d: d.strftime("%Y%m%d-%H%M%S"))
def test_assignment_rows_rates_and_open_cases(cur, monkeypatch, cutoff):
    year = (dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1))
    ours, reference = both(cur, monkeypatch,
                           lambda c: whistle.assignments(c, *year, cutoff).sort("event_id", "dept_id", "dispatch_seq"))
    assert ours.height > 0 and ours.equals(reference)
    ours, reference = both(cur, monkeypatch, lambda c: whistle.whistle_rates(c, "2024-01", "2024-12", cutoff))
    assert ours.equals(reference)
    for dept in ("D01", "D07"):
        o, r = both(cur, monkeypatch, lambda c, dept=dept: whistle.department_open_cases(c, dept, cutoff))
        assert o.equals(r)
    ours, reference = both(cur, monkeypatch, lambda c: whistle.year_to_date_departments(c, month_of(cutoff), cutoff))
    assert ours.equals(reference)


def test_the_live_delta_matters(cur):
    """An honest test: at these cut-offs the stored facts alone would be wrong for some events (those with log
    rows after the cut-off), so equality above is not the stored facts compared with themselves."""
    cutoff = dt.datetime(2024, 10, 31, 23, 59, 59)
    stored_only = cur.execute(
        "select event_id, dept_id, dispatch_seq, closed_at, rating from fct_assignment_facts "
        "where dispatched_at >= '2024-10-01' and dispatched_at < '2024-11-01' order by all").fetchall()
    live = cur.execute(
        "select event_id, dept_id, dispatch_seq, closed_at, rating from assignment_facts_as_of($a, '2024-10-01', "
        "'2024-11-01') order by all", {"a": cutoff}).fetchall()
    combined = cur.execute(
        "select event_id, dept_id, dispatch_seq, closed_at, rating from assignment_facts_at($a, '2024-10-01', "
        "'2024-11-01', true) order by all", {"a": cutoff}).fetchall()
    late = cur.execute("select count(*) from stg_whistle_event_log_ends where last_ts > $a",
                       {"a": cutoff}).fetchall()[0][0]
    assert late > 0
    assert stored_only != live
    assert combined == live


def test_now_reads_only_stored_facts(cur):
    """At or after the last log row no event is late: the live part is empty and every row is a stored one."""
    last = cur.execute("select last_ts from stg_whistle_log_bounds").fetchall()[0][0]
    assert query.assignment_source(cur, last) == "stored"
    n_live = cur.execute("select count(*) from assignment_facts_as_of($a, '2024-01-01', '2025-02-01', "
                         "late_only := true)",
                         {"a": last}).fetchall()[0][0]
    assert n_live == 0
    stored = cur.execute("select count(*) from fct_assignment_facts").fetchall()[0][0]
    combined = cur.execute("select count(*) from assignment_facts_at($a, '2000-01-01', '2100-01-01', true)",
                           {"a": last}).fetchall()[0][0]
    assert combined == stored > 0
