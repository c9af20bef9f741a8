from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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
