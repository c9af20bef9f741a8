"""Adding a section to the monthly bulletin takes three places: a `.sql` file, one `Section` line with
its scope rule (govdash.figures.bulletin.SECTIONS, which the catalogue cuts by), and the document section
that shows it (govdash.documents.bulletin_body.BODY, which the Word file and the page both draw). This test adds
one in exactly those three places and follows it into the bulletin, a department's cut, the Word file and the
page, for the committee and for a department."""
from __future__ import annotations

import datetime as dt
import io
import shutil

import polars as pl
import pytest
import streamlit as st
from docx import Document

import warehouse.sql_files
from govdash.documents import bulletin_body
from govdash.documents.bulletin_body import BodySection, Table
from govdash.documents.documents import render_bulletin
from govdash.figures import bulletin as monthly_bulletin
from govdash.figures import catalogue
from govdash.figures.bulletin import Section, metric_rows
from govdash.figures.scope import OWN_DEPARTMENT
from govdash.records.accounts import Principal
from tests.support.apptest import open_page
from warehouse.db import connect_read, fetch_frame, read_cursor

MONTH = "2024-06"
CUTOFF = dt.datetime(2024, 12, 31, 23, 59)
DEPT = "D13"

# 1. the query
NEW_SQL = """-- Dispatch rows of the whistle log per department in the month (a section added by a test).
-- Params: $month_start, $month_end.
with dispatches as (
    select * from stg_whistle_event_log
    where action = 'dispatched' and ts >= $month_start and ts < $month_end
),

final as (
    select dept_id, count(*) as dispatch_rows from dispatches group by dept_id
)

select * from final order by dept_id
"""
TITLE = "派单记录（测试新增）"
COLUMNS = [("dept_id", "部门编号", "text"), ("dispatch_rows", "派单记录数", "int")]


def _new_document_section(b, previous):   # 3. the document section
    return [Table("各部门本月派单记录数：", "各部门派单记录数", COLUMNS, b["dispatch_rows"])]


@pytest.fixture
def with_new_section(monkeypatch, tmp_path):
    metrics = tmp_path / "metrics"
    shutil.copytree(warehouse.sql_files.METRICS_DIR, metrics)
    (metrics / "department_dispatch_rows.sql").write_text(NEW_SQL, encoding="utf-8")
    monkeypatch.setattr(warehouse.sql_files, "METRICS_DIR", metrics)
    # 2. the section, with its scope rule
    monkeypatch.setattr(monthly_bulletin, "SECTIONS", monthly_bulletin.SECTIONS + (
        Section("dispatch_rows", OWN_DEPARTMENT, metric_rows("department_dispatch_rows"), "派单记录数"),))
    body = list(bulletin_body.BODY)
    body.insert(len(body) - 1, BodySection(TITLE, _new_document_section))   # before 口径与设置
    monkeypatch.setattr(bulletin_body, "BODY", tuple(body))
    st.cache_data.clear()   # the pages' cached bulletins were computed without the section
    yield
    st.cache_data.clear()


def _expected(cur) -> dict[str, int]:
    """The same count read another way: the whole log in polars."""
    log = fetch_frame(cur, "select dept_id, action, ts from stg_whistle_event_log")
    start, end = dt.datetime(2024, 6, 1), dt.datetime(2024, 7, 1)
    counts = (log.filter((pl.col("action") == "dispatched") & (pl.col("ts") >= start) & (pl.col("ts") < end))
              .group_by("dept_id").len())
    return dict(zip(counts["dept_id"], counts["len"]))


def test_a_section_added_in_three_places_reaches_the_bulletin_its_cut_and_the_word_file(committed_sample_db,
                                                                                        with_new_section):
    con = connect_read(committed_sample_db)
    try:
        cur = read_cursor(con)
        expected = _expected(cur)
        b = monthly_bulletin.bulletin(cur, MONTH, CUTOFF)
        prev = monthly_bulletin.bulletin(cur, "2024-05", CUTOFF)
    finally:
        con.close()
    assert {r["dept_id"]: r["dispatch_rows"] for r in b["dispatch_rows"]} == expected
    assert len(expected) > 1 and expected[DEPT] > 0

    entry = catalogue.declared(monthly_bulletin.bulletin)
    mine = catalogue.cut(entry, b, Principal("d", "department", DEPT), set())
    assert mine["dispatch_rows"] == [{"dept_id": DEPT, "dispatch_rows": expected[DEPT]}]   # its scope rule
    assert catalogue.cut(entry, b, Principal("c", "committee"), set())["dispatch_rows"] == b["dispatch_rows"]

    doc = Document(io.BytesIO(render_bulletin("docx", b, prev)))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[-2:] == [f"十一、{TITLE}", "十二、口径与设置"]
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["部门编号", "派单记录数"])
    assert {r.cells[0].text: int(r.cells[1].text) for r in table.rows[1:]} == expected


@pytest.mark.parametrize("principal", [Principal("c", "committee"), Principal("d", "department", DEPT)],
                         ids=["committee", "department"])
def test_a_section_added_in_three_places_is_on_the_page(committed_sample_db, with_new_section, monkeypatch, principal):
    at = open_page("pages/monthly_bulletin.py", principal, MONTH, CUTOFF, db=committed_sample_db,
                   monkeypatch=monkeypatch)
    titles = [s.value for s in at.subheader]
    assert f"十一、{TITLE}" in titles and "十二、口径与设置" in titles
    con = connect_read(committed_sample_db)
    try:
        expected = _expected(read_cursor(con))
    finally:
        con.close()
    shown = next(df.value for df in at.dataframe if "派单记录数" in df.value.columns)
    counts = dict(zip(shown["部门"] if "部门" in shown.columns else shown["部门编号"], shown["派单记录数"]))
    # a department reads the city's bulletin as the committee does (SPEC 8.1); its cut is its extract's
    assert sorted(counts.values()) == sorted(expected.values())
