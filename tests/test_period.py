"""One period state in the page's address (SPEC 8.1): every page, file and CLI answer about a month states the same
key figures at the same cut-off — the month's default unless one is picked — and the address (?month, ?quarter,
?year, &asof, /case?event=…) reproduces the view; an invalid value there is ignored with a Chinese notice."""
from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.formatting import pct
from govdash.core.periods import moment_label
from govdash.core.principal import Principal
from tests.support.apptest import open_page, set_period
from tests.support.warehouse import rows

COMMITTEE = Principal("chair", "committee")
D13 = Principal("d13", "department", "D13")
MONTHS = ("2024-09", "2024-10", "2024-11", "2024-12")
FIGURES = (("handling_rate", "处置率"), ("closure_rate", "办结率"), ("on_time_closure_rate", "按期办结率"),
           ("open_overdue", "超期未办结"))


def picked(month: str) -> dt.datetime:
    """A cut-off the user picks: noon of the 3rd day after the month (before its default, so figures differ)."""
    first_next = dt.date.fromisoformat(month + "-01").replace(day=28) + dt.timedelta(days=4)
    return dt.datetime.combine(first_next.replace(day=3), dt.time(12, 0))


def as_text(key: str, value) -> str:
    return str(value) if key == "open_overdue" else pct(value)


