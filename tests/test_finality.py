"""SPEC 8.1, finality: a published bulletin is served unchanged on the page, in every stored file and in the
CLI, its 较上月 and its 12 months' trend included (they are stored with it, as they stood when it was
published); a later publication of the month before changes none of it and shows as a 更正 candidate."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import Principal
from govdash.documents.publication import publish_month
from tests.support.paths import REPO
from warehouse import archive
from warehouse.db import connect_read, read_cursor

CHAIR = Principal("chair", "committee")
DECEMBER, NOVEMBER = "2024-12", "2024-11"


@pytest.fixture
def city(committed_sample_db, tmp_path, monkeypatch) -> Path:
    """A writable copy of the committed sample city."""
    db = tmp_path / "city.duckdb"
    shutil.copyfile(committed_sample_db, db)
    monkeypatch.setenv("GOVDASH_DB", str(db))
    return db


def _cur(db: Path):
    return read_cursor(connect_read(db))


def _page(principal: Principal, month: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.session_state["principal"] = principal
    at.session_state["month"] = month
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at) -> dict:
    """What the page shows of the month's figures: each metric card with its delta, the trend chart's data."""
    return {"metrics": [(m.label, m.value, m.delta) for m in at.metric],
            "charts": [c.proto.spec for c in at.get("plotly_chart")],
            "summary": [m.value for m in at.markdown if "较上月" in m.value]}


def _cli_output(tmp_path: Path, tag: str) -> dict:
    runner = CliRunner()
    out = {}
    shown = runner.invoke(cli, ["report", "bulletin", "--month", DECEMBER, "--published"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.stderr
    out["json"] = shown.stdout
    path = tmp_path / f"{tag}.docx"
    written = runner.invoke(cli, ["report", "bulletin", "--month", DECEMBER, "--published", "--format", "docx",
                                  "--out", str(path)], catch_exceptions=False)
    assert written.exit_code == 0, written.stderr
    out["docx"] = path.read_bytes()
    return out


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_a_published_month_keeps_its_comparison_and_trend_when_the_month_before_is_published(city, tmp_path):
    publish_month(DECEMBER, CHAIR)
    stored = archive.bulletin(_cur(city), "2024-12-v1")
    # what it was compared with is stored with it
    assert stored["comparison"]["city"]["dispatched"] > 0
    assert [r["month"] for r in stored["trend"]][-2:] == [NOVEMBER, DECEMBER]
    dept = Principal("d04", "department", "D04")
    before = {"chair": _shown(_page(CHAIR, DECEMBER)), "dept": _shown(_page(dept, DECEMBER))}
    assert before["chair"]["charts"] and any(d for _, _, d in before["chair"]["metrics"])
    kinds = archive.publications(_cur(city), DECEMBER)[0]["kinds"]
    files = {k: archive.file(_cur(city), "2024-12-v1", k)[2] for k in kinds}
    cli_before = _cli_output(tmp_path, "before")

    publish_month(NOVEMBER, CHAIR)   # at November's own cut-off: its figures differ from November's at December's

    november = archive.bulletin(_cur(city), "2024-11-v1")["city"]
    assert november != stored["comparison"]["city"], "the sample city should give November two different readings"
    chair = _page(CHAIR, DECEMBER)
    assert _shown(chair) == before["chair"]
    assert _shown(_page(dept, DECEMBER)) == before["dept"]
    assert {k: archive.file(_cur(city), "2024-12-v1", k)[2] for k in files} == files
    assert _cli_output(tmp_path, "after") == cli_before
    # the difference is a 更正 candidate, listed with the others, never a silent change
    notice = next(w.value for w in chair.warning if "更正" in w.value)
    table = next(df.value for df in chair.dataframe if "重新计算" in df.value.columns)
    assert f"有 {len(table)} 项数字" in notice
    assert "上月对比" in set(table["部分"]) and "近12个月趋势" in set(table["部分"])
    trend_rows = table[table["部分"] == "近12个月趋势"]
    assert set(trend_rows["对象"]) == {"2024年11月"}


# ---------------------------------------------------------------- a department reads the city's bulletin

def _paragraphs(docx: bytes) -> list[str]:
    import io

    from docx import Document

    return [p.text for p in Document(io.BytesIO(docx)).paragraphs]


def _department_file(tmp_path: Path, monkeypatch, dept: str, fmt: str) -> bytes:
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    runner = CliRunner()
    name = dept.lower()
    added = runner.invoke(cli, ["user", "add", name, "--role", f"department:{dept}", "--password", "pw-0123456789",
                                "--replace"], catch_exceptions=False)
    assert added.exit_code == 0, added.stderr
    out = tmp_path / f"{name}.{fmt}"
    run = runner.invoke(cli, ["report", "bulletin", "--month", DECEMBER, "--user", name, "--format", fmt,
                              "--out", str(out)], catch_exceptions=False)
    assert run.exit_code == 0, run.stderr
    return out.read_bytes()


@pytest.mark.parametrize("dept", ["D04", "D13"])
def test_a_departments_word_file_is_the_city_bulletin_then_its_marked_extract(city, tmp_path, monkeypatch, dept):
    from govdash.documents.documents import render_bulletin
    from govdash.figures.bulletin import bulletin, comparison

    cur = _cur(city)
    b = bulletin(cur, DECEMBER)
    city_paragraphs = _paragraphs(render_bulletin("docx", b, comparison(cur, DECEMBER, b["as_of"])))
    mine = _paragraphs(_department_file(tmp_path, monkeypatch, dept, "docx"))
    at = mine.index("本部门情况摘要")
    # (a) the city's 通报 paragraph by paragraph, its 版头, 文号 and 主送 once; the last paragraph of both is the
    # 版记's anchor
    assert mine[:at] == city_paragraphs[:-1] and mine[-1] == city_paragraphs[-1]
    # (b) after it the heading and the extract, marked as such, naming no other department
    extract = mine[at:-1]
    assert "不是通报正文" in extract[1] and "（一）吹哨报到" in extract
    names = {d["dept_name"] for d in b["departments"]}
    own = next(d["dept_name"] for d in b["departments"] if d["dept_id"] == dept)
    assert not [p for p in extract if any(n in p for n in names - {own})]
    assert extract.count("本部门情况摘要") == 1 and mine.count(city_paragraphs[1]) == 1   # one 文号
    # (c) no sentence of the extract states a best, a worst or a count of departments over its own rows
    assert not [p for p in extract if "最高的是" in p or "最低的是" in p or "的部门有" in p]


def test_a_departments_workbook_and_json_hold_the_city_bulletin_unchanged(city, tmp_path, monkeypatch):
    import io
    import json

    import openpyxl

    from govdash.documents.documents import render_bulletin
    from govdash.figures.bulletin import bulletin

    b = bulletin(_cur(city), DECEMBER)
    whole = openpyxl.load_workbook(io.BytesIO(render_bulletin("xlsx", b)))
    mine = openpyxl.load_workbook(io.BytesIO(_department_file(tmp_path, monkeypatch, "D13", "xlsx")))
    assert mine.sheetnames[:len(whole.sheetnames)] == whole.sheetnames
    for name in whole.sheetnames:
        cells = [[c.value for c in r] for r in whole[name].iter_rows()]
        assert [[c.value for c in r] for r in mine[name].iter_rows()] == cells
    extra = mine.sheetnames[len(whole.sheetnames):]
    assert extra and all(n.startswith("本部门") for n in extra)
    data = json.loads(_department_file(tmp_path, monkeypatch, "D13", "json"))
    extract = data.pop("department_extract")
    assert data == json.loads(render_bulletin("json", b))
    assert [d["dept_id"] for d in extract["departments"]] == ["D13"]


def test_a_department_page_reads_the_city_bulletin_then_its_extract(city):
    from govdash.core.textsafe import md
    from govdash.documents.bulletin_body import Para, body
    from govdash.figures.bulletin import bulletin, comparison

    cur = _cur(city)
    b = bulletin(cur, DECEMBER)
    city_sentences = [blk.text for _, blocks in body(b, comparison(cur, DECEMBER, b["as_of"])) for blk in blocks
                      if isinstance(blk, Para)]
    at = _page(Principal("d13", "department", "D13"), DECEMBER)
    shown = [m.value for m in at.markdown]
    for sentence in city_sentences:   # every sentence of the city's bulletin, unchanged
        assert md(sentence) in shown, sentence
    headers = [h.value for h in at.subheader]
    assert headers[-1] == "本部门情况摘要"
    committee = _page(CHAIR, DECEMBER)
    assert headers == [h.value for h in committee.subheader] + ["本部门情况摘要"]
    # the sentences a department's own rows alone would make (its best, its count below the threshold) are gone
    assert not [s for s in shown if "低于 90.0% 的部门有 1 个" in s or "。，" in s]


def test_the_summarys_best_and_worst_sentence_is_punctuated_whichever_there_is():
    from govdash.documents.bulletin_text import summary_text

    city = {"dispatched": 10, "handled": 9, "handling_rate": 0.9, "timely_handling_rate": 0.9, "closed_on_time": 8,
            "closed_late": 1, "closure_rate": 0.9, "on_time_closure_rate": 0.8, "satisfaction_rate": 1.0,
            "returned": 0, "escalated": 0, "open_overdue": 1}
    rows = [{"dept_id": "A", "dept_name": "甲局", "on_time_closure_rate": 0.95},
            {"dept_id": "B", "dept_name": "乙局", "on_time_closure_rate": 0.333}]
    base = {"month": DECEMBER, "as_of": "2025-01-08 23:59:59", "city": city, "departments": rows,
            "settings": {"whistle": {"negative_list_threshold": 0.9}}}
    previous = {"city": {**city, "on_time_closure_rate": 0.88}}
    texts = {}
    for red, black in ((["A"], ["B"]), ([], ["B"]), (["A"], [])):
        b = {**base, "lists": {"red": red, "black": black, "below_threshold": ["B"]}}
        texts[(bool(red), bool(black))] = text = summary_text(b, previous)
        assert "。，" not in text and "）处置率" not in text, text
    assert "下降 8.0 个百分点。按期办结率最低的是乙局（33.3%）。" in texts[(False, True)]
    assert "按期办结率最高的是甲局（95.0%），最低的是乙局（33.3%）。" in texts[(True, True)]
    assert "按期办结率最高的是甲局（95.0%）。处置率或办结率低于" in texts[(True, False)]


# ---------------------------------------------------------------- the document's identity

def _identity(docx: bytes) -> dict:
    import datetime as dt
    import io

    from docx import Document

    def naive_utc(moment):
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment

    doc = Document(io.BytesIO(docx))
    props = doc.core_properties
    return {"number": doc.paragraphs[1].text, "author": props.author, "created": naive_utc(props.created),
            "modified": naive_utc(props.modified), "last_modified_by": props.last_modified_by}


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_a_published_documents_number_is_its_year_of_issue_and_the_issuers_running_sequence(city):
    import datetime as dt
    import io

    import openpyxl

    from govdash.documents.documents import document_settings, utc

    issuer = document_settings()["issuer"]
    first = publish_month(DECEMBER, CHAIR, now=dt.datetime(2026, 12, 7, 9, 30))
    second = publish_month(NOVEMBER, CHAIR, now=dt.datetime(2026, 12, 8, 10, 0))
    next_year = publish_month("2024-10", CHAIR, now=dt.datetime(2027, 1, 4, 8, 0))
    numbers = []
    for record, when in ((first, dt.datetime(2026, 12, 7, 9, 30)), (second, dt.datetime(2026, 12, 8, 10, 0)),
                         (next_year, dt.datetime(2027, 1, 4, 8, 0))):
        docx = archive.file(_cur(city), record["publication_id"], "docx")[2]
        shown = _identity(docx)
        numbers.append(shown["number"])
        assert shown["author"] == issuer and shown["last_modified_by"] == issuer
        # the publication time (local China time, stated as UTC), not python-docx's 2013
        assert shown["created"] == shown["modified"] == utc(when)
        book = openpyxl.load_workbook(io.BytesIO(archive.file(_cur(city), record["publication_id"], "xlsx")[2]))
        assert book.properties.creator == issuer and book.properties.created == utc(when)
        # frozen in the record: the stored bulletin names the number its files carry
        stored = archive.bulletin(_cur(city), record["publication_id"])["publication"]
        assert stored["document_number"] == shown["number"] and stored["issuer"] == issuer
    # the year of issue (not the data's 2024), one running sequence per year
    assert numbers == ["龙基治〔2026〕1号", "龙基治〔2026〕2号", "龙基治〔2027〕1号"]


def test_a_draft_is_not_numbered_and_says_so(city):
    import datetime as dt

    from govdash.core.periods import parse_as_of
    from govdash.documents.documents import render_bulletin
    from govdash.figures.bulletin import bulletin

    def now_utc():
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)

    b = bulletin(_cur(city), DECEMBER)
    before = now_utc()
    shown = _identity(render_bulletin("docx", b))
    assert shown["number"] == f"龙基治〔{parse_as_of(None).year}〕—号（未定稿，尚未编号）"   # the year of issue: now
    assert shown["author"] == "龙港市基层治理委员会办公室"
    assert before <= shown["created"] <= now_utc()   # the render time


def test_the_title_breaks_only_between_words():
    from govdash.documents.documents import BULLETIN_TITLE, title_lines

    for month, mark in (("2024-12", ""), ("2024-10", "（初步）"), ("2024-09", "（更正）")):
        lines = title_lines(month, mark)
        assert "".join(lines).startswith("2024年") and "".join(lines).endswith(BULLETIN_TITLE + mark)
        # each line fits the type area's 2号 line (156 mm / 22 pt ≈ 20 characters), no word cut in two
        assert all(len(line) <= 20 for line in lines), lines
        assert not any(line.endswith(("工作情", "通", "部门报")) for line in lines), lines
