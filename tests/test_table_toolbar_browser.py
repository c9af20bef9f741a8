"""The toolbar Streamlit draws over a table (search, full screen) covers no text: on a phone (390×844, touch) and on
a desktop (1440×900), signed in as the committee on 月度通报, 吹哨报到分析 and 联系捆绑走访, each visible table is
tapped or hovered until its toolbar shows, and the toolbar's box may not meet the box of any visible text of the page
(a paragraph, a caption, markdown, a key figure, a heading). The phone's pages are saved as screenshots under
test-artifacts/table-toolbar/ for review."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import CHAIR, CHROMIUM, assert_no_exception, guard_context, screenshot, settle, sign_in_page
from tests.support.paths import REPO

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium not installed (scripts/system-deps.sh)")
ARTIFACTS = REPO / "test-artifacts" / "table-toolbar"
PAGES = {"bulletin": "月度通报", "whistle": "吹哨报到分析", "visits": "联系捆绑走访"}
VIEWPORTS = {"phone-390x844": {"width": 390, "height": 844}, "desktop-1440x900": {"width": 1440, "height": 900}}

# The page's text a reader sees, as element boxes; a table's own toolbar and what lies inside the table are not text
# it could cover
TEXT = ('p, h1, h2, h3, h4, h5, h6, [data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"], '
        '[data-testid="stMetric"]')
# Every visible text box of the main area the toolbar of `frame` meets (boxes touching at an edge do not meet)
COVERED = """(frame, selector) => {
    const bar = frame.querySelector('[data-testid="stElementToolbar"]').getBoundingClientRect();
    const meets = (r) => r.left < bar.right && bar.left < r.right && r.top < bar.bottom && bar.top < r.bottom;
    const shown = (e) => {
        const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0';
    };
    const hit = [...document.querySelectorAll('[data-testid="stMain"] :is(' + selector + ')')]
        .filter(e => !frame.contains(e) && shown(e) && e.innerText.trim() && meets(e.getBoundingClientRect()));
    // each text once: a paragraph, not also the markdown block around it
    return hit.filter(e => !hit.some(inner => inner !== e && e.contains(inner)))
        .map(e => e.innerText.trim().slice(0, 40));
}"""
# the toolbar has come in: fully opaque and at rest (it slides down into place as it fades in)
TOOLBAR_SHOWN = """frame => {
    const bar = frame.querySelector('[data-testid="stElementToolbar"]');
    return !!bar && getComputedStyle(bar).opacity === '1' && bar.getAnimations().length === 0;
}"""


@pytest.fixture(scope="module")
def shots() -> Path:
    """This module's screenshots' folder, emptied once: the run's own pictures only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def covered_text(page, phone: bool) -> dict[int, list[str]]:
    """For each visible table of the main area, by its place on the page: the texts its toolbar covers once shown."""
    frames = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    found = {}
    for i in range(frames.count()):
        frame = frames.nth(i)
        if not frame.is_visible():   # in a closed expander or another tab: no toolbar to show
            continue
        frame.scroll_into_view_if_needed()
        box = frame.bounding_box()
        # a person's tap or pointer on the table's body, away from its header and its toolbar
        point = {"x": box["width"] / 2, "y": min(box["height"] - 4, 60)}
        frame.tap(position=point) if phone else frame.hover(position=point)
        page.wait_for_function(TOOLBAR_SHOWN, arg=frame.element_handle())
        # the table keeps its functions: the toolbar's buttons (columns, search, full screen) are there to use
        buttons = frame.locator('[data-testid="stElementToolbar"] button')
        assert buttons.count() >= 2 and all(buttons.nth(b).is_enabled() for b in range(buttons.count()))
        found[i] = frame.evaluate(COVERED, TEXT)
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_table_toolbar_covers_no_text(browser, committed_server, shots, viewport):
    phone = viewport.startswith("phone")
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", is_mobile=phone, has_touch=phone)
    guard_context(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        sign_in_page(page, committed_server["url"], CHAIR)
        covered, tables = {}, 0
        for url, title in PAGES.items():
            page.goto(f"{committed_server['url']}/{url}")
            page.locator("h1", has_text=title).wait_for()
            settle(page)
            assert_no_exception(page, title)
            found = covered_text(page, phone)
            tables += len(found)
            covered.update({f"{title} 第{i + 1}个表格": texts for i, texts in found.items() if texts})
            if phone:
                screenshot(page, shots, f"{viewport}-{url}")
        assert tables >= len(PAGES), f"too few tables shown: {tables}"
        assert covered == {}, f"{sum(map(len, covered.values()))} texts under a table's toolbar: {covered}"
    finally:
        context.close()
