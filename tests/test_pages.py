"""AppTest smoke test of every page, on a real warehouse built from a small sample."""
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO


def run_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def test_data_page_shows_tables_and_quarantine(sample_warehouse):
    at = run_app()
    assert not at.exception, at.exception
    assert at.title[0].value == "数据导入与质量"
    subheaders = [s.value for s in at.subheader]
    assert "数据表与行数" in subheaders and "隔离区" in subheaders
    tables = at.dataframe[0].value if at.dataframe else None
    assert tables is not None
    counts = dict(zip(tables["数据表"], tables["行数"]))
    assert counts["departments"] == 18
    assert counts["whistle_events"] > 0


def test_data_page_without_warehouse_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(tmp_path / "none.duckdb"))
    at = run_app()
    assert not at.exception
    assert any("还没有数据" in i.value for i in at.info)
