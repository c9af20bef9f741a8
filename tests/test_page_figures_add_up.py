"""What the pages show adds up and is complete.

- 五级双向: for a month, appeals = resolved + withdrawn + open (a reader found 96 − 76 − 12 = 8 explained
  nowhere: the withdrawn were not shown), and each level's entered = resolved + escalated + withdrawn + open.
- 联系捆绑走访: the (JPC × week) heatmap runs in calendar order, and a week a binding did not require is empty,
  not painted 0 %.
- 部门自查: the overdue list is every open overdue case of the department at the cut-off (not only the last
  three months' dispatches), oldest first, with its working days overdue.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import struct

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from govdash.core.periods import month_bounds
from govdash.core.principal import Principal
from govdash.figures.appeals import appeal_outcomes, appeal_records, funnel_section
from govdash.figures.bulletin import bulletin
from govdash.figures.visits import binding_weeks_for_year
from govdash.figures.whistle import assignments
from tests.support.apptest import open_page, set_period
from tests.support.warehouse import warehouse_cursor

COMMITTEE = Principal("c", "committee")
D13 = Principal("d", "department", "D13")
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
CUTOFF = dt.datetime(2024, 12, 31, 23, 59)


@pytest.fixture(scope="module")
def cursor(committed_sample_db):
    with warehouse_cursor(committed_sample_db) as cur:
        yield cur


def _app(db, monkeypatch, page: str, principal: Principal) -> AppTest:
    return open_page(page, principal, db=db, monkeypatch=monkeypatch)


def _int(v) -> int:
    """A count as the grid holds it (an integer column with empty cells arrives in AppTest as floats: 245.0)."""
    f = float(str(v).replace(",", ""))
    assert f == int(f), v
    return int(f)


# ---------------------------------------------------------------- 五级双向


def test_the_funnel_figure_adds_up_for_every_month(cursor):
    for month in MONTHS:
        start, end = month_bounds(month)
        f = funnel_section(cursor, start, end, CUTOFF)
        groups = [f["levels"]] + [c["levels"] for c in f["by_category"]] + [c["levels"] for c in f["by_community"]]
        for levels in groups:
            for lv in levels:
                assert lv["entered"] == lv["resolved"] + lv["escalated"] + lv["withdrawn"] + lv["open"], (month, lv)
        levels = f["levels"]
        appeals = appeal_records(cursor, start, end, CUTOFF)["appeal_id"].n_unique()
        # every appeal ends at exactly one level: resolved, withdrawn or still open there
        outcomes = appeal_outcomes(cursor, start, end, CUTOFF)
        city = outcomes["city"]
        assert city["appeals"] == appeals, month
        assert appeals == sum(lv["resolved"] + lv["withdrawn"] + lv["open"] for lv in levels), month
        assert city["in_transit"] == 0, month
        assert (city["resolved"], city["withdrawn"], city["open"]) == (
            sum(lv["resolved"] for lv in levels), sum(lv["withdrawn"] for lv in levels),
            sum(lv["open"] for lv in levels))
        assert appeals == sum(lv["entered"] for lv in levels) - sum(lv["escalated"] for lv in levels), month
        for c in f["by_category"]:
            o = outcomes["by_category"][c["category"]]
            assert o["appeals"] == o["resolved"] + o["withdrawn"] + o["open"] + o["in_transit"]
            assert o["resolved"] == sum(lv["resolved"] for lv in c["levels"]), (month, c["category"])


def test_the_five_level_page_shows_numbers_that_add_up_for_every_month(committed_sample_db, cursor, monkeypatch):
    at = _app(committed_sample_db, monkeypatch, "pages/five_level.py", COMMITTEE)
    for month in MONTHS:
        at.sidebar.selectbox(key="month").set_value(month).run()
        assert not at.exception, [e.value for e in at.exception]
        metrics = {m.label: _int(m.value) for m in at.metric if m.label in ("诉求数", "已解决", "已撤回", "在办")}
        assert metrics["诉求数"] == metrics["已解决"] + metrics["已撤回"] + metrics["在办"], (month, metrics)
        start, end = month_bounds(month)
        assert metrics["诉求数"] == appeal_records(cursor, start, end, dt.datetime.now())["appeal_id"].n_unique(), month
        # the identity is written out in Chinese next to the metrics
        assert any(f"诉求数 {metrics['诉求数']} = 已解决 {metrics['已解决']} + 已撤回 {metrics['已撤回']} + "
                   f"在办 {metrics['在办']}"
                   in c.value for c in at.caption), month
        # the per-level table: entered = resolved + escalated + withdrawn + open, with a check column
        [table] = [d.value for d in at.dataframe if "进入" in d.value.columns and "核对" in d.value.columns]
        assert len(table) == 5
        for row in table.to_dict("records"):
            parts = sum(_int(row[c]) for c in ("解决", "上交", "撤回", "在办"))
            assert _int(row["进入"]) == parts, (month, row)
            assert row["核对"] == "✓", (month, row)
        # the levels' final outcomes add up to the appeals
        assert sum(_int(r["解决"]) + _int(r["撤回"]) + _int(r["在办"])
                   for r in table.to_dict("records")) == metrics["诉求数"]


# ---------------------------------------------------------------- 联系捆绑走访


def _values(y) -> list:
    if isinstance(y, dict):  # plotly's typed array: base64 little-endian doubles
        raw = base64.b64decode(y["bdata"])
        return list(struct.unpack(f"<{len(raw) // 8}d", raw))
    return list(y)


def _heatmap(at: AppTest) -> dict:
    """The coverage heatmap as drawn: x and y in axis order and z by cell. A density heatmap (histogram2d,
    as the page once drew it) is binned by plotly: categories in order of first appearance, an empty bin 0."""
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        for trace in spec["data"]:
            if trace.get("type") == "heatmap":
                return trace
            if trace.get("type") == "histogram2d":
                xs, ys, zs = list(trace["x"]), list(trace["y"]), _values(trace["z"])
                x, y = list(dict.fromkeys(xs)), list(dict.fromkeys(ys))
                cell = dict(zip(zip(ys, xs), zs))
                return {"x": x, "y": y, "z": [[cell.get((j, w), 0.0) for w in x] for j in y]}
    raise AssertionError("no heatmap on the page")


@pytest.mark.parametrize("principal", [COMMITTEE, D13], ids=["committee", "department"])
def test_the_visit_heatmap_is_chronological_and_blank_outside_bindings(committed_sample_db, cursor, monkeypatch,
                                                                        principal):
    at = _app(committed_sample_db, monkeypatch, "pages/visits.py", principal)
    year = next(int(m.group(1)) for c in at.caption if (m := re.match(r"(\d{4})年\d+月", c.value)))
    trace = _heatmap(at)
    weeks = [int(re.search(r"(?:第|W)(\d+)", x).group(1)) for x in trace["x"]]
    assert weeks == sorted(weeks) and len(set(weeks)) == len(weeks), weeks
    grid = binding_weeks_for_year(cursor, year)
    if principal.is_department:
        grid = grid.filter(pl.col("dept_id") == principal.dept_id)
    required = grid.filter(pl.col("counts_required"))
    expected = {(r["jpc_name"], r["week_id"]): r["covered"]
                for r in required.group_by("jpc_name", "week_id").agg(pl.col("covered").mean()).iter_rows(named=True)}
    assert set(trace["y"]) == {j for j, _ in expected}
    z = [_values(row) for row in trace["z"]]
    assert len(z) == len(trace["y"])
    seen = 0
    for jpc, row in zip(trace["y"], z):
        assert len(row) == len(weeks)
        for w, value in zip(weeks, row):
            key = (jpc, f"{year}-W{w:02d}")
            if key in expected:
                assert value == pytest.approx(expected[key]), key
                seen += 1
            else:
                assert value is None, (key, value)  # not required: empty, not 0 %
    assert seen == len(expected)
    if principal.is_department:  # D13's bindings do not cover the whole year: those cells are there, and empty
        assert any(v is None for row in z for v in row)


# ---------------------------------------------------------------- 部门自查


@pytest.mark.parametrize("principal", [COMMITTEE, D13], ids=["committee", "department"])
def test_self_check_lists_every_open_overdue_case_oldest_first(committed_sample_db, cursor, monkeypatch, principal):
    at = _app(committed_sample_db, monkeypatch, "pages/department_self_check.py", principal)
    set_period(at, month="2024-12", asof=CUTOFF)
    if not principal.is_department:
        at.selectbox(key="self_dept").set_value("D13").run()
    assert not at.exception, [e.value for e in at.exception]

    every = assignments(cursor, dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), CUTOFF)
    expected = (every.filter((pl.col("dept_id") == "D13") & (pl.col("status") == "open_overdue"))
                .sort("closure_deadline", "dispatched_at", "event_id"))
    assert expected.height > 20  # far more than the last three months' dispatches
    # working days overdue as the bulletin counts them, month by month of dispatch
    wd = {(o["event_id"], o["deadline"]): o["working_days_overdue"]
          for m in MONTHS for o in bulletin(cursor, m, CUTOFF)["overdue"] if o["dept_id"] == "D13"}

    [table] = [d.value for d in at.dataframe if "紧急程度" in d.value.columns]
    shown = table[table["紧急程度"] == "已超期"]
    assert list(shown["事件编号"]) == expected["event_id"].to_list(), (len(shown), expected.height)
    assert [str(x)[:19] for x in shown["办结期限"]] == [f"{d:%Y-%m-%d %H:%M:%S}" for d in expected["closure_deadline"]]
    assert [_int(x) for x in shown["超期工作日"]] == [
        wd[(r["event_id"], f"{r['closure_deadline']:%Y-%m-%d %H:%M:%S}")] for r in expected.iter_rows(named=True)]
    assert any(f"超期未办结 {expected.height} 件" in m.value for m in at.markdown)
