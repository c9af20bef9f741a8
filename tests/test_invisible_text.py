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

from govdash.cli.main import main as cli
from tests.support.paths import REPO
from tests.support.warehouse import warehouse_cursor

MONTH = "2024-10"
DIRTY_DEPT = "消防\x01救援\x1b大队"
CLEAN_DEPT = "消防救援大队"
RLO = "\u202e"
# the community whose name carries a right-to-left override (and its joint party committee's name too)
DIRTY_COMMUNITY = "C001"
# what the rule removes (independent of the product's own statement of it): every character of Unicode categories
# Cc (C0, DEL, C1), Cf (format: the bidirectional marks, embeddings, overrides and isolates, the zero-width
# characters, soft hyphen, invisible operators, tags …), Zl and Zp (line and paragraph separators)


def in_rule(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


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
    assert all(f["cells_cleaned"] == 0 for f in summary["files"] if f["file"] not in ("departments.csv",
                                                                                      "communities.csv"))


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
    assert comms["rows_loaded"] == 0 and comms["rows_replaced"] == 0
    assert comms["duplicates_skipped"] == comms["rows_read"]
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


@pytest.mark.browser  # the PDF by LibreOffice
def test_bulletin_files_of_the_cleaned_city_render(dirty_db, tmp_path):
    _check_reports(_reports(tmp_path))


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_publishing_the_cleaned_city(dirty_db, tmp_path, monkeypatch):
    from govdash.records.accounts import set_user

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


@pytest.mark.browser  # the PDF by LibreOffice
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


# ---------------------------------------------------------------- the ingest's rule, character by character

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# the characters that broke a file or the page, and the ones that must survive (CJK, emoji, combining marks,
# the ideographic space, line and paragraph separators, private use, formula leads, markup)
NASTIES = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\t", "\n", "\r", "\r\n", "\u061c", "\u200b", "\u200c",
           "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2060", "\u2066", "\u2067",
           "\u2068", "\u2069", "\ufeff", "\ufffe", "\uffff", "\u2028", "\u2029", "\u3000", "\u00a0", "\ue000",
           "\U000f0000", "e\u0301", "😀", "👩\u200d💻", "消防", "（46.9%）", "=cmd|' /C calc'!A0",
           "[x](http://127.0.0.1/)", "<b>", "&amp;", "\\", "**", "$x$"]
NASTY_SURROGATES = ["\ud800", "\udfff", "\ud83d"]


def hostile_text(surrogates: bool) -> st.SearchStrategy[str]:
    """Text from every Unicode category (lone surrogates too, where the output must bear them) mixed with the
    specific characters above."""
    chars = st.characters(codec=None, categories=None) if surrogates else st.characters(codec="utf-8")
    pieces = st.one_of(chars, st.sampled_from(NASTIES + (NASTY_SURROGATES if surrogates else [])))
    return st.lists(pieces, min_size=1, max_size=24).map("".join)


def expected_name(text: str) -> str | None:
    kept = "".join(c for c in text if not in_rule(c)).strip()
    return kept or None


def expected_free_text(text: str) -> str | None:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029",
                                                                                          "\n").replace("\t", " ")
    kept = "".join(c for c in text if c == "\n" or not in_rule(c)).strip()
    return kept or None


@settings(max_examples=100, deadline=None)
@given(name=hostile_text(surrogates=False), note=hostile_text(surrogates=False))
@example(name="消防\x01救援\x1b大队", note="一\r\n二\r三\t四\u202e")
@example(name="\u200b\u202e \x01", note="\x00")
def test_the_ingest_removes_exactly_the_rule_s_characters(name, note):
    from govdash.core.tables import table_specs
    from pipelines.contracts import EMPTY_WHEN_CLEANED, check_frame

    depts = pl.DataFrame({"dept_id": ["D1"], "dept_name": [name], "dept_type": [name]})
    typed, failures, cleaned = check_frame(table_specs()["departments"], depts)
    want = expected_name(name)
    assert typed["dept_type"].to_list() == [want]
    assert cleaned == 2 * (name != "".join(c for c in name if not in_rule(c)))
    if want is None:
        # a required name of nothing but such characters (and spaces) is a contract breach, with the reason saying
        # so; one of spaces alone is simply empty
        reason = EMPTY_WHEN_CLEANED if any(in_rule(c) for c in name) else "必填项为空"
        assert failures.filter(pl.col("column_name") == "dept_name")["reason"].to_list() == [reason]
    else:
        assert typed["dept_name"].to_list() == [want] and failures.height == 0

    notes = pl.DataFrame({"date": ["2024-10-01"], "is_workday": ["否"], "note": [note]})
    typed, failures, _ = check_frame(table_specs()["calendar_overrides"], notes)
    assert typed["note"].to_list() == [expected_free_text(note)] and failures.height == 0


