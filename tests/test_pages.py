"""AppTest of every page, on a real warehouse built from a small sample."""
import json

from streamlit.testing.v1 import AppTest

from govdash.core.tables import table_specs
from govdash.figures.bulletin import bulletin
from govdash.records.accounts import Principal
from tests.support.apptest import open_page, set_period
from warehouse.db import connect_read, read_cursor


def latest_month(db) -> str:
    """The month the sidebar picks by default: the latest month with whistle events."""
    cur = read_cursor(connect_read(db))
    return cur.execute("select max(strftime(reported_at, '%Y-%m')) from raw_whistle_events").fetchall()[0][0]


def test_data_page_shows_tables_and_quarantine(sample_warehouse):
    at = open_page("pages/data_quality.py")
    assert at.title[0].value == "数据导入与质量"
    subheaders = [s.value for s in at.subheader]
    assert "数据表与行数" in subheaders and "隔离区" in subheaders
    tables = at.dataframe[0].value
    counts = dict(zip(tables["数据表"], tables["行数"]))
    labels = {spec.name: spec.label for spec in table_specs().values()}   # tables by their Chinese names
    assert counts[labels["departments"]] == 18 and counts[labels["whistle_events"]] > 0
    assert not any(name in counts for name in labels)


def test_data_page_without_warehouse_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(tmp_path / "none.duckdb"))
    at = open_page("pages/data_quality.py")
    assert any("还没有数据" in i.value for i in at.info)