def from_files(tmp_path, month: str, as_of: dt.datetime | None) -> dict[str, dict[str, str]]:
    """{"全市": {figure: text}, "D13": …} from `govdash report bulletin` as JSON and as Excel (asserted equal)."""
    extra = ["--as-of", as_of.strftime("%Y-%m-%d %H:%M:%S")] if as_of else []
    out = {}
    for fmt in ("json", "xlsx"):
        path = tmp_path / f"{month}-{bool(as_of)}.{fmt}"
        done = CliRunner().invoke(cli, ["report", "bulletin", "--month", month, "--format", fmt, "--out", str(path),
                                        *extra], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        if fmt == "json":
            b = json.loads(path.read_text(encoding="utf-8"))
            d13 = next(d for d in b["departments"] if d["dept_id"] == "D13")
            out["json"] = {"全市": {label: as_text(k, b["city"][k]) for k, label in FIGURES},
                           "D13": {label: as_text(k, d13[k]) for k, label in FIGURES}, "name": d13["dept_name"]}
        else:
            wb = openpyxl.load_workbook(path)
            found = {}
            for sheet, who, name_col in (("全市汇总", "全市", None), ("部门排名", "D13", "部门")):
                table = list(wb[sheet].iter_rows(min_row=4, values_only=True))
                header, body = table[0], table[1:]
                row = body[0] if name_col is None else next(
                    r for r in body if r[header.index(name_col)] == out["json"]["name"])
                found[who] = {label: as_text(k, row[header.index(label)]) for k, label in FIGURES}
            out["xlsx"] = found
    assert out["json"]["全市"] == out["xlsx"]["全市"] and out["json"]["D13"] == out["xlsx"]["D13"], out
    return out["json"]


def shown(at, who: str) -> dict[str, str]:
    metrics = {m.label: m.value for m in at.metric}
    return {label: metrics[f"{who}{label}"] for _, label in FIGURES}


def test_every_page_and_file_states_the_same_key_figures_at_the_same_cutoff(committed_sample_db, monkeypatch,
                                                                           tmp_path):
    """4 months × (the default cut-off, a picked one) × (committee, D13): 月度通报, 吹哨报到分析 and 部门自查 show the
    city's and D13's 处置率, 办结率, 按期办结率 and 超期未办结 as the JSON and Excel bulletins state them."""
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    files = {(m, c): from_files(tmp_path, m, c) for m in MONTHS for c in (None, picked(m))}
    name = files[(MONTHS[0], None)]["name"]
    # the figures differ between the two cut-offs (else the test could not tell them apart)
    assert any(files[(m, None)]["全市"] != files[(m, picked(m))]["全市"] for m in MONTHS)
    for principal in (COMMITTEE, D13):
        at = None
        for cutoff in ("default", "picked"):
            for month in MONTHS:
                expected = files[(month, None if cutoff == "default" else picked(month))]
                at = open_page("pages/monthly_bulletin.py", principal, month, at=at, monkeypatch=monkeypatch,
                               cutoff=picked(month) if cutoff == "picked" else None)
                case = (principal.username, cutoff, month)
                # the bulletin's city figures are labelled without 全市 (the page's headline numbers)
                assert shown(at, "") == expected["全市"], ("月度通报", *case)
                if principal.is_department:
                    assert shown(at, name) == expected["D13"], ("月度通报", *case)
                at = open_page("pages/whistle_analysis.py", principal, at=at)
                if not principal.is_department:
                    at.multiselect(key="depts").set_value(["D13"]).run()
                assert not at.exception, [e.value for e in at.exception]
                assert shown(at, "全市") == expected["全市"], ("吹哨报到分析", *case)
                assert shown(at, name) == expected["D13"], ("吹哨报到分析", *case)
                at = open_page("pages/department_self_check.py", principal, at=at)
                if not principal.is_department:
                    at.selectbox(key="self_dept").set_value("D13").run()
                assert not at.exception, [e.value for e in at.exception]
                assert shown(at, "全市") == expected["全市"], ("部门自查", *case)
                assert shown(at, name) == expected["D13"], ("部门自查", *case)


def test_the_address_holds_the_period_and_an_invalid_value_is_ignored(committed_sample_db, monkeypatch):
    at = open_page("pages/whistle_analysis.py", COMMITTEE, "2024-10", db=committed_sample_db, monkeypatch=monkeypatch)
    assert at.query_params["month"] == "2024-10" and "asof" not in at.query_params   # no pick: no asof
    # the default cut-off of October 2024 (README), stated in the sidebar and beside the figures
    assert any("2024年11月7日 23:59" in m.value and "默认" in m.value for m in at.sidebar.markdown)
    set_period(at, month="2024-13", asof="2024-11-31 25:00:00")
    assert not at.exception
    notices = [w.value for w in at.sidebar.warning]
    assert any("月份“2024-13”" in n for n in notices) and any("截止时点“2024-11-31 25:00:00”" in n for n in notices)
    assert at.query_params["month"] == "2024-10" and "asof" not in at.query_params   # the last valid state
    set_period(at, month="2024-11", asof=dt.datetime(2024, 12, 2, 9, 30))
    assert at.query_params["asof"] == "2024-12-02 09:30:00"
    assert any("2024年12月2日 09:30" in m.value and "您选择" in m.value for m in at.sidebar.markdown)
    # the pick holds on another page reached without the query string (the menu, the session)
    at.query_params.clear()
    at = open_page("pages/negative_lists.py", COMMITTEE, at=at)
    assert at.query_params == {"month": "2024-11", "asof": "2024-12-02 09:30:00"}
    # the assessment's period: ?quarter / ?year; a wrong one is ignored
    at = open_page("pages/assessment.py", COMMITTEE, at=at, address={"quarter": "2024-Q7"})
    assert any("考核季度“2024-Q7”" in w.value for w in at.sidebar.warning)
    set_period(at, quarter="2024-Q2")
    assert at.query_params.get("quarter") == "2024-Q2" and "month" not in at.query_params
    assert any("2024年第2季度" in c.value for c in at.caption)


def test_the_assessment_quarter_picked_after_a_month_page_holds(committed_sample_db, monkeypatch):
    """A month page at ?month=2024-06, then 年度考核 through its menu link (?year=2024), then 第2季度 picked in the
    sidebar: the page shows the second quarter and the address says so. 考核期间 always states its period to the
    browser (全年 is an option like the quarters, never the empty value the browser shows as a placeholder and may
    clear back to), and a run forces the pickers' shown value only when the period changed elsewhere (the address,
    another page): a forced value the browser applies again after the user's pick takes the pick back."""
    at = open_page("pages/negative_lists.py", COMMITTEE, "2024-06", db=committed_sample_db, monkeypatch=monkeypatch)
    at.query_params.clear()
    at = open_page("pages/assessment.py", COMMITTEE, at=at, address={"year": "2024"})
    quarter = at.sidebar.selectbox(key="period_quarter_pick")
    assert quarter.proto.raw_value == "全年" and quarter.options[0] == "全年"
    assert any(c.value.startswith("2024年 · ") for c in at.caption)
    quarter.set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]
    assert dict(at.query_params) == {"quarter": "2024-Q2"}
    assert any(c.value.startswith("2024年第2季度 · ") for c in at.caption), [c.value for c in at.caption]
    pickers = {key: at.sidebar.selectbox(key=key) for key in ("period_year_pick", "period_quarter_pick")}
    assert pickers["period_quarter_pick"].value == 2
    assert not any(box.proto.set_value for box in pickers.values())   # the user's pick is not sent back as forced
    # back to the whole year from the picker; then a period from the address is forced into the pickers
    at.sidebar.selectbox(key="period_quarter_pick").set_value(0).run()
    assert dict(at.query_params) == {"year": "2024"} and any(c.value.startswith("2024年 · ") for c in at.caption)
    set_period(at, quarter="2024-Q3")
    quarter = at.sidebar.selectbox(key="period_quarter_pick")
    assert quarter.proto.set_value and quarter.proto.raw_value == "第3季度"
    assert any(c.value.startswith("2024年第3季度 · ") for c in at.caption)


