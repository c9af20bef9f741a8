"""The fixtures every test module may use: warehouses built once per run, the served app and the browser, and the
two tiers (`fast`, `browser`) each test is put in. Helpers live in tests/support/, imported from there."""
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.access import full_filesystem, guarded_app, state  # noqa: F401 — fixtures shared by test modules
from tests.support.browser import CHAIR, CHROMIUM, CHROMIUM_ARGS, D13, EXTERNAL_REQUESTS, app_server
from tests.support.cities import OCTOBER
from tests.support.paths import REPO
from tests.support.records import postgres_server, records_env, records_url  # noqa: F401 — records fixtures


def _show_error_details_in_apptest() -> None:
    """The product hides error details from users (.streamlit/config.toml); AppTest's exceptions should
    still carry the message, so a failing test says what failed."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")


_show_error_details_in_apptest()


def pytest_configure(config):
    """No test writes the records database of the working copy (data/records.sqlite3): a run's own SQLite file
    unless the environment names one, and each test a fresh one (isolated_records below)."""
    import tempfile

    if not os.environ.get("GOVDASH_RECORDS_URL"):
        folder = Path(tempfile.mkdtemp(prefix="govdash-records-"))
        os.environ["GOVDASH_RECORDS_URL"] = f"sqlite:///{folder / 'records.sqlite3'}"
        os.environ["GOVDASH_SEAL_KEY_FILE"] = str(folder / "seal.key")


@pytest.fixture(autouse=True)
def isolated_records(tmp_path_factory, monkeypatch):
    """Each test starts on an empty records database of its own (a SQLite file, made on first use) and the archive's
    seal key and chain head of its own beside it; a test that wants another (records_env, PostgreSQL) or the
    default beside the warehouse sets or removes the variables."""
    folder = tmp_path_factory.mktemp("rec")
    monkeypatch.setenv("GOVDASH_RECORDS_URL", f"sqlite:///{folder / 'records.sqlite3'}")
    monkeypatch.setenv("GOVDASH_SEAL_KEY_FILE", str(folder / "seal.key"))


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
    """The hand-worked October 2024 city (tests/support/cities.py OCTOBER), loaded once:
    (warehouse path, ingest result). Read-only for every test that uses it."""
    from pipelines.ingest import ingest

    src = tmp_path_factory.mktemp("oct")
    for name, text in OCTOBER.items():
        (src / name).write_text(text, encoding="utf-8")
    db = tmp_path_factory.mktemp("wh") / "oct.duckdb"
    return db, ingest([src], db_path=db)


def pytest_addoption(parser):
    parser.addoption("--crawl", default="sample", choices=["sample", "full"],
                     help="page crawl: a seeded random sample of role × page × month (default, in CI) or all of it")
    parser.addoption("--crawl-size", default=48, type=int,
                     help="how many role × page × month cases the sample crawl runs")
    parser.addoption("--crawl-seed", default=None, type=int,
                     help="the sample crawl's seed (default: $GOVDASH_CRAWL_SEED, else from the commit; printed)")


@pytest.fixture(scope="session")
def committed_sample_db(tmp_path_factory) -> Path:
    """The committed sample city (sample_data/, 18 departments, all of 2024) in one warehouse, shared read-only
    by every test that crawls the pages as the sample city's users."""
    from pipelines.ingest import ingest

    db = tmp_path_factory.mktemp("committed") / "sample.duckdb"
    result = ingest([REPO / "sample_data"], db_path=db)
    assert result.exit_code in (0, 2), result.as_dict()
    return db


# ---------------------------------------------------------------- tiers: every test is `fast` or `browser`

# fixtures that start a served app (`streamlit run`, `govdash serve`) or Chromium: a test using one is a browser test
SERVED_FIXTURES = {"browser", "sample_server", "committed_server", "upload_server", "server"}


def pytest_collection_modifyitems(config, items):
    """Each test gets exactly one tier: `browser` when it is marked so (LibreOffice, a served app it starts itself)
    or uses a fixture of SERVED_FIXTURES, else `fast` (unit, SQL, AppTest). A test marked both is an error."""
    for item in items:
        marked = {m.name for m in item.iter_markers() if m.name in ("fast", "browser")}
        if marked == {"fast", "browser"}:
            raise pytest.UsageError(f"{item.nodeid}: marked both fast and browser")
        if "browser" in marked or SERVED_FIXTURES & set(getattr(item, "fixturenames", ())):
            if "browser" not in marked:
                item.add_marker(pytest.mark.browser)
        elif "fast" not in marked:
            item.add_marker(pytest.mark.fast)


def commit_seed() -> int:
    """A seed fixed per commit: the first eight hex digits of `git rev-parse HEAD` as a number, below 10⁶ (0 outside
    a git checkout)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10).stdout
        return int(head.strip()[:8], 16) % 10 ** 6
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def chosen_crawl_seed(config) -> int:
    """The sample crawl's seed: --crawl-seed, else $GOVDASH_CRAWL_SEED, else derived from the commit (so a run of the
    same commit crawls the same cases, and a failure is replayed by running that commit again)."""
    seed = config.getoption("--crawl-seed")
    if seed is None and os.environ.get("GOVDASH_CRAWL_SEED"):
        seed = int(os.environ["GOVDASH_CRAWL_SEED"])
    return seed if seed is not None else commit_seed()


def pytest_report_header(config):
    return f"crawl seed: {chosen_crawl_seed(config)} (--crawl-seed or GOVDASH_CRAWL_SEED to replay another)"


def pytest_terminal_summary(terminalreporter, config):
    """The seed again at the end (also under -q, which drops the header), where a failed crawl is read."""
    terminalreporter.write_line(f"crawl seed: {chosen_crawl_seed(config)}")


@pytest.fixture(scope="session")
def crawl_seed(request) -> int:
    return chosen_crawl_seed(request.config)


# ---------------------------------------------------------------- the served app and the browser

@pytest.fixture(scope="session")
def sample_server(sample_db, tmp_path_factory):
    """One `streamlit run app.py` on its own copy of the sample warehouse, accounts CHAIR (committee) and D13
    (department:D13), shared by every browser test that only reads: signs in, looks, downloads."""
    users = {CHAIR[0]: ("committee", CHAIR[1]), D13[0]: ("department:D13", D13[1])}
    with app_server(tmp_path_factory.mktemp("sample-server"), sample_db, users) as served:
        yield served


@pytest.fixture(scope="session")
def committed_server(committed_sample_db, tmp_path_factory):
    """One `streamlit run app.py` on its own copy of the committed sample city (sample_data/), account CHAIR,
    shared by the browser tests that only read it."""
    with app_server(tmp_path_factory.mktemp("committed-server"), committed_sample_db,
                    {CHAIR[0]: ("committee", CHAIR[1])}) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _nothing_leaves_the_machine(request):
    """A browser test fails on any request its pages made to a host other than this machine."""
    if "browser" not in request.fixturenames:
        yield
        return
    EXTERNAL_REQUESTS.clear()
    yield
    assert not EXTERNAL_REQUESTS, f"requests to other hosts: {sorted(set(EXTERNAL_REQUESTS))}"
