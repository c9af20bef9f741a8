"""Screenshots of every page at 1440×900 (desktop) and 390×844 (phone), saved under test-artifacts/screenshots/ for
review, one browser session per viewport: signed in once, then each page by its address (the session
cookie carries over). On the desktop session: the month and the cut-off are visible without scrolling at
1280×720, and the sidebar's search by event id opens the case page. The folder is emptied when the module starts,
so what it holds after a run is that run's screenshots."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govdash.web import registry
from tests.support.browser import CHAIR, CHROMIUM, assert_no_exception, guard_context, screenshot, settle, sign_in_page
from tests.support.paths import REPO
from warehouse.db import connect_read

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium not installed (scripts/system-deps.sh)")
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
PAGES = {p.url: p.title for p in registry.PAGES}
VIEWPORTS = {"desktop-1440x900": {"width": 1440, "height": 900}, "phone-390x844": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def shots() -> Path:
    """The screenshots' folder, emptied once for this module: the run's own pictures only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def server(committed_server):
    """The shared served committed sample city (tests/conftest.py): pages are only opened and looked at."""
    return committed_server


def _signed_in(browser, server, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport["width"] < 600,
                                  has_touch=viewport["width"] < 600)
    guard_context(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in_page(page, server["url"], CHAIR)
    return context, page


def _shoot(page, name: str) -> None:
    screenshot(page, ARTIFACTS, name)
    assert page.get_by_text("Page not found").count() == 0, name
    assert_no_exception(page, name)


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_every_page_screenshot(browser, server, shots, viewport):
    context, page = _signed_in(browser, server, VIEWPORTS[viewport])
    try:
        for url, title in PAGES.items():
            # every page by its own address, the default page (月度通报, also at "/") included
            page.goto(f"{server['url']}/{url}")
            page.locator("h1", has_text=title).wait_for()
            settle(page)
            _shoot(page, f"{viewport}-{url}")
            if url == "data":  # the uploader: no English of Streamlit's own ("Upload", "200MB per file")
                page.locator('[data-testid="stExpander"] summary', has_text="上传数据文件").click()
                zone = page.locator('[data-testid="stFileUploaderDropzone"]')
                zone.wait_for()
                settle(page)
                # Streamlit's English stays in the DOM, hidden by the page's CSS; the Chinese help is drawn instead
                hidden = zone.evaluate("""z => [...z.querySelectorAll(
                        'button > *, [data-testid=stFileUploaderDropzoneInstructions] > *')]
                    .map(e => { const s = getComputedStyle(e);
                                return s.display === 'none' || s.fontSize === '0px'; })""")
                assert hidden and all(hidden), hidden
                helper = zone.evaluate("""z => getComputedStyle(
                    z.querySelector('[data-testid=stFileUploaderDropzoneInstructions]'), '::after').content""")
                assert "单个文件不超过" in helper, helper
                label = zone.evaluate("z => getComputedStyle(z.querySelector('button'), '::after').content")
                assert "选择文件" in label, label
                _shoot(page, f"{viewport}-data-upload")
        assert {p.stem for p in shots.glob(f"{viewport}-*.png")} >= {f"{viewport}-{url}" for url in PAGES}
        if viewport.startswith("desktop"):
            # the month and the cut-off at the top of the sidebar: visible without scrolling at 1280×720
            page.set_viewport_size({"width": 1280, "height": 720})
            page.goto(f"{server['url']}/bulletin")
            page.locator("h1", has_text="月度通报").wait_for()
            settle(page)
            sidebar = page.locator('[data-testid="stSidebar"]')
            for label in ("月份", "截止日期"):
                box = sidebar.get_by_text(label, exact=True).first.bounding_box()
                assert box and box["y"] + box["height"] < 720, (label, box)
            # the search by event id, from any page: opens the case page
            con = connect_read(server["db"])
            try:
                (event_id,) = con.execute("select min(event_id) from stg_whistle_events").fetchall()[0]
            finally:
                con.close()
            search = sidebar.get_by_label("按事件编号查询")
            search.fill(event_id)
            search.press("Enter")
            page.locator("h1", has_text="事件查询").wait_for()
            page.locator('[data-testid="stMarkdown"]', has_text="上报：").first.wait_for()
            settle(page)
            _shoot(page, f"{viewport}-case-{event_id}")
    finally:
        context.close()
