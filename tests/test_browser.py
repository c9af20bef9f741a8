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

from govdash.documents.documents import HEADER_ROW
from tests.conftest import CHROMIUM, REPO, app_server, assert_no_exception, new_page, screenshot, settle, sign_in_page

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (scripts/system-deps.sh)")
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHAIR = ("chair", "chair-password-1")
D13 = ("d13", "d13-password-1")


@pytest.fixture(scope="module")
def server(sample_db, tmp_path_factory):
    """A real `streamlit run app.py` (the st.App) on its own copy of the sample warehouse and its own accounts."""
    users = {CHAIR[0]: ("committee", CHAIR[1]), D13[0]: ("department:D13", D13[1])}
    with app_server(tmp_path_factory.mktemp("browser"), sample_db, users) as server:
        yield server


def sign_in(browser, server, user) -> object:
    page = new_page(browser)
    sign_in_page(page, server["url"], user)
    return page


def assert_clean(page, name: str) -> None:
    screenshot(page, ARTIFACTS, name)
    assert_no_exception(page, name)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, name


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebar"] a', has_text=title).click()
    page.locator("h1", has_text=title).wait_for()
    settle(page)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has=page.locator('[data-testid="stMetricLabel"]', has_text=label)).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def choose(page, label: str, option: str, sidebar: bool = False) -> None:
    scope = page.locator('[data-testid="stSidebar"]') if sidebar else page.locator('[data-testid="stMain"]')
    widget = scope.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]', has=page.get_by_text(label, exact=True)).first
    widget.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    settle(page)


def caption(page) -> str:
    return page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()


def download(page, button: str) -> bytes:
    """Click a download button once the script run is over; a click that lands while a rerun replaces the
    button is lost (as it would be for a person, who clicks again), so one more click after a wait."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt, timeout in enumerate((30_000, 60_000)):
        settle(page)
        if page.get_by_role("button", name=button).is_disabled():
            # Streamlit disables every widget while its websocket is down: say so rather than time out
            page.wait_for_timeout(5_000)
            assert not page.get_by_role("button", name=button).is_disabled(), (
                f"{button}: the page lost its connection to the server (see test-artifacts/server-logs)")
        try:
            with page.expect_download(timeout=timeout) as info:
                page.get_by_role("button", name=button).click()
            return Path(info.value.path()).read_bytes()
        except PlaywrightTimeout:
            if attempt:
                raise
    raise AssertionError("unreachable")


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
    assert page.url.rstrip("/") == server["url"]   # the default page is served at /
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
        ".js-plotly-plot text", "els => els.filter(e => e.textContent.trim()).map(e => getComputedStyle(e).fontFamily)"))
    assert families and all(f.startswith('"Noto Sans CJK SC"') for f in families), families
    word = download(page, "下载 Word 通报")
    # the 版头 (issuing organ, number) first, then the title
    assert any(p.text.startswith("2024年12月“社区吹哨、部门报到”工作情况通报") for p in Document(io.BytesIO(word)).paragraphs[:4])
    excel = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel 通报")))
    assert excel["部门排名"].max_row == 18 + HEADER_ROW
    assert_clean(page, "01-bulletin")
    choose(page, "月份", "2024年6月", sidebar=True)
    # a past month at its default cut-off (inside the data) is computed from the log: the run can outlast settle()
    from playwright.sync_api import expect

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

    def shown():
        if kind == "metric":
            return metric(page, key)
        if kind == "caption":
            return caption(page)
        return page.get_by_text(key).first.inner_text()

    before = shown()
    assert_clean(page, f"page-{title}")
    if label in ("统计范围", "考核期间"):
        page.locator('[data-testid="stRadio"]', has=page.get_by_text(label, exact=True)).get_by_text(option, exact=True).click()
        settle(page)
    else:
        choose(page, label, option, sidebar=(label == "月份"))
    deadline = time.time() + 20  # the rerun may still be drawing: poll until what is shown changes
    after = shown()
    while after == before and time.time() < deadline:
        page.wait_for_timeout(250)
        after = shown()
    assert after != before, (title, before, after)
    if title == "年度考核":
        wb = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel 考核表")))
        assert wb.sheetnames == ["排名", "考核项", "扣分明细", "评分设置"]
    assert_clean(page, f"page-{title}-filtered")
    page.context.close()


def test_data_page_upload_quarantine_and_download(browser, server, tmp_path):
    page = sign_in(browser, server, CHAIR)
    go(page, "数据导入与质量")
    assert metric(page, "隔离行数") == "0"
    bad = tmp_path / "负面清单周报.csv"
    bad.write_bytes("报告编号,联合党委编号,周次,上报时间,条款编号,数量\nX1,J01,2024-W40,2024-10-07 09:00,E.9.9,1\n".encode("gb18030"))
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
    assert titles == {"月度通报", "吹哨报到分析", "部门自查", "事件查询", "联系捆绑走访", "负面清单", "年度考核"}
    assert "本部门" in page.inner_text("body")
    # the department's own download holds its own row only
    excel = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel 通报")))
    ranking = excel["部门排名"]
    assert [ranking.cell(i, 2).value for i in range(HEADER_ROW + 1, ranking.max_row + 1)] == ["住建局"]
    assert_clean(page, "dept-bulletin")
    # a city-only page is not reachable by its address either: it answers with a refusal, no data
    page.goto(server["url"] + "/data")
    page.locator("h1").first.wait_for()
    settle(page)
    assert page.locator("h1").first.inner_text() == "无权查看"
    assert page.locator('[data-testid="stDataFrame"], [data-testid="stMetric"]').count() == 0
    assert_clean(page, "dept-data-url")
    page.context.close()