def test_a_loaded_name_keeps_every_other_character(tmp_path):
    """Through the whole ingest: CJK, emoji, combining marks, the ideographic space inside a name, private use
    and a formula lead stay; the rule's characters go, and the name is trimmed."""
    from pipelines.ingest import ingest

    dirty = "\u3000\u202e执法\x01局\u200b😀e\u0301\u3000队\ue000=1\u2066\x85\ufeff "
    files = {"departments.csv": f"dept_id,dept_name\nD1,\"{dirty}\"\nD2,市监局\n",
             "communities.csv": "community_id,community_name,jpc_id,jpc_name\nC1,东社区,J1,\"东片\r\n联合党委\"\n"}
    (tmp_path / "src").mkdir()
    for name, text in files.items():   # written as they are (tests.golden_city dedents and strips each line)
        (tmp_path / "src" / name).write_text(text, encoding="utf-8", newline="")
    result = ingest([tmp_path / "src"], db_path=tmp_path / "wh2.duckdb")
    assert result.exit_code == 0, result.as_dict()
    assert {f.file: f.cells_cleaned for f in result.files if f.table in ("departments", "communities")} == {
        "departments.csv": 1, "communities.csv": 1}
    with warehouse_cursor(tmp_path / "wh2.duckdb") as cur:
        assert cur.execute("select dept_name from raw_departments order by dept_id").fetchall() == [
            ("执法局😀e\u0301\u3000队\ue000=1",), ("市监局",)]
        assert cur.execute("select jpc_name from raw_communities").fetchall() == [("东片联合党委",)]


# ---------------------------------------------------------------- every output, any string

NAME_KEYS = {"label", "category", "title", "data_note", "reasons", "note", "grade", "component"}


def with_names(data, text: str, key: str = "", names: bool = False):
    """The report with every name in it (…_name, labels, categories, notes, the name tables under 'reference')
    replaced by `text`; codes, dates and figures kept."""
    if isinstance(data, dict):
        return {k: with_names(v, text, k, names or k == "reference") for k, v in data.items()}
    if isinstance(data, list):
        return [with_names(v, text, key, names) for v in data]
    if isinstance(data, str) and (names or key.endswith("_name") or key in NAME_KEYS):
        return text
    return data


@pytest.fixture(scope="module")
def october_reports(october):
    """The hand-worked October city's bulletin (and September's, the previous month) and its fourth quarter's
    assessment, as the renderers take them."""
    from govdash.figures.assessment import assessment
    from govdash.figures.bulletin import bulletin

    db, _ = october
    with warehouse_cursor(db) as cur:
        return bulletin(cur, MONTH), bulletin(cur, "2024-09"), assessment(cur, 2024, 4, "2025-01-31")


def _no_rule_or_surrogate(text: str) -> None:
    _no_rule_characters(text)
    assert not [c for c in text if 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text(surrogates=True))
@example(text=DIRTY_DEPT + RLO + "（46.9%）")
def test_every_output_renders_any_name(october_reports, text):
    from govdash.documents.documents import render_assessment, render_bulletin

    b, previous, a = (with_names(r, text) for r in october_reports)
    assert with_names(october_reports[0], "甲") != october_reports[0]   # names were replaced
    word = render_bulletin("docx", b, previous)
    _no_rule_or_surrogate(_docx_text(word))
    for data in (render_bulletin("xlsx", b), render_assessment(a)):
        _no_rule_or_surrogate(_xlsx_text(data))
    shown = json.loads(render_bulletin("json", b))
    _no_rule_or_surrogate(json.dumps(shown, ensure_ascii=False))
    # outputs keep tabs and line breaks (a Word run, a cell may carry them)
    kept = "".join(c for c in text if (c in "\t\n\r" or not in_rule(c)) and not 0xD800 <= ord(c) <= 0xDFFF
                   and c not in "\ufffe\uffff")
    assert shown["departments"][0]["dept_name"] == kept


@settings(max_examples=200, deadline=None)
@given(text=hostile_text(surrogates=False))
def test_csv_markdown_and_charts_carry_any_name(text):
    import csv

    import plotly.express as px

    from govdash.core import textsafe

    rows = list(csv.reader(io.StringIO(textsafe.csv_bytes(pl.DataFrame({"部门": [text],
                                                                        "件数": [1]})).decode("utf-8-sig"),
                                       newline="")))
    assert rows[0] == ["部门", "件数"] and rows[1][1] == "1"
    _no_rule_characters(rows[1][0])
    _no_rule_characters(textsafe.md(text).replace(textsafe.WORD_JOINER, "").replace("\n", "").replace("\r", ""))
    fig = textsafe.plot_figure(px.bar(x=[text], y=[1], title=text, labels={"x": text}))
    _no_rule_characters(fig.to_json())
    shown = pl.DataFrame({"部门": [text]})
    from govdash.web.tables import for_display

    _no_rule_characters("".join(for_display(shown)["部门"].to_list()))


def test_the_rule_holds_every_format_character_of_the_whole_code_space():
    """The rule scans only the planes where Unicode assigns format characters (Cf); a scan of every code point finds
    none elsewhere, so nothing invisible is missed by scanning less."""
    import sys

    from govdash.core import textsafe

    everywhere = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert {c for c, _ in textsafe.FORMAT} == everywhere
