"""Hostile text in the source data (issue 11 items 4 and 5): names, categories, titles, notes and a user
name that are spreadsheet formulas, markdown links and images, or HTML tags.

Exports: no workbook the product writes has a formula cell, and no CSV field starts with = + - @ tab
or CR unless escaped with a leading single quote (OWASP CSV injection). Screen: no markdown, HTML or
plotly markup formed from data, so a viewer's browser fetches nothing from a host named in the data.
"""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def hostile_values(port: int) -> list[str]:
    host = f"http://127.0.0.1:{port}"
    return ["=cmd|' /C calc'!A0", f'=HYPERLINK("{host}/x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1",
            f"![x]({host}/img.png)", f"[点我]({host}/link)", f"<img src={host}/p>"]


def hostile_user(port: int) -> str:
    return f"[点我](http://127.0.0.1:{port}/user)![u](http://127.0.0.1:{port}/user.png)"


def _cycle(values: list[str], n: int, offset: int = 0) -> list[str]:
    return [values[(i + offset) % len(values)] for i in range(n)]


def build_hostile_city(out: Path, port: int) -> list[str]:
    """A small sample city whose every free-text field a user could see is hostile; also a few rows
    that the contracts quarantine, carrying hostile values into the quarantine. Returns the values."""
    from pipelines.sample import generate

    generate(out, seed=7, scale=0.05)
    bad = hostile_values(port)

    def rewrite(name: str, change, encoding: str = "utf-8") -> None:
        path = out / name
        frame = pl.read_csv(io.BytesIO(path.read_bytes().decode(encoding).encode("utf-8")), infer_schema=False)
        frame = change(frame)
        path.write_bytes(frame.write_csv().encode(encoding))

    def by_value(column: str, offset: int = 0):
        """Each distinct value of a column replaced by one hostile value (the same value keeps one name)."""
        def change(frame: pl.DataFrame) -> pl.DataFrame:
            values = sorted(v for v in frame[column].unique().to_list() if v is not None)
            mapping = dict(zip(values, _cycle(bad, len(values), offset)))
            return frame.with_columns(pl.col(column).replace_strict(mapping, default=pl.col(column)))
        return change

    def every_row(column: str, offset: int = 0, only_filled: bool = False):
        def change(frame: pl.DataFrame) -> pl.DataFrame:
            new = pl.Series(column, _cycle(bad, frame.height, offset))
            if only_filled:
                new = pl.select(pl.when(frame[column].is_not_null()).then(new).otherwise(frame[column])).to_series()
            return frame.with_columns(new.alias(column))
        return change

    rewrite("departments.csv", by_value("部门名称"), encoding="gb18030")
    rewrite("communities.csv", lambda f: by_value("jpc_name", 3)(by_value("community_name", 1)(f)))
    rewrite("whistle_events.csv", lambda f: every_row("title", 2)(by_value("category", 4)(f)))
    rewrite("whistle_event_log.csv", every_row("note", 5))
    rewrite("negative_reports.csv", every_row("description", 6, only_filled=True))
    rewrite("visits.csv", every_row("topics", 7))
    rewrite("bindings.csv", every_row("leader_name", 8, only_filled=True))
    rewrite("appeals.csv", by_value("category", 2))
    rewrite("tasks.csv", by_value("category", 5))
    rewrite("reference_items.csv", lambda f: f.with_columns(
        pl.when(pl.col("list_id") == "integrity_clause").then(pl.Series(_cycle(bad, f.height)))
        .otherwise(pl.col("item_name")).alias("item_name")))
    # rows the contracts refuse: an unknown department named like a formula or a link
    visits = pl.read_csv(out / "visits.csv", infer_schema=False)
    extra = visits.head(len(bad)).with_columns(pl.Series("visit_id", [f"VX{i}" for i in range(len(bad))]),
                                               pl.Series("dept_id", bad))
    (out / "visits.csv").write_text(pl.concat([visits, extra]).write_csv(), encoding="utf-8")
    return bad


@pytest.fixture(scope="module")
def hostile_port() -> int:
    """The port hostile URLs point at (the browser test listens on it; elsewhere nothing does)."""
    from tests.test_browser import _free_port

    return _free_port()