def test_monthly_bulletin_page_matches_the_bulletin(sample_warehouse):
    at = open_page()
    assert at.title[0].value == "月度通报"
    month = at.session_state["month"]
    assert month == "2024-12"
    [ranking] = [d.value for d in at.dataframe if "按期办结率" in d.value.columns and "派单数" in d.value.columns]
    assert list(ranking.columns[:3]) == ["排名", "部门", "⚠"]  # 排名 first, the name, then the threshold breaches
    con = connect_read(sample_warehouse)
    b = bulletin(read_cursor(con), month, None)
    assert list(ranking["部门"]) == [d["dept_name"] for d in b["departments"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["派单数"] == str(b["city"]["dispatched"])
    downloads = {d.label for d in at.get("download_button") if d.label != "导出 Excel"}
    assert downloads == {"下载 Word 通报", "下载 PDF 通报", "下载 Excel 通报"}
    # another month changes what is shown
    at.sidebar.selectbox(key="month").set_value("2024-06").run()
    b6 = bulletin(read_cursor(con), "2024-06", None)
    assert {m.label: m.value for m in at.metric}["派单数"] == str(b6["city"]["dispatched"])


def test_whistle_analysis_page_filters(sample_warehouse):
    at = open_page("pages/whistle_analysis.py")
    assert at.title[0].value == "吹哨报到分析"
    def matching():
        return int(next(m.value for m in at.metric if m.label == "符合条件的派单（含退回）"))

    total = matching()
    at.multiselect(key="depts").set_value(["D02"]).run()
    assert not at.exception
    assert 0 < matching() < total


def test_department_self_check_page(sample_warehouse):
    at = open_page("pages/department_self_check.py")
    assert at.title[0].value == "部门自查"
    at.selectbox(key="self_dept").set_value("D13").run()
    assert not at.exception
    assert any("排名" in s.value for s in at.subheader)
    assert any("本月排名" in m.value for m in at.markdown)


def test_visits_page(sample_warehouse):
    at = open_page("pages/visits.py")
    assert at.title[0].value == "联系捆绑走访"
    month = latest_month(sample_warehouse)
    from govdash.figures.visits import visit_table

    v = visit_table(read_cursor(connect_read(sample_warehouse)), month)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["应走访周次"] == str(v["required_weeks"].sum())
    assert metrics["已走访周次"] == str(v["covered_weeks"].sum())
    # the rate as the bulletin states it (one SQL definition)
    from govdash.core.formatting import pct
    from govdash.figures.visits import visit_totals

    assert metrics["走访达标率"] == pct(visit_totals(read_cursor(connect_read(sample_warehouse)),
                                                month)["visit_compliance"])
    subheaders = [s.value for s in at.subheader]
    assert "联系市领导走访" in subheaders and "各部门走访达标率" in subheaders
    # one department chosen: the figures shrink to its bindings
    dept = v["dept_id"][0]
    at.multiselect(key="visit_depts").set_value([dept]).run()
    assert not at.exception
    assert at.metric[0].value == str(v.filter(v["dept_id"] == dept)["required_weeks"].sum())


def test_negative_lists_page(sample_warehouse):
    at = open_page("pages/negative_lists.py")
    assert at.title[0].value == "负面清单"
    month = latest_month(sample_warehouse)
    b = bulletin(read_cursor(connect_read(sample_warehouse)), month, None)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["漏报"] == str(sum(r["missing"] for r in b["negative_reports"]))
    from govdash.core.formatting import pct

    assert metrics["按时上报率"] == pct(b["negative_report_totals"]["on_time_rate"])
    assert metrics["应报（已到期）"] == str(b["negative_report_totals"]["weeks_due"])
    # the burden tab lists the departments of the bulletin and opens one into its tasks
    burden_ids = [d["dept_id"] for d in b["burden_negative_list"]]
    assert at.selectbox(key="burden_dept").options == [d["dept_name"] for d in b["burden_negative_list"]]
    assert burden_ids
    # another JPC chosen: its report lines are shown
    at.selectbox(key="report_jpc").set_value("J03").run()
    assert not at.exception
    shown = [df.value for df in at.dataframe if "报告编号" in df.value.columns]
    assert shown and set(shown[0]["联合党委"]) <= {b["reference"]["jpc_names"]["J03"]} and len(shown[0]) > 0


def test_five_level_page(sample_warehouse):
    from govdash.core.periods import month_bounds, parse_as_of
    from govdash.figures.appeals import funnel_section

    at = open_page("pages/five_level.py")
    assert at.title[0].value == "五级双向"
    month = latest_month(sample_warehouse)
    cur = read_cursor(connect_read(sample_warehouse))
    f = funnel_section(cur, *month_bounds(month), parse_as_of(None))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已解决"] == str(sum(lv["resolved"] for lv in f["levels"]))
    table = next(df.value for df in at.dataframe if "上交率" in df.value.columns)
    assert list(table["进入"]) == [lv["entered"] for lv in f["levels"]]
    # the year instead of the month: more appeals
    at.radio(key="funnel_scope").set_value("本年").run()
    assert not at.exception
    year_table = next(df.value for df in at.dataframe if "上交率" in df.value.columns)
    assert year_table["进入"].sum() > table["进入"].sum()
    # a category filter narrows the funnel
    cat = at.selectbox(key="funnel_category").options[1]
    at.selectbox(key="funnel_category").set_value(cat).run()
    assert not at.exception
    narrowed = next(df.value for df in at.dataframe if "上交率" in df.value.columns)
    assert 0 < narrowed["进入"].sum() < year_table["进入"].sum()


def test_assessment_page_and_what_if(sample_warehouse):
    from govdash.figures.assessment import assessment

    office = Principal("office", "assessment")
    at = open_page("pages/assessment.py", office)
    assert at.title[0].value == "年度考核"
    a = assessment(read_cursor(connect_read(sample_warehouse)), 2024, None, None)
    ranking = next(df.value for df in at.dataframe if "等次" in df.value.columns)
    assert list(ranking["部门"]) == [d["dept_name"] for d in a["departments"]]
    assert list(ranking["得分"]) == [d["score"] for d in a["departments"]]
    # a quarter instead of the year
    set_period(at, quarter="2024-Q2")
    assert not at.exception and "第2季度" in at.caption[0].value
    # what-if: move 10 points from timely handling to on-time closure and see the simulated ranking
    at.number_input(key="w_on_time_closure").set_value(40.0)
    at.number_input(key="w_timely_handling").set_value(10.0).run()  # the inputs rerun the page: no button
    assert not at.exception
    moved = next(df.value for df in at.dataframe if "模拟排名" in df.value.columns)
    assert len(moved) == 18 and any(b.label == "保存为新的评分设置" for b in at.button)
    # weights that no longer add up to 100 are refused with the reason
    at.number_input(key="w_on_time_closure").set_value(50.0).run()
    assert any("权重之和应为 100" in e.value for e in at.error)
    assert any(w.value == "权重合计：110 / 100（应为 100）" for w in at.warning)  # the running total


def test_rates_stay_numbers_rounded_like_the_documents_and_empty_values_show_as_a_dash():
    import polars as pl

    from govdash.web.tables import for_display

    frame = pl.DataFrame({"部门": ["甲", "乙"], "办结率": [0.8125, None], "派单数": [3, None], "得分": [88.456, None]})
    shown = for_display(frame, rates=["办结率"])
    # a rate is its percent rounded to tenths, halves up (as Excel's 0.0% and the Word bulletin's pct show it), and
    # stays a number, so sorting the column sorts by value; an empty value stays empty (shown as "—" by table())
    assert shown.rows() == [("甲", 81.3, 3, 88.456), ("乙", None, None, None)]
    assert for_display(pl.DataFrame({"r": [0.8765, 0.0, 1.0, 0.0115]}),
                       rates=["r"])["r"].to_list() == [87.7, 0.0, 100.0, 1.2]

    def page():
        import polars as pl

        from govdash.web import tables

        tables.table(pl.DataFrame({"部门": ["甲", "乙"], "办结率": [0.8125, None], "停留（小时）": [1.25, None]}),
                     rates=["办结率"], breaches={"办结率": 0.9})

    at = AppTest.from_function(page).run()
    grid = at.dataframe[0]
    # an empty value stays an empty cell (no "—" text inside a number column); the grid shows "—" in its place
    assert grid.proto.placeholder == "—"
    config = json.loads(grid.proto.columns)
    assert config["办结率"]["type_config"]["format"] == "%.1f%%"
    assert config["停留（小时）"]["type_config"]["format"] == "%.1f"
    assert list(grid.value.columns) == ["部门", "⚠", "办结率", "停留（小时）"]
    assert grid.value["⚠"].tolist() == ["⚠ 办结率低于90.0%", ""]
