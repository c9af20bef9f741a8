"""Invisible and control characters in the source data: a name with a control character (消防\\x01救援\\x1b大队)
made every Word, PDF and published bulletin of the months it appears in fail ("All strings must be XML
compatible"), and a right-to-left override (U+202E) in a name reversed the figures after it on the page and in
the files.

The ingest removes them from names and labels (free text keeps its line breaks) and counts the cells it cleaned;
every output removes them again at render, so a warehouse loaded before the rule still renders everywhere
(govdash/core/textsafe.py: the rule, once).
"""
from __future__ import annotations

import io
import json
import shutil
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from docx import Document

from govdash.cli import main as cli
from tests.conftest import REPO, warehouse_cursor

MONTH = "2024-10"
DIRTY_DEPT = "消防\x01救援\x1b大队"
CLEAN_DEPT = "消防救援大队"
RLO = "\u202e"
# the community whose name carries a right-to-left override (and its joint party committee's name too)
DIRTY_COMMUNITY = "C001"
# what the rule removes (independent of the product's own statement of it): every character of Unicode category
# Cc (C0, DEL, C1), the bidirectional marks, embeddings, overrides and isolates, and the zero-width characters
RULE_EXTRAS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
               0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}


def in_rule(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ord(ch) in RULE_EXTRAS


def dirty_sample(out: Path) -> Path:
    """A copy of sample_data/ with a control character in a department's name (in the GBK export) and a
    right-to-left override in a community's and its joint party committee's name."""
    shutil.copytree(REPO / "sample_data", out)
    depts = out / "departments.csv"
    text = depts.read_bytes().decode("gbk")
    assert text.count(CLEAN_DEPT) == 1
    depts.write_bytes(text.replace(CLEAN_DEPT, DIRTY_DEPT).encode("gbk"))
    comms = out / "communities.csv"
    frame = pl.read_csv(comms, infer_schema=False)
    row = pl.col("community_id") == DIRTY_COMMUNITY
    frame = frame.with_columns(
        pl.when(row).then(pl.concat_str([pl.col("community_name"), pl.lit(RLO + "（46.9%）")]))
        .otherwise(pl.col("community_name")).alias("community_name"),
        pl.when(row).then(pl.concat_str([pl.lit("\u200b"), pl.col("jpc_name"), pl.lit("\u2066 ")]))
        .otherwise(pl.col("jpc_name")).alias("jpc_name"))
    comms.write_text(frame.write_csv(), encoding="utf-8")
    return out


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    """The dirty copy of the sample city ingested through `govdash ingest --json` into a fresh warehouse:
    (sample folder, warehouse, the ingest summary)."""
    base = tmp_path_factory.mktemp("invisible")
    src = dirty_sample(base / "sample")
    db = base / "govdash.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOVDASH_DB", str(db))
        result = _cli("ingest", str(src), "--json")
    summary = json.loads(result.stdout)
    assert result.exit_code in (0, 2), result.stdout
    return src, db, summary


@pytest.fixture
def dirty_db(dirty, tmp_path, monkeypatch) -> Path:
    """A private copy of the dirty city's warehouse, as GOVDASH_DB."""
    db = tmp_path / "govdash.duckdb"
    shutil.copy(dirty[1], db)
    monkeypatch.setenv("GOVDASH_DB", str(db))
    return db


def _names(db: Path) -> tuple[str, list[str], list[str]]:
    with warehouse_cursor(db) as cur:
        dept = cur.execute("select dept_name from raw_departments where dept_id = 'D04'").fetchone()[0]
        comms = cur.execute("select community_name, jpc_name from raw_communities where community_id = ?",
                            [DIRTY_COMMUNITY]).fetchone()
        every = [v for row in cur.execute("select dept_name from raw_departments").fetchall() for v in row]
        every += [v for row in cur.execute("select community_name, jpc_name, area from raw_communities").fetchall()
                  for v in row if v is not None]
    return dept, list(comms), every


def _file_summary(summary: dict, name: str) -> dict:
    return next(f for f in summary["files"] if f["file"] == name)


def test_ingest_cleans_names_and_counts_the_cells(dirty):
    _, db, summary = dirty
    dept, (community, jpc), every = _names(db)
    assert dept == CLEAN_DEPT
    assert community.endswith("（46.9%）") and RLO not in community
    assert not jpc.startswith((" ", "\u200b")) and not jpc.endswith((" ", "\u2066"))
    assert not [name for name in every if any(in_rule(c) for c in name)]
    depts, comms = _file_summary(summary, "departments.csv"), _file_summary(summary, "communities.csv")
    assert depts["cells_cleaned"] == 1 and depts["rows_quarantined"] == 0
    assert "清理了 1 个单元格中的不可见或控制字符" in depts["warning"]
    # the community's name and its committee's name in one row
    assert comms["cells_cleaned"] == 2 and comms["rows_loaded"] == comms["rows_read"]
    assert all(f["cells_cleaned"] == 0 for f in summary["files"] if f["file"] not in ("departments.csv", "communities.csv"))