@pytest.fixture(scope="module")
def hostile_db(hostile_port, tmp_path_factory) -> Path:
    from pipelines.ingest import ingest

    src = tmp_path_factory.mktemp("hostile")
    build_hostile_city(src, hostile_port)
    db = tmp_path_factory.mktemp("wh") / "hostile.duckdb"
    result = ingest([src], db_path=db)
    assert result.exit_code == 2, result.as_dict()   # loaded, with the hostile unknown departments quarantined
    return db


@pytest.fixture
def hostile_warehouse(hostile_db, monkeypatch) -> Path:
    monkeypatch.setenv("GOVDASH_DB", str(hostile_db))
    return hostile_db


def workbook_cells(data: bytes | Path):
    wb = openpyxl.load_workbook(data if isinstance(data, Path) else io.BytesIO(data))
    return [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_no_formulas(data, bad: list[str], expect: set[str]) -> None:
    """Zero formula cells, and the hostile values named in `expect` are there, as text."""
    cells = workbook_cells(data)
    formulas = [(sheet, c.coordinate, c.value) for sheet, c in cells if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for _, c in cells if c.data_type == "s"}
    assert expect <= texts, expect - texts


def test_bulletin_and_assessment_workbooks_have_no_formulas(hostile_warehouse, hostile_port):
    from govdash.assessment import assessment
    from govdash.figures import bulletin, parse_as_of
    from govdash.reports import assessment_xlsx, bulletin_xlsx
    from warehouse.db import connect_read, read_cursor

    bad = hostile_values(hostile_port)
    cur = read_cursor(connect_read(hostile_warehouse))
    as_of = parse_as_of("2025-01-31 23:59:59")
    b = bulletin(cur, "2024-12", as_of)
    # the hostile names did reach the bulletin (else the test proves nothing)
    assert {d["dept_name"] for d in b["departments"]} & set(bad)
    buf = io.BytesIO()
    bulletin_xlsx(b, buf)
    stripped = {v.strip() for v in bad}   # ingest trims the cells (the tab of "\t=1")
    assert_no_formulas(buf.getvalue(), bad, {d["dept_name"] for d in b["departments"]}
                       | {v for v in b["reference"]["jpc_names"].values()} & stripped)
    a = assessment(cur, 2024, None, as_of)
    buf = io.BytesIO()
    assessment_xlsx(a, buf)
    assert_no_formulas(buf.getvalue(), bad, {d["dept_name"] for d in a["departments"]})


def test_cli_workbooks_have_no_formulas(hostile_warehouse, tmp_path):
    from click.testing import CliRunner

    from govdash.cli import main

    runner = CliRunner()
    for args in (["report", "bulletin", "--month", "2024-11", "--as-of", "2025-01-31 23:59:59", "--format", "xlsx"],
                 ["report", "assessment", "--year", "2024", "--quarter", "4", "--as-of", "2025-01-31 23:59:59",
                  "--format", "xlsx"]):
        out = tmp_path / f"{args[1]}.xlsx"
        result = runner.invoke(main, args + ["--out", str(out)])
        assert result.exit_code == 0, result.output
        assert_no_formulas(out, [], {"=cmd|' /C calc'!A0"})


def _captured_downloads(monkeypatch) -> dict[str, bytes]:
    """Every file a page hands to st.download_button (data given directly, not deferred), by file name."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def test_quarantine_csv_escapes_formulas(hostile_warehouse, hostile_port, monkeypatch):
    from tests.test_pages import run_app

    downloads = _captured_downloads(monkeypatch)
    run_app("pages/data_quality.py")
    data = downloads["隔离明细.csv"]
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = pl.read_csv(io.BytesIO(data), infer_schema=False)
    fields = [v for col in rows.columns for v in rows[col].to_list() if v is not None]
    assert [v for v in fields if v.startswith(DANGEROUS)] == []
    # each hostile department id is in the file, escaped with a single quote
    values = set(rows["值"].to_list())
    for v in hostile_values(hostile_port):
        v = v.strip()
        assert ("'" + v if v.startswith(DANGEROUS) else v) in values, v
