"""The served app and the browser that drives it: `streamlit run app.py` on a free loopback port with its own
warehouse copy and accounts, Debian's Chromium through Playwright with every request to another host refused, and
the steps the browser tests share (sign in, go to a page, choose an option, download, wait for a run to end)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.paths import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# every request a browser test's pages made to another host (refused): must stay empty
EXTERNAL_REQUESTS: list[str] = []
# the accounts of the shared servers (tests/conftest.py sample_server, committed_server)
CHAIR = ("chair", "chair-password-1")
D13 = ("d13", "d13-password-1")
# where the browser tests' screenshots go for review
BROWSER_ARTIFACTS = REPO / "test-artifacts" / "browser"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(work: Path, env: dict):
    """`streamlit run app.py` (the st.App) on a free loopback port; yields its URL. Log: work/server.log."""
    import time
    import urllib.request

    port = free_port()
    log = open(work / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)   # polling a port that is not listening yet: nothing to await
        else:
            raise RuntimeError((work / "server.log").read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        # kept beside the screenshots: a browser test that fails in CI is read with the server's side of it
        kept = REPO / "test-artifacts" / "server-logs"
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "server.log", kept / f"{work.name}-{port}.log")


@contextmanager
def app_server(work: Path, db: Path, users: dict[str, tuple[str, str]], env: dict | None = None):
    """streamlit_server on its own copy of the warehouse `db` (work/warehouse.duckdb) and its own accounts file
    (work/accounts.toml) holding `users` (account → (role, password)) and its own records database
    (work/records.sqlite3, unless `env` names another), with `env` added to the server's environment;
    yields {"url", "db" (the copy), "work", "records" (the records database's URL)}."""
    from govdash.records import accounts as account_store

    copy = work / "warehouse.duckdb"
    shutil.copy(db, copy)
    accounts = work / "accounts.toml"     # no such file: the accounts are in the records database
    env = {"GOVDASH_RECORDS_URL": f"sqlite:///{work / 'records.sqlite3'}", **(env or {})}
    for name, (role, password) in users.items():
        account_store.set_user(name, role, password, url=env["GOVDASH_RECORDS_URL"])
    with streamlit_server(work, {"GOVDASH_DB": str(copy), "GOVDASH_ACCOUNTS": str(accounts), **env}) as url:
        yield {"url": url, "db": copy, "work": work, "records": env["GOVDASH_RECORDS_URL"]}


def _elsewhere(url: str) -> bool:
    return url.startswith(("http:", "https:", "ws:", "wss:")) and urlsplit(url).hostname not in LOOPBACK


# Counts the script runs a page has finished (window.__govdashRuns): the app's root element states its script run
# (`data-test-script-state`, the attribute Streamlit's own end-to-end tests wait on), and each change to
# `notRunning` from another state is one run over.
COUNT_RUNS = """(() => {
    window.__govdashRuns = 0;
    const watch = () => {
        const app = document.querySelector('[data-testid="stApp"]');
        if (!app) return false;
        let last = app.getAttribute('data-test-script-state');
        new MutationObserver(() => {
            const now = app.getAttribute('data-test-script-state');
            if (now === 'notRunning' && last !== 'notRunning') window.__govdashRuns += 1;
            last = now;
        }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        return true;
    };
    if (!watch()) new MutationObserver((_, seen) => { if (watch()) seen.disconnect(); })
        .observe(document, {childList: true, subtree: true});
})();"""


def guard_context(context) -> None:
    """Nothing leaves the machine: a request to any other host is recorded and refused. Every page of the context
    also counts its finished script runs (COUNT_RUNS), which `rerun` awaits."""
    context.on("request", lambda request: _elsewhere(request.url) and EXTERNAL_REQUESTS.append(request.url))
    context.route(_elsewhere, lambda route: route.abort())
    context.add_init_script(COUNT_RUNS)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
    guard_context(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def screenshot(page, folder: Path, name: str) -> None:
    """A full-page screenshot of `page`, saved as folder/name.png for review."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def assert_no_exception(page, name: str) -> None:
    """No exception box and no traceback text on the page (`name` says which page failed)."""
    assert page.locator('[data-testid="stException"]').count() == 0, name
    assert "Traceback" not in page.inner_text("body"), name


def sign_in_page(page, url: str, user: tuple[str, str]) -> None:
    """Signs `page` in at the app's address `url` as user (account, password) and waits for the landing page
    (月度通报) to settle."""
    page.goto(url + "/")
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()
    page.locator("h1", has_text="月度通报").wait_for()
    settle(page)


# connected, no script run going on, nothing still drawn as a placeholder
SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')
        && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def settle(page) -> None:
    """Wait until the script run is over: connected, the app's script state `notRunning`, no running indicator and
    no skeleton left. After something that shows the run has begun (a heading of the page awaited); after a click
    whose run may not have reached the browser yet, use `rerun`."""
    page.wait_for_function(SETTLED, timeout=60_000)


@contextmanager
def rerun(page):
    """Around an action that makes the app run its script (a widget changed): waits for a run that ended after the
    action began, then for the page to settle. The page must be settled when the block starts."""
    before = page.evaluate("window.__govdashRuns")
    yield
    page.wait_for_function("before => window.__govdashRuns > before", arg=before, timeout=60_000)
    settle(page)


# ---------------------------------------------------------------- steps on a signed-in page

def sign_in(browser, server, user) -> object:
    """A new browser page signed in to `server` as user (account, password), on 月度通报."""
    page = new_page(browser)
    sign_in_page(page, server["url"], user)
    return page


def assert_clean(page, name: str) -> None:
    """Screenshot `name` saved under BROWSER_ARTIFACTS; no exception and no error box on the page."""
    screenshot(page, BROWSER_ARTIFACTS, name)
    assert_no_exception(page, name)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, name


def go(page, title: str) -> None:
    """To the page titled `title` through the sidebar's menu; returns once it has settled."""
    page.locator('[data-testid="stSidebar"] a', has_text=title).click()
    page.locator("h1", has_text=title).wait_for()
    settle(page)


def metric(page, label: str) -> str:
    label_box = page.locator('[data-testid="stMetricLabel"]', has_text=label)
    box = page.locator('[data-testid="stMetric"]', has=label_box).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def choose(page, label: str, option: str, sidebar: bool = False) -> None:
    """`option` chosen in the select box labelled `label` (in the sidebar or the main area)."""
    scope = page.locator('[data-testid="stSidebar"]') if sidebar else page.locator('[data-testid="stMain"]')
    widget = scope.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]',
                           has=page.get_by_text(label, exact=True)).first
    widget.get_by_role("combobox").click()
    with rerun(page):
        page.get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")


def caption(page) -> str:
    return page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()


def download(page, button: str) -> bytes:
    """Click a download button once the script run is over; a click that lands while a rerun replaces the
    button is lost (as it would be for a person, who clicks again), so one more click after a wait."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for attempt, timeout in enumerate((30_000, 60_000)):
        settle(page)
        try:   # Streamlit disables every widget while its websocket is down: say so rather than time out
            expect(page.get_by_role("button", name=button)).to_be_enabled(timeout=5_000)
        except AssertionError:
            raise AssertionError(f"{button}: the page lost its connection to the server "
                                 "(see test-artifacts/server-logs)") from None
        try:
            with page.expect_download(timeout=timeout) as info:
                page.get_by_role("button", name=button).click()
            return Path(info.value.path()).read_bytes()
        except PlaywrightTimeout:
            if attempt:
                raise
    raise AssertionError("unreachable")