def test_re_ingesting_the_cleaned_files_changes_nothing(dirty, dirty_db):
    src = dirty[0]
    before = _names(dirty_db)
    result = _cli("ingest", str(src / "departments.csv"), str(src / "communities.csv"))
    assert result.exit_code == 0, result.stdout
    # the summary printed says what was cleaned, and nothing was loaded or replaced
    assert "提示：清理了 1 个单元格中的不可见或控制字符" in result.stdout
    assert "提示：清理了 2 个单元格中的不可见或控制字符" in result.stdout
    again = json.loads(_cli("ingest", str(src / "communities.csv"), "--json").stdout)
    comms = _file_summary(again, "communities.csv")
    assert comms["rows_loaded"] == 0 and comms["rows_replaced"] == 0 and comms["duplicates_skipped"] == comms["rows_read"]
    assert _names(dirty_db) == before


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _xlsx_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def _no_rule_characters(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if in_rule(c) and c not in "\t\n\r"})
    assert not found, found


def _reports(tmp_path: Path, kinds=("docx", "xlsx", "pdf", "json")) -> dict[str, bytes]:
    out = {}
    for kind in kinds:
        path = tmp_path / f"bulletin.{kind}"
        result = _cli("report", "bulletin", "--month", MONTH, "--format", kind, "--out", str(path))
        assert result.exit_code == 0, (kind, result.stdout, result.stderr)
        out[kind] = path.read_bytes()
    return out


def _check_reports(files: dict[str, bytes]) -> None:
    word = _docx_text(files["docx"])
    assert CLEAN_DEPT in word
    _no_rule_characters(word)
    # the Word file's XML itself carries none either (headers, footers, attributes)
    with zipfile.ZipFile(io.BytesIO(files["docx"])) as z:
        _no_rule_characters("".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")))
    sheet = _xlsx_text(files["xlsx"])
    assert CLEAN_DEPT in sheet
    _no_rule_characters(sheet)
    assert files["pdf"].startswith(b"%PDF")
    text = json.loads(files["json"])
    assert CLEAN_DEPT in json.dumps(text, ensure_ascii=False)
    _no_rule_characters(json.dumps(text, ensure_ascii=False))


def test_bulletin_files_of_the_cleaned_city_render(dirty_db, tmp_path):
    _check_reports(_reports(tmp_path))


def test_publishing_the_cleaned_city(dirty_db, tmp_path, monkeypatch):
    from govdash.access import set_user

    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    set_user("chair", "committee", "pw-long-enough-2")
    result = _cli("publish", "--month", MONTH, "--user", "chair")
    assert result.exit_code == 0, result.stderr
    assert f"{MONTH}-v1" in result.stdout
    for kind in ("docx", "xlsx", "pdf"):
        path = tmp_path / f"published.{kind}"
        result = _cli("report", "bulletin", "--month", MONTH, "--published", "--format", kind, "--out", str(path))
        assert result.exit_code == 0, result.stderr
    assert CLEAN_DEPT in _docx_text((tmp_path / "published.docx").read_bytes())


def test_a_warehouse_loaded_before_the_rule_still_renders(dirty_db, tmp_path):
    """Names as an older version left them in the raw tables (uncleaned), the models rebuilt: every file still
    renders, and carries none of the characters."""
    con = duckdb.connect(str(dirty_db))
    try:
        con.execute("update raw_departments set dept_name = ? where dept_id = 'D04'", [DIRTY_DEPT])
        con.execute("update raw_communities set community_name = community_name || ? where community_id = ?",
                    [RLO + "\x7f\u0085\ufffe", DIRTY_COMMUNITY])
    finally:
        con.close()
    assert _names(dirty_db)[0] == DIRTY_DEPT
    result = _cli("build")
    assert result.exit_code == 0, result.stdout
    _check_reports(_reports(tmp_path))
    # and its page (月度通报) shows the month without an error
    from streamlit.testing.v1 import AppTest

    from govdash.core.principal import Principal

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.session_state["principal"] = Principal("chair", "committee")
    at.session_state["month"] = MONTH
    at.run()
    assert not at.exception
    shown = "\n".join(m.value for m in at.markdown)
    assert CLEAN_DEPT in shown
    _no_rule_characters(shown.replace("\u2060", ""))   # md()'s own word joiners stop auto-links
