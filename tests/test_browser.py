"""Every page in a real browser: Debian's Chromium driven by Playwright against `streamlit run` on 127.0.0.1.

Per page: loads without an error box or exception text, its Chinese heading is visible, one filter
changed changes what is shown, every download delivers a file that opens, a screenshot is saved to
test-artifacts/browser/. Also the known traps: no flash of the pages/ auto-discovered menu, the
default page at `/`, plotly text in a Simplified Chinese font, a department user's menu.
"""
from __future__ import annotations

import io
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from docx import Document
from playwright.sync_api import expect

from govdash.documents.documents import HEADER_ROW
from tests.support.browser import (
    CHAIR,
    CHROMIUM,
    D13,
    app_server,
    assert_clean,
    caption,
    choose,
    download,
    go,
    metric,
    new_page,
    rerun,
    settle,
    sign_in,
)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium not installed (scripts/system-deps.sh)")


@pytest.fixture
def server(sample_server):
    """The shared served sample city (tests/conftest.py): these tests only sign in, look and download."""
    return sample_server


@pytest.fixture
def upload_server(sample_db, tmp_path_factory):
    """A served app of its own for the test that uploads (its quarantine grows): no other test sees the upload,
    and it starts from the sample city's clean quarantine whatever ran before."""
    users = {CHAIR[0]: ("committee", CHAIR[1])}
    with app_server(tmp_path_factory.mktemp("upload"), sample_db, users) as served:
        yield served


def test_no_pages_menu_flash_and_default_page_at_root(browser, server):
    """Before app.py's st.navigation first runs, Streamlit could draw a menu from the pages/ folder."""
    page = new_page(browser)
    page.goto(server["url"] + "/", wait_until="commit")
    seen, deadline = set(), time.time() + 5
    while time.time() < deadline:
        try:
            seen.update(page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.innerText)"))
        except Exception:  # noqa: BLE001 — the document may be replaced while loading
            pass
        page.wait_for_timeout(20)
    assert not seen, f"auto-discovered menu flashed: {seen}"
    assert page.locator("h1").first.inner_text() == "登录"
    assert_clean(page, "00-sign-in")
    page.context.close()
    page = sign_in(browser, server, CHAIR)
    # the default page is served at /, its period in the address
    assert page.url.split("?")[0].rstrip("/") == server["url"] and "month=" in page.url
    assert page.locator("h1").first.inner_text() == "月度通报"
    page.context.close()


def test_bulletin_page(browser, server):
    page = sign_in(browser, server, CHAIR)
    assert caption(page).startswith("2024年12月")
    before = metric(page, "派单数")
    # CJK text in the page and in plotly charts uses the Simplified Chinese face
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '通报')")
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    families = set(page.eval_on_selector_all(
        ".js-plotly-plot text",
        "els => els.filter(e => e.textContent.trim()).map(e => getComputedStyle(e).fontFamily)"))
    assert families and all(f.startswith('"Noto Sans CJK SC"') for f in families), families
    word = download(page, "下载 Word 通报")
    # the 版头 (issuing organ, number) first, then the title
    title = "2024年12月“社区吹哨、部门报到”工作情况通报"   # its lines broken between words
    assert any(p.text.replace("\n", "").startswith(title) for p in Document(io.BytesIO(word)).paragraphs[:4])
    excel = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel 通报")))
    assert excel["部门排名"].max_row == 18 + HEADER_ROW
    assert_clean(page, "01-bulletin")
    choose(page, "月份", "2024年6月", sidebar=True)
    # a past month at its default cut-off (inside the data) is computed from the log: the run can outlast settle()
    expect(page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first).to_contain_text(
        "2024年6月 · 截止 2024年7月5日", timeout=60_000)
    settle(page)
    assert caption(page).startswith("2024年6月")
    assert metric(page, "派单数") != before
    assert_clean(page, "01-bulletin-june")
    page.context.close()


