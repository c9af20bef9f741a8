from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def warehouse_cursor(db: Path):
    """A read cursor on the warehouse file `db` (warehouse.db.read_cursor); its connection is closed after."""
    from warehouse.db import connect_read, read_cursor

    con = connect_read(db)
    try:
        yield read_cursor(con)
    finally:
        con.close()


def _show_error_details_in_apptest() -> None:
    """The product hides error details from users (.streamlit/config.toml); AppTest's exceptions should
    still carry the message, so a failing test says what failed."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")


_show_error_details_in_apptest()


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    from pipelines.sample import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, seed=7, scale=0.05)
    return out


@pytest.fixture(scope="session")
def sample_db(sample_dir, tmp_path_factory) -> Path:
    from pipelines.ingest import ingest

    db = tmp_path_factory.mktemp("wh") / "sample.duckdb"
    result = ingest([sample_dir], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    return db


@pytest.fixture
def sample_warehouse(sample_db, monkeypatch) -> Path:
    monkeypatch.setenv("GOVDASH_DB", str(sample_db))
    return sample_db


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    db = tmp_path / "wh.duckdb"
    monkeypatch.setenv("GOVDASH_DB", str(db))
    return db


@pytest.fixture(scope="session")
def october(tmp_path_factory):
    """The hand-worked October 2024 city of tests/test_visits_negative.py (FILES), loaded once:
    (warehouse path, ingest result). Read-only for every test that uses it."""
    from pipelines.ingest import ingest
    from tests.test_visits_negative import FILES

    src = tmp_path_factory.mktemp("oct")
    for name, text in FILES.items():
        (src / name).write_text(text, encoding="utf-8")
    db = tmp_path_factory.mktemp("wh") / "oct.duckdb"
    return db, ingest([src], db_path=db)


def pytest_addoption(parser):
    parser.addoption("--crawl", default="sample", choices=["sample", "full"],
                     help="page crawl: a seeded random sample of role × page × month (default, in CI) or all of it")
    parser.addoption("--crawl-size", default=48, type=int, help="how many role × page × month cases the sample crawl runs")
    parser.addoption("--crawl-seed", default=None, type=int, help="the sample crawl's seed (default: a new one each run, printed)")


@pytest.fixture(scope="session")
def committed_sample_db(tmp_path_factory) -> Path:
    """The committed sample city (sample_data/, 18 departments, all of 2024) in one warehouse, shared read-only
    by every test that crawls the pages as the sample city's users."""
    from pipelines.ingest import ingest

    db = tmp_path_factory.mktemp("committed") / "sample.duckdb"
    result = ingest([REPO / "sample_data"], db_path=db)
    assert result.exit_code in (0, 2), result.as_dict()
    return db


# ---------------------------------------------------------------- browser tests (Debian Chromium via Playwright)

import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# every request a browser test's pages made to another host (refused): must stay empty
EXTERNAL_REQUESTS: list[str] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(work: Path, env: dict):
    """`streamlit run app.py` (the st.App) on a free loopback port; yields its URL. Log: work/server.log."""
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
                time.sleep(0.25)
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
    (work/accounts.toml) holding `users` (account → (role, password)), with `env` added to the server's environment;
    yields {"url", "db" (the copy), "work"}."""
    from govdash import accounts as account_store

    copy = work / "warehouse.duckdb"
    shutil.copy(db, copy)
    accounts = work / "accounts.toml"
    for name, (role, password) in users.items():
        account_store.set_user(name, role, password, path=accounts)
    with streamlit_server(work, {"GOVDASH_DB": str(copy), "GOVDASH_ACCOUNTS": str(accounts), **(env or {})}) as url:
        yield {"url": url, "db": copy, "work": work}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _elsewhere(url: str) -> bool:
    return url.startswith(("http:", "https:", "ws:", "wss:")) and urlsplit(url).hostname not in LOOPBACK


def guard_context(context) -> None:
    """Nothing leaves the machine: a request to any other host is recorded and refused."""
    context.on("request", lambda request: _elsewhere(request.url) and EXTERNAL_REQUESTS.append(request.url))
    context.route(_elsewhere, lambda route: route.abort())


def new_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
    guard_context(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


@pytest.fixture(autouse=True)
def _nothing_leaves_the_machine(request):
    """A browser test fails on any request its pages made to a host other than this machine."""
    if "browser" not in request.fixturenames:
        yield
        return
    EXTERNAL_REQUESTS.clear()
    yield
    assert not EXTERNAL_REQUESTS, f"requests to other hosts: {sorted(set(EXTERNAL_REQUESTS))}"


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


def settle(page) -> None:
    """Wait until the script run is over (Streamlit's running indicator gone) and the page is quiet."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"] [data-testid=\"stStatusWidgetRunningIcon\"]')"
                           " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    page.wait_for_timeout(300)
