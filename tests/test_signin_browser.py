"""Signing in, in a real browser (Debian Chromium via Playwright) against `streamlit run app.py` (the st.App).

What once failed, each now the other way round: a refresh (F5) keeps the
user signed in; a page's link opened while signed out goes to the sign-in form and then to that page
(no "Page not found"); wrong passwords slow down and lock the account at that address, the right one included; a
download's /media/ URL answers 403 to a client without the session, and to the same browser after
signing out; nothing is requested from another host (tests/conftest.py refuses and records it).
"""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

import openpyxl
import pytest

from tests.support.browser import CHROMIUM, app_server, guard_context, new_page, screenshot, settle
from tests.support.paths import REPO

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium not installed (scripts/system-deps.sh)")
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHAIR = ("chair", "chair-password-1")
WHISTLE = "吹哨报到分析"


@pytest.fixture(scope="module")
def server(sample_db, tmp_path_factory):
    """The st.App with the shipped throttle rules, except delays of tenths of a second (a test does
    not wait 15 s for 1 + 2 + 4 + 8) and an address limit the module's sign-ins never reach."""
    work = tmp_path_factory.mktemp("signin")
    settings = work / "access.toml"
    text = (REPO / "config" / "access.toml").read_text(encoding="utf-8")
    account, address = text.split("[throttle.address]")
    account = account.replace("delay_base_seconds = 1",
                              "delay_base_seconds = 0.2").replace("delay_max_seconds = 30", "delay_max_seconds = 1")
    address = address.replace("lock_after = 20", "lock_after = 100").replace("delay_after = 5", "delay_after = 50")
    settings.write_text(account + "[throttle.address]" + address, encoding="utf-8")
    users = {CHAIR[0]: ("committee", CHAIR[1]), "locked-user": ("committee", "locked-password-1")}
    with app_server(work, sample_db, users, {"GOVDASH_ACCESS_SETTINGS": str(settings)}) as server:
        yield server


def submit(page, user: str, password: str) -> None:
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():                      # a real form POST: wait for the answer's page
        page.get_by_role("button", name="登录").click()


def signed_in(browser, server):
    """A new page signed in as the chair through the form, on the landing page (月度通报), settled."""
    page = new_page(browser)
    page.goto(server["url"] + "/")
    submit(page, *CHAIR)
    page.locator("h1", has_text="月度通报").wait_for()
    settle(page)
    return page


def heading(page) -> str:
    page.locator("h1").first.wait_for()
    return page.locator("h1").first.inner_text()


def shot(page, name: str) -> None:
    screenshot(page, ARTIFACTS, f"signin-{name}")


def test_deep_link_signed_out_goes_to_sign_in_then_to_the_page(browser, server):
    page = new_page(browser)
    page.goto(server["url"] + "/whistle")
    assert page.url == server["url"] + "/account/sign-in?next=/whistle"
    assert heading(page) == "登录" and "Page not found" not in page.inner_text("body")
    shot(page, "deep-link-form")
    submit(page, *CHAIR)
    page.locator("h1", has_text=WHISTLE).wait_for()
    settle(page)
    # the page, its period written into the address (?month=…)
    assert page.url.split("?")[0] == server["url"] + "/whistle" and "month=" in page.url
    assert heading(page) == WHISTLE and "Page not found" not in page.inner_text("body")
    # the tab icon is inline, not Material Symbols from fonts.gstatic.com
    assert page.evaluate("document.querySelector(\"link[rel='shortcut icon']\").href").startswith("data:image/svg+xml")
    shot(page, "deep-link-landed")
    page.context.close()


def test_refresh_and_a_new_tab_keep_the_user_signed_in(browser, server):
    page = signed_in(browser, server)
    page.locator('[data-testid="stSidebar"] a', has_text=WHISTLE).click()
    page.locator("h1", has_text=WHISTLE).wait_for()
    settle(page)
    page.reload()                                       # F5
    page.locator("h1", has_text=WHISTLE).wait_for()
    settle(page)
    assert page.url.split("?")[0] == server["url"] + "/whistle" and heading(page) == WHISTLE
    assert "已登录：chair" in page.locator('[data-testid="stSidebar"]').inner_text()
    other = page.context.new_page()                     # a link opened from a message, same browser
    other.goto(server["url"] + "/visits")
    other.locator("h1", has_text="联系捆绑走访").wait_for()
    assert other.url.split("?")[0] == server["url"] + "/visits"
    page.context.close()


def test_wrong_passwords_lock_the_account_even_for_the_right_one(browser, server):
    page = new_page(browser)
    page.goto(server["url"] + "/")
    alert = page.locator('[role="alert"]')
    seen = []
    for i in range(6):
        while True:
            submit(page, "locked-user", f"wrong-{i}")
            text = alert.first.inner_text()
            if "秒后再试" not in text:                  # the growing delay: wait and submit the same again
                break
            time.sleep(0.3)
        seen.append(text)
    assert seen[:5] == ["用户名或密码不正确。"] * 5
    locked = re.fullmatch(r"账号“locked-user”从本机地址连续 5 次登录失败，已被暂时锁定，请于 (\d{4}-\d\d-\d\d \d\d:"
                          r"\d\d) 后再试（锁定期间从本机地址即使密码正确也无法登录；"
                          r"此前成功登录过该账号的浏览器不受影响）。", seen[5])
    assert locked, seen[5]
    shot(page, "locked")
    # the right password is refused while the lock lasts
    submit(page, "locked-user", "locked-password-1")
    assert alert.first.inner_text() == seen[5]
    assert "/account/sign-in" in page.url and not page.context.cookies()
    # the server log names the account and the address
    log = (server["work"] / "server.log").read_text(encoding="utf-8")
    assert re.search(r"sign-in account locked after 5 failures: account='locked-user' address=127\.0\.0\.1",
                     log), log[-2000:]
    assert "sign-in refused (locked, account" in log
    page.context.close()


def test_downloads_only_for_the_signed_in_session(browser, server):
    page = signed_in(browser, server)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 Excel 通报").click()
    url = info.value.url
    assert re.fullmatch(re.escape(server["url"]) + r"/media/[0-9a-f]+\.xlsx", url)
    # the signed-in browser downloads the committee's bulletin
    mine = page.context.request.get(url)
    assert mine.status == 200 and openpyxl.load_workbook(io.BytesIO(mine.body()))["部门排名"].max_row > 1
    # a client without the session cookie gets 403 and a Chinese reason, not the file
    stranger = browser.new_context()
    guard_context(stranger)
    refused = stranger.request.get(url)
    assert refused.status == 403 and "无权访问" in refused.text() and not refused.body().startswith(b"PK")
    # signing out revokes the session: the same browser, and a copy of its cookie, are refused
    cookie = next(c for c in page.context.cookies() if c["name"] == "govdash_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > time.time() + 7.9 * 3600
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    page.get_by_text("您已退出登录。").wait_for()
    assert heading(page) == "登录"
    assert page.context.request.get(url).status == 403
    stranger.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    assert stranger.request.get(url).status == 403
    copied = stranger.new_page()
    copied.goto(server["url"] + "/whistle")
    assert "/account/sign-in" in copied.url and heading(copied) == "登录"
    stranger.close()
    page.context.close()