@pytest.mark.parametrize("title, label, option, observe", [
    ("吹哨报到分析", "处置方式", "现场", ("metric", "符合条件的派单（含退回）")),
    ("部门自查", "部门", "住建局", ("text", "本月排名")),
    ("联系捆绑走访", "部门", "住建局", ("metric", "应走访周次")),
    ("负面清单", "月份", "2024年6月", ("caption", None)),
    ("五级双向", "统计范围", "本年", ("metric", "诉求数")),
    ("年度考核", "考核期间", "第2季度", ("caption", None)),
])
def test_page_filters(browser, server, title, label, option, observe):
    page = sign_in(browser, server, CHAIR)
    go(page, title)
    kind, key = observe
    if kind == "metric":
        box = page.locator('[data-testid="stMetric"]', has=page.locator('[data-testid="stMetricLabel"]',
                                                                        has_text=key)).first
        shown = box.locator('[data-testid="stMetricValue"]')
    elif kind == "caption":
        shown = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    else:
        shown = page.get_by_text(key).first
    before = shown.inner_text()
    assert_clean(page, f"page-{title}")
    settle(page)   # the page's first run is over: a pick made while it still draws the sidebar can be lost
    if label == "统计范围":
        with rerun(page):
            page.locator('[data-testid="stRadio"]',
                         has=page.get_by_text(label, exact=True)).get_by_text(option, exact=True).click()
    else:
        choose(page, label, option, sidebar=label in ("月份", "考核期间"))   # the period is picked in the sidebar
    # the rerun may still be drawing: wait until what is shown changes
    expect(shown).not_to_have_text(before, timeout=60_000)
    if title == "年度考核":
        wb = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel 考核表")))
        assert wb.sheetnames == ["排名", "考核项", "扣分明细", "评分设置"]
    assert_clean(page, f"page-{title}-filtered")
    page.context.close()


def test_data_page_upload_quarantine_and_download(browser, upload_server, tmp_path):
    page = sign_in(browser, upload_server, CHAIR)
    go(page, "数据导入与质量")
    assert metric(page, "隔离行数") == "0"
    bad = tmp_path / "负面清单周报.csv"
    bad.write_bytes(("报告编号,联合党委编号,周次,上报时间,条款编号,数量\n"
                     "X1,J01,2024-W40,2024-10-07 09:00,E.9.9,1\n").encode("gb18030"))
    page.get_by_text("上传数据文件").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.get_by_text(bad.name).wait_for()
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("导入完成（部分行被隔离）").wait_for()
    settle(page)
    # the new snapshot is picked up on the next run: away and back again
    go(page, "月度通报")
    go(page, "数据导入与质量")
    assert metric(page, "隔离行数") == "1"
    csv = download(page, "下载隔离明细（CSV，Excel 可直接打开）")
    assert csv.startswith("\ufeff".encode("utf-8"))
    rows = pl.read_csv(io.BytesIO(csv))
    assert rows["原因"][0].startswith("条款编号不在附录 E") and rows["行号"][0] == 2
    choose(page, "按文件筛选", "负面清单周报.csv")
    assert_clean(page, "page-data")
    page.context.close()


def test_department_user_menu(browser, server):
    page = sign_in(browser, server, D13)
    links = page.eval_on_selector_all('[data-testid="stSidebar"] a', "els => els.map(e => e.innerText.trim())")
    titles = {t.split("\n")[-1] for t in links}
    assert titles == {"月度通报", "吹哨报到分析", "部门自查", "事件查询", "联系捆绑走访", "负面清单", "年度考核",
                      "申诉核减"}
    assert "本部门" in page.inner_text("body")
    # the department's download is the city's bulletin as circulated (every department ranked), then its own
    # extract, in sheets named as its own, holding its own row only
    excel = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel 通报")))
    ranking = excel["部门排名"]
    ranked = [ranking.cell(i, 2).value for i in range(HEADER_ROW + 1, ranking.max_row + 1)]
    assert "住建局" in ranked and len(ranked) == 18
    own = excel["本部门吹哨报到情况"]
    assert [own.cell(i, 2).value for i in range(HEADER_ROW + 1, own.max_row + 1)] == ["住建局"]
    assert_clean(page, "dept-bulletin")
    # a city-only page is not reachable by its address either: it answers with a refusal, no data
    page.goto(server["url"] + "/data")
    page.locator("h1").first.wait_for()
    settle(page)
    assert page.locator("h1").first.inner_text() == "无权查看"
    assert page.locator('[data-testid="stDataFrame"], [data-testid="stMetric"]').count() == 0
    assert_clean(page, "dept-data-url")
    page.context.close()