def test_the_cutoff_picker_is_chinese(committed_sample_db, monkeypatch):
    at = open_page("pages/whistle_analysis.py", COMMITTEE, "2024-12", db=committed_sample_db, monkeypatch=monkeypatch,
                   cutoff=dt.datetime(2025, 1, 3, 17, 45))
    assert not at.get("date_time_input") and not at.sidebar.date_input
    day = at.sidebar.selectbox(key="asof_date")
    assert day.options[0].startswith("默认（2025年1月8日") and "2025年1月3日（周五）" in day.options
    time = at.sidebar.selectbox(key="asof_time")
    assert time.value == dt.time(17, 45) and "17:45" in time.options
    # every label and option of the sidebar's period pickers is Chinese (no month or weekday names in English)
    for box in at.sidebar.selectbox:
        assert not re.search(r"[A-Za-z]", " ".join([box.label, *box.options])), box.label
    # back to the default: no asof in the address
    day.set_value(None).run()
    assert "asof" not in at.query_params and any("本期默认" in m.value for m in at.sidebar.markdown)


def test_the_case_page_is_an_address_and_states_the_sidebars_cutoff(committed_sample_db, monkeypatch):
    event = rows(committed_sample_db, "select event_id from raw_whistle_events "
                                      "where reported_at >= '2024-12-02' order by event_id limit 1")[0][0]
    at = open_page("pages/case.py", COMMITTEE, "2024-12", db=committed_sample_db, monkeypatch=monkeypatch,
                   address={"event": f"  {event.lower()} "})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert any(f"事件 {event}" in m.value for m in at.markdown)
    # the case's cut-off is the sidebar's: December 2024's default
    assert any(c.value.startswith("截至 2025年1月8日 23:59") for c in at.caption)
    assert any("2025年1月8日 23:59" in m.value for m in at.sidebar.markdown)


def test_the_sidebar_search_opens_the_case_and_lets_the_menu_go(committed_sample_db, monkeypatch):
    event = rows(committed_sample_db, "select min(event_id) from raw_whistle_events")[0][0]
    at = open_page("pages/whistle_analysis.py", COMMITTEE, "2024-12", db=committed_sample_db, monkeypatch=monkeypatch)
    at.sidebar.text_input(key="case_query").input(f" {event.lower()}").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "事件查询" and at.query_params.get("event") == event
    assert at.query_params.get("month") == "2024-12"
    assert at.sidebar.text_input(key="case_query").value == ""   # the box lets go
    at = open_page("pages/visits.py", COMMITTEE, at=at)
    assert at.title[0].value == "联系捆绑走访"
    at.run()   # a rerun stays on the page it is on
    assert at.title[0].value == "联系捆绑走访"


@pytest.mark.parametrize("who", [COMMITTEE, D13], ids=["committee", "department"])
def test_the_default_cutoff_applies_on_every_month_page(committed_sample_db, monkeypatch, who):
    """Every page that shows a month's figures is at the month's default cut-off, not now."""
    label = moment_label(dt.datetime(2025, 1, 8, 23, 59, 59))
    at = None
    for page in ("pages/whistle_analysis.py", "pages/department_self_check.py", "pages/negative_lists.py",
                 "pages/case.py") + (("pages/five_level.py",) if not who.is_department else ()):
        at = open_page(page, who, "2024-12", at=at, db=committed_sample_db, monkeypatch=monkeypatch)
        assert any(label in m.value for m in at.sidebar.markdown), page
        assert not any(re.search(r"截止 20\d\d-", c.value) and label not in c.value for c in at.caption), page
