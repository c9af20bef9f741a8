"""The period state in a real browser on the served app: the sidebar's event search opens the case page and lets the
menu go, the month and a picked cut-off survive a refresh (F5), and a copied link opens the same view in another
browser signed in on its own."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.support.browser import CHAIR, assert_clean, choose, go, rerun, settle, sign_in

EVENT = "E20240000001"   # the first whistle event of the committed sample city (sample_data/whistle_events.csv)


def address(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_search_then_menu_refresh_and_a_copied_link(browser, committed_server):
    page = sign_in(browser, committed_server, CHAIR)
    choose(page, "月份", "2024年11月", sidebar=True)
    expect(page).to_have_url(re.compile(r"month=2024-11"))
    # the sidebar's search: spaces and a lower-case letter still find the event; the case page's own address
    box = page.locator('[data-testid="stSidebar"] input[aria-label="按事件编号查询"]')
    box.fill(f"  {EVENT.lower()} ")
    box.press("Enter")
    page.locator("h1", has_text="事件查询").wait_for()
    settle(page)
    assert urlsplit(page.url).path.endswith("/case")
    assert address(page)["event"] == EVENT and address(page)["month"] == "2024-11"
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(f"事件 {EVENT}")
    assert "找不到事件" not in page.inner_text("body")
    assert box.input_value() == ""
    # every menu link opens its own page, not the event again, and carries the month
    for title in ("吹哨报到分析", "部门自查", "联系捆绑走访", "负面清单", "五级双向", "年度考核", "数据导入与质量",
                  "月度通报"):
        go(page, title)
        assert page.locator("h1").first.inner_text() == title
        if title == "年度考核":
            assert address(page).get("year") == "2024", page.url
        elif title != "数据导入与质量":
            assert address(page).get("month") == "2024-11", (title, page.url)
    # a picked cut-off: in the address, held across pages, kept by F5
    go(page, "吹哨报到分析")
    # the list of dates is long: typed into the select box as a person does, then chosen
    day = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]',
                       has=page.get_by_text("截止日期", exact=True))
    day.get_by_role("combobox").click()
    page.keyboard.type("2024年12月3日")
    with rerun(page):
        page.get_by_role("option", name="2024年12月3日（周二）", exact=True).click()
    expect(page).to_have_url(re.compile(r"asof=2024-12-03"))
    assert "2024年12月3日 23:59" in sidebar_text(page)
    shown = page.locator('[data-testid="stMain"]').inner_text()
    assert "截止 2024年12月3日 23:59" in shown
    page.reload()   # F5: a new session, only the address to go by
    page.locator("h1", has_text="吹哨报到分析").wait_for()
    settle(page)
    assert address(page)["month"] == "2024-11" and address(page)["asof"] == "2024-12-03 23:59:59"
    assert "2024年12月3日 23:59" in sidebar_text(page)
    assert "2024年11月派出的任务 · 截止 2024年12月3日 23:59" in page.locator('[data-testid="stMain"]').inner_text()
    link = page.url
    assert_clean(page, "period-after-refresh")
    # the copied link in another browser context (signed in on its own): the same month, cut-off and figures
    other = sign_in(browser, committed_server, CHAIR)
    other.goto(link)
    other.locator("h1", has_text="吹哨报到分析").wait_for()
    settle(other)
    assert address(other)["month"] == "2024-11" and address(other)["asof"] == "2024-12-03 23:59:59"
    assert "2024年12月3日 23:59" in sidebar_text(other)
    assert "2024年11月派出的任务 · 截止 2024年12月3日 23:59" in other.locator('[data-testid="stMain"]').inner_text()
    for label in ("全市处置率", "全市办结率", "全市按期办结率", "全市超期未办结"):
        mine = page.locator('[data-testid="stMetric"]', has_text=label).first.inner_text()
        assert other.locator('[data-testid="stMetric"]', has_text=label).first.inner_text() == mine, label
    assert_clean(other, "period-copied-link")
    other.context.close()
    page.context.close()
