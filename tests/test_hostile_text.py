"""Hostile text in the source data (issue 11 items 4 and 5): names, categories, titles, notes and a user
name that are spreadsheet formulas, markdown links and images, or HTML tags.

Exports: no workbook the product writes has a formula cell, and no CSV field starts with = + - @ tab
or CR unless escaped with a leading single quote (OWASP CSV injection). Screen: no markdown, HTML or
plotly markup formed from data, so a viewer's browser fetches nothing from a host named in the data.
"""
from __future__ import annotations

import io
import re
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
    # and a formula-like text cell carries Excel's quote prefix: editing it in Excel keeps it text
    assert [(s, c.coordinate) for s, c in cells if c.data_type == "s" and c.value.startswith(DANGEROUS)
            and not c.quotePrefix] == []


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


def test_workbook_cells_text_as_text_numbers_as_numbers(tmp_path):
    from govdash import textsafe

    path = tmp_path / "cells.xlsx"
    wb = textsafe.Workbook(path)
    ws = wb.add_worksheet("s")
    plain = wb.add_format({"border": 1, "num_format": "0.0"})
    values = [-1, -0.5, 0, 3, "-1+2", "=1+1", "+1", "@SUM(A1)", "\t=1", "\r=1", "部门", "http://127.0.0.1/x", "1234", None]
    for i, v in enumerate(values):
        wb.cell(ws, i, 0, v, plain)
    wb.close()
    cells = openpyxl.load_workbook(path)["s"]
    got = [(cells.cell(i + 1, 1).value, cells.cell(i + 1, 1).data_type) for i in range(len(values))]
    assert got == [(-1, "n"), (-0.5, "n"), (0, "n"), (3, "n"), ("-1+2", "s"), ("=1+1", "s"), ("+1", "s"),
                   ("@SUM(A1)", "s"), ("\t=1", "s"), ("_x000D_=1", "s"), ("部门", "s"), ("http://127.0.0.1/x", "s"),
                   ("1234", "s"), (None, "n")]
    # formula-like text keeps Excel's quote prefix (stays text when edited) and the column's other format
    assert [cells.cell(i + 1, 1).quotePrefix for i in range(len(values))] == [textsafe.formula_like(v) for v in values]
    assert cells.cell(6, 1).border.left.style == "thin" and cells.cell(6, 1).number_format == "0.0"
    assert cells.cell(12, 1).hyperlink is None


def test_csv_fields_escaped_numbers_untouched():
    from govdash import textsafe

    frame = pl.DataFrame({"name": ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "住建局", None],
                          "n": [-1, -2, 3, 0, 5, -6, 7, None], "x": [-0.5, 1.5, None, 2.0, 0.0, -1.0, 1.0, 3.0]})
    rows = pl.read_csv(io.BytesIO(textsafe.csv_bytes(frame)))
    assert rows["name"].to_list() == ["'=cmd|' /C calc'!A0", "'+1", "'-1+2", "'@SUM(A1)", "'\t=1", "'\r=1", "住建局", None]
    assert rows["n"].to_list() == [-1, -2, 3, 0, 5, -6, 7, None]
    assert rows["x"].to_list() == [-0.5, 1.5, None, 2.0, 0.0, -1.0, 1.0, 3.0]


PRODUCT_CODE = ["app.py", "govdash", "pages", "warehouse"]


def _product_sources():
    from tests.conftest import REPO

    for name in PRODUCT_CODE:
        path = REPO / name
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def test_every_spreadsheet_writer_goes_through_textsafe():
    """Workbooks and CSV exports are made in govdash.textsafe only (pipelines/sample.py writes the sample
    city's input files, not exports)."""
    from tests.conftest import REPO

    pattern = re.compile(r"xlsxwriter|openpyxl|write_csv|to_csv|csv\.writer|write_excel|to_excel|\bws\.write|Workbook\(")
    found = [f"{p.relative_to(REPO)}:{i}: {line.strip()}" for p in _product_sources() if p.name != "textsafe.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line) and "textsafe.Workbook(" not in line]
    assert found == []
