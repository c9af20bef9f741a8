"""Every table on a page: its cells exported to Excel as shown (text stays text), long Chinese values given the
width they need, and empty values as empty cells."""
from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import polars as pl
from streamlit.testing.v1 import AppTest

from govdash.web.tables import CHAR_PX, excel_bytes, for_display, text_width

FRAME = pl.DataFrame({
    "部门": ["住房和城乡建设局", "=HYPERLINK(\"http://x\",\"点我\")"],
    "办结率": [0.8125, None],
    "派单数": [248, None],
    "派单时间": [dt.datetime(2024, 11, 3, 9, 5, 41), None],
    "扣分原因": ["办结率 83.9% 低于 90%，按考核细则第四条扣 2 分；处置率 86.3% 低于 90%，另扣 1 分", "+1"],
})


def test_the_export_holds_the_shown_cells_and_text_stays_text():
    shown = for_display(FRAME, rates=["办结率"])
    wb = openpyxl.load_workbook(io.BytesIO(excel_bytes(shown, rates=["办结率"])))
    ws = wb.active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == list(shown.columns)
    expected = [[None if v is None else f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime) else v for v in r]
                for r in shown.rows()]
    assert rows[1:] == expected
    assert rows[1][1] == 81.3 and rows[1][2] == 248    # numbers stay numbers
    formula = ws.cell(row=3, column=1)
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")   # text, never a formula
    assert formula.quotePrefix and ws.cell(row=3, column=5).quotePrefix


def test_every_table_has_its_export_button_and_wide_text_gets_its_width():
    def page():
        import polars as pl

        from govdash.web import tables

        tables.table(pl.DataFrame({"排名": [1], "部门": ["住房和城乡建设局"], "办结率": [None],
                                   "扣分原因": ["办结率 83.9% 低于 90%，按考核细则第四条扣 2 分；处置率另扣 1 分"]}),
                     rates=["办结率"], breaches={"办结率": 0.9}, key="t1")
        tables.table(pl.DataFrame({"社区": ["甲"], "件数": [3]}))

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert [d.label for d in at.get("download_button")] == ["导出 Excel", "导出 Excel"]
    config = json.loads(at.dataframe[0].proto.columns)
    reason = "办结率 83.9% 低于 90%，按考核细则第四条扣 2 分；处置率另扣 1 分"
    assert config["扣分原因"]["width"] >= text_width(reason) >= 20 * CHAR_PX
    # an empty value stays an empty cell; the grid shows "—" in its place (SPEC: an empty rate shows as "—")
    assert at.dataframe[0].proto.placeholder == "—"


def test_no_caption_points_left_the_sidebar_is_hidden_on_a_phone(sample_warehouse):
    from tests.support.apptest import open_page

    def shown(at) -> list[str]:
        return [e.value for kind in ("caption", "info", "markdown") for e in getattr(at, kind)]

    at = open_page()
    texts = shown(at)
    texts += shown(open_page("pages/case.py", at=at))
    assert any("在“统计期间”的“截止时点”中修改" in t for t in texts)
    assert not [t for t in texts if "左侧" in t or "左边" in t]


def test_the_funnel_workbook_names_communities_by_name(committed_sample_db):
    from govdash.documents.documents import render_bulletin
    from govdash.figures.bulletin import bulletin
    from tests.support.warehouse import warehouse_cursor

    with warehouse_cursor(committed_sample_db) as cur:
        b = bulletin(cur, "2024-10", None)
    names = b["reference"]["community_names"]
    wb = openpyxl.load_workbook(io.BytesIO(render_bulletin("xlsx", b, None)))
    [sheet] = [wb[n] for n in wb.sheetnames if n.startswith("漏斗（按社区")]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(name in cells for name in names.values())
    assert not [c for c in cells if c.startswith("社区 C") or c in names]   # no bare community code
