"""The department self-check and the event list tell one truth.

- 部门自查: every 超期未办结 count on the page is the same number (the open-case list's), at the page's cut-off.
- 吹哨报到分析: the month's overdue assignments of a department, filtered by 状态, are the rows of the bulletin's
  超期未办结清单 for that month and department at the same cut-off.
- 部门自查: the way off the assessment negative list is counted on the year-to-date rule (4.1.1.1), not the month.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from govdash.figures.bulletin import bulletin
from govdash.figures.negative_lists import needed_off_the_list
from govdash.figures.whistle import year_to_date_departments
from tests.support.apptest import open_page
from tests.support.warehouse import warehouse_cursor

CUTOFF = dt.datetime(2025, 1, 8, 12, 0)


@pytest.fixture(scope="module")
def cursor(committed_sample_db):
    with warehouse_cursor(committed_sample_db) as cur:
        yield cur


def _texts(at) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "info", "success", "warning") for e in getattr(at, kind)]


def _self_check(db, monkeypatch, month: str, dept: str):
    at = open_page("pages/department_self_check.py", db=db, monkeypatch=monkeypatch, month=month, cutoff=CUTOFF)
    at.selectbox(key="self_dept").set_value(dept).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_every_overdue_count_on_the_self_check_is_the_same(committed_sample_db, monkeypatch):
    at = _self_check(committed_sample_db, monkeypatch, "2024-12", "D13")
    counts = [int(n) for t in _texts(at) for n in re.findall(r"超期未办结\s*(\d+)\s*件", t)]
    [table] = [d.value for d in at.dataframe if "紧急程度" in d.value.columns]
    listed = int((table["紧急程度"] == "已超期").sum())
    assert counts and listed > 20
    assert set(counts) == {listed}, counts


def test_event_list_filtered_to_overdue_is_the_bulletins_list(committed_sample_db, monkeypatch, cursor):
    at = open_page("pages/whistle_analysis.py", db=committed_sample_db, monkeypatch=monkeypatch, month="2024-11",
                   cutoff=CUTOFF)
    at.multiselect(key="depts").set_value(["D13"]).run()
    at.selectbox(key="status").set_value("open_overdue").run()
    assert not at.exception, [e.value for e in at.exception]
    [events] = [d.value for d in at.dataframe if "事件编号" in d.value.columns]
    listed = [o for o in bulletin(cursor, "2024-11", CUTOFF)["overdue"] if o["dept_id"] == "D13"]
    assert listed
    assert sorted(events["事件编号"]) == sorted(o["event_id"] for o in listed)
    # the page names both cut-offs when its own is not the bulletin's
    assert any("月度通报的超期未办结清单" in c.value and "2025年1月8日" in c.value for c in at.caption), \
        [c.value for c in at.caption]


def test_way_off_the_negative_list_hand_worked_from_spec():
    # 住建局 (SPEC §5 example): 248 assignments January to the month, 86.3 % handled, 83.9 % closed, threshold 90 %:
    # 90 % of 248 is 223.2, so 224 must be handled (214 are: 10 more) and closed (208 are: 16 more)
    row = {"dispatched": 248, "handled": 214, "closed": 208, "handling_rate": 214 / 248, "closure_rate": 208 / 248}
    needs = needed_off_the_list(row, 0.9)
    assert [(n["word"], n["need"], n["remaining"], n["possible"]) for n in needs] == [
        ("处置率", 10, 34, True), ("办结率", 16, 40, True)]
    assert needed_off_the_list({**row, "handled": 224, "handling_rate": 224 / 248}, 0.9)[0]["word"] == "办结率"
    assert needed_off_the_list({**row, "handled": 248, "closed": 224, "handling_rate": 1.0,
                                "closure_rate": 224 / 248}, 0.9) == []
    # a rule stricter than what is left to do cannot be met this year with the assignments already dispatched
    assert needed_off_the_list(row, 1.01)[0]["possible"] is False


def test_self_check_guidance_counts_the_year_not_the_month(committed_sample_db, monkeypatch, cursor):
    at = _self_check(committed_sample_db, monkeypatch, "2024-12", "D13")
    [row] = year_to_date_departments(cursor, "2024-12", CUTOFF).filter(dept_id="D13").iter_rows(named=True)
    assert row["dispatched"] > 200  # the year's, not the month's (24 in December)
    texts = _texts(at)
    assert any(f"累计派单 {row['dispatched']} 件" in t for t in texts), texts
    for n in needed_off_the_list(row, 0.9):
        verb = n["word"].removesuffix("率")
        assert any(f"还需再{verb} {n['need']} 件" in t for t in texts), (n, texts)
    assert not any("按本月派单" in t for t in texts)
    # the department is on the list by the same rates
    listed = [d for d in bulletin(cursor, "2024-12", CUTOFF)["assessment_negative_list"] if d["dept_id"] == "D13"]
    assert listed and listed[0]["dispatched"] == row["dispatched"]
