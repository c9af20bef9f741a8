"""Published (定稿) quarterly and annual assessments (SPEC 8.1): the assessment office publishes; the stored copy is
served unchanged on the page, in the workbook and in the CLI whatever scoring version is saved afterwards; a
recomputation's difference shows as 更正 and may be published as a correction, both versions kept. And the
年度考核 page and its workbook in a reader's words: no code words, digests, ISO weeks or month codes."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import AccessDenied, Principal
from govdash.documents.assessment_publication import publish_assessment
from tests.support.apptest import set_period
from tests.support.paths import REPO
from warehouse import assessment_archive
from warehouse.db import connect_read, read_cursor

OFFICE = Principal("office", "assessment", display_name="李考")
CODES = re.compile(r"\bJ\d{2}\b|\d{4}-W\d{2}|\b\d{4}-\d{2}\b|未登记版本|\b[0-9a-f]{8}\b")


def _cur(db: Path):
    return read_cursor(connect_read(db))


@pytest.fixture
def city(committed_sample_db, tmp_path, monkeypatch) -> Path:
    """A writable copy of the committed sample city, its own scoring settings and accounts."""
    db = tmp_path / "city.duckdb"
    shutil.copyfile(committed_sample_db, db)
    monkeypatch.setenv("GOVDASH_DB", str(db))
    scoring = tmp_path / "config" / "scoring.toml"
    scoring.parent.mkdir()
    shutil.copyfile(REPO / "config" / "scoring.toml", scoring)
    monkeypatch.setenv("GOVDASH_SCORING", str(scoring))
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    from govdash.records.accounts import set_user

    set_user("office", "assessment", "pw-long-enough-1")
    set_user("chair", "committee", "pw-long-enough-2")
    added = CliRunner().invoke(cli, ["user", "name", "office", "李考"], catch_exceptions=False)
    assert added.exit_code == 0, added.stderr
    return db


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _page(year: int, period: str, principal: Principal = OFFICE):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.session_state["principal"] = principal
    at.run()
    at.switch_page("pages/assessment.py").run()
    set_period(at, **({"year": str(year)} if period == "全年" else {"quarter": f"{year}-Q{period[1]}"}))
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at) -> dict:
    """What the page shows of the assessment: the ranking, the captions, the notes, the metrics of the department."""
    ranking = next(df.value for df in at.dataframe if "等次" in df.value.columns)
    # JSON: an empty 上期得分 (NaN) compares equal
    return {"ranking": ranking.to_json(force_ascii=False),
            "captions": [c.value for c in at.caption if "截止" in c.value],
            "metrics": [(m.label, m.value, m.delta) for m in at.metric],
            "published": [s.value for s in at.success if "定稿" in s.value]}


def test_only_the_assessment_office_publishes(city):
    for p in (Principal("chair", "committee"), Principal("d", "department", "D01"), Principal("x", "none")):
        with pytest.raises(AccessDenied, match="只有考绩办账号可以定稿发布"):
            publish_assessment(2024, None, p)
    refused = _run("publish", "--year", "2024", "--user", "chair")
    assert refused.exit_code == 1 and "只有考绩办账号可以定稿发布" in refused.stderr
    refused = _run("scoring", "save", "--file", str(REPO / "config" / "scoring.toml"), "--reason", "试", "--user",
                   "chair")
    assert refused.exit_code == 1 and "只有考绩办账号可以保存评分设置" in refused.stderr
    assert assessment_archive.publications(_cur(city)) == []


def _weights_40_10(path: Path) -> Path:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(r"(\[components\.on_time_closure\][^\[]*weight = )30", r"\g<1>40", text)
    changed = re.sub(r"(\[components\.timely_handling\][^\[]*weight = )20", r"\g<1>10", changed)
    assert changed != text
    out = path.parent / "candidate.toml"
    out.write_text(changed, encoding="utf-8")
    return out


def test_a_published_assessment_never_changes_and_a_correction_keeps_both(city, tmp_path):
    published = _run("publish", "--year", "2024", "--user", "office")
    assert published.exit_code == 0, published.stderr
    assert "2024-v1" in published.stdout and "评分设置版本 未保存的设置" in published.stdout
    assert _run("publish", "--year", "2024", "--quarter", "4", "--user", "office").exit_code == 0
    again = _run("publish", "--year", "2024", "--user", "office")
    assert again.exit_code == 1 and "不能重复发布" in again.stderr
    record = assessment_archive.latest(_cur(city), 2024, None)
    assert (record["published_by"], record["as_of"], record["kinds"]) == ("李考", "2025-01-08 23:59:59",
                                                                          ["json", "xlsx"])

    def outputs() -> dict:
        cur = _cur(city)
        out = {}
        for quarter, args in ((None, []), (4, ["--quarter", "4"])):
            pub = assessment_archive.latest(cur, 2024, quarter)
            out[quarter] = {"workbook": assessment_archive.file(cur, pub["publication_id"], "xlsx")[2],
                            "json": _run("report", "assessment", "--year", "2024", *args, "--published").stdout}
            xlsx = tmp_path / f"{quarter}.xlsx"
            assert _run("report", "assessment", "--year", "2024", *args, "--published", "--format", "xlsx",
                        "--out", str(xlsx)).exit_code == 0
            out[quarter]["cli_xlsx"] = xlsx.read_bytes()
        return out

    before = outputs()
    assert before[None]["cli_xlsx"] == before[None]["workbook"]
    assert before[None]["json"].encode("utf-8") == assessment_archive.file(
        _cur(city), "2024-v1", "json")[2] + b"\n"
    pages_before = {p: _shown(_page(2024, p)) for p in ("全年", "第4季度")}
    assert any("2024年考核已于" in s and "由 李考 定稿发布" in s for s in pages_before["全年"]["published"])

    import os

    saved = _run("scoring", "save", "--file", str(_weights_40_10(Path(os.environ["GOVDASH_SCORING"]))),
                 "--reason", "突出按期办结", "--user", "office")
    assert saved.exit_code == 0, saved.stderr
    assert "v0001" in saved.stdout
    from govdash.core.scoring import load_scoring
    from govdash.figures.assessment import assessment

    assert load_scoring().version == "v0001"
    live = assessment(_cur(city), 2024, None)
    stored = assessment_archive.assessment(_cur(city), "2024-v1")
    assert [d["score"] for d in live["departments"]] != [d["score"] for d in stored["departments"]]

    assert outputs() == before
    year_page = _page(2024, "全年")
    assert {p: _shown(_page(2024, p)) for p in ("第4季度",)} == {"第4季度": pages_before["第4季度"]}
    assert _shown(year_page) == pages_before["全年"]
    # the 更正 notice lists every changed score: department, 得分 / 排名, as published → as recomputed
    notice = next(w.value for w in year_page.warning if w.value.startswith("更正"))
    changes = next(df.value for df in year_page.dataframe if "重新计算" in df.value.columns)
    assert f"有 {len(changes)} 项" in notice
    by_dept = {d["dept_name"]: d for d in stored["departments"]}
    now = {d["dept_name"]: d for d in live["departments"]}
    expected = [(n, "得分", f"{by_dept[n]['score']:.2f}", f"{now[n]['score']:.2f}")
                for n in by_dept if by_dept[n]["score"] != now[n]["score"]]
    got = [tuple(r) for r in changes[["部门", "项目", "已定稿", "重新计算"]].itertuples(index=False) if r[1] == "得分"]
    assert sorted(got) == sorted(expected) and expected

    # the correction: a new version with its reason and the new scoring version; both kept
    no_reason = _run("publish", "--year", "2024", "--user", "office", "--correction")
    assert no_reason.exit_code == 1 and "请填写更正原因" in no_reason.stderr
    corrected = _run("publish", "--year", "2024", "--user", "office", "--correction", "--reason", "启用新评分设置")
    assert corrected.exit_code == 0, corrected.stderr
    pubs = assessment_archive.publications(_cur(city), 2024, None)
    assert [(p["version"], p["status"], p["supersedes"], p["scoring_version"], p["reason"]) for p in pubs] == [
        (1, "published", None, stored["settings"]["version"], None),
        (2, "correction", "2024-v1", "v0001", "启用新评分设置")]
    assert assessment_archive.file(_cur(city), "2024-v1", "xlsx")[2] == before[None]["workbook"]
    served = _run("report", "assessment", "--year", "2024", "--published").stdout
    assert '"published_by": "李考"' in served and '"version": "v0001"' in served
    after = _page(2024, "全年")
    ranking = next(df.value for df in after.dataframe if "等次" in df.value.columns)
    assert [d["score"] for d in live["departments"]] == list(ranking["得分"])
    assert not any(w.value.startswith("更正") for w in after.warning)


def test_the_workbook_is_issued_by_the_assessment_office_in_names_and_numbers(committed_sample_db):
    from openpyxl import load_workbook

    from govdash.documents.documents import render_assessment
    from govdash.figures.assessment import assessment

    a = assessment(_cur(committed_sample_db), 2024, None)   # compared with 2023, of which there is no data
    wb = load_workbook(io.BytesIO(render_assessment(a)))
    assert "发布单位：龙港市考绩办" in wb["排名"]["A2"].value
    deductions = [[c.value for c in row] for row in wb["扣分明细"].iter_rows(min_row=5)]
    assert deductions and not [r for r in deductions if CODES.search(f"{r[1]} {r[3]}")]
    assert any("第41周（10.7–10.13）" in r[1] for r in deductions) and any("2024年11月" in r[1] for r in deductions)
    sheet = wb["考核项"]
    header = [c.value for c in sheet[4]]
    rows = [dict(zip(header, (c for c in row))) for row in sheet.iter_rows(min_row=5)]
    values = [r[k].value for r in rows for k in ("实际值", "目标值", "权重", "实际计分权重", "得分")]
    assert "—" not in values and all(isinstance(v, (int, float)) or v is None for v in values)
    on_time = next(r for r in rows if r["考核项"].value == "按期办结")
    assert on_time["目标值"].value == 0.95 and on_time["目标值"].number_format == "0%"
    assert on_time["实际值"].number_format == "0.0%"
    header = [c.value for c in wb["排名"][4]]
    ranking = [dict(zip(header, (c.value for c in row))) for row in wb["排名"].iter_rows(min_row=5)]
    assert [r["上期得分"] for r in ranking] == [None] * len(a["departments"])  # an empty cell, not "—"
    assert [r["得分"] for r in ranking] == [d["score"] for d in a["departments"]]
    settings = {r[0].value: r[1].value for r in wb["评分设置"].iter_rows(min_row=5)}
    assert settings["评分设置版本"] == "未保存的设置"
    assert settings["考核项：按期办结"] == "权重 30，目标 95%"
    assert settings["考核负面清单阈值（处置率、办结率）"] == "90%"
    assert not [v for v in settings.values() if isinstance(v, str) and CODES.search(v)]


def test_the_page_speaks_chinese_without_code_words(committed_sample_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    scoring = tmp_path / "scoring.toml"
    shutil.copyfile(REPO / "config" / "scoring.toml", scoring)
    monkeypatch.setenv("GOVDASH_SCORING", str(scoring))
    at = _page(2024, "第4季度")
    assert any("评分设置版本：未保存的设置" in c.value for c in at.caption)
    targets = next(df.value for df in at.dataframe if "目标值" in df.value.columns and "考核项" in df.value.columns)
    assert dict(zip(targets["考核项"], targets["目标值"]))["按期办结"] == "95%"
    assert dict(zip(targets["考核项"], targets["目标值"]))["双向评价"] == "90 分"
    assert at.number_input(key="t_on_time_closure").value == 95
    at.number_input(key="w_on_time_closure").set_value(60.0).run()
    error = next(e.value for e in at.error)
    assert error.startswith("评分设置有误（模拟设置）：各考核项权重之和应为 100，当前为 130")
    assert "按期办结 60" in error and "on_time_closure" not in error and "第 " not in error
    texts = [m.value for m in (*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error)]
    assert not [t for t in texts if "未登记版本" in t]


def test_the_page_publishes_with_confirmation_for_the_assessment_office_only(city):
    chair = _page(2024, "第4季度", Principal("chair", "committee"))
    assert not [b for b in chair.button if b.key == "assessment_publish_button"]
    at = _page(2024, "第4季度")
    assert next(b for b in at.button if b.key == "assessment_publish_button").disabled  # confirmation first
    at.checkbox(key="assessment_publish_confirm").check().run()
    next(b for b in at.button if b.key == "assessment_publish_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已定稿 2024-Q4-v1" in s.value for s in at.success)
    assert [p["publication_id"] for p in assessment_archive.publications(_cur(city))] == ["2024-Q4-v1"]
    assert assessment_archive.latest(_cur(city), 2024, 4)["published_by"] == "李考"
    assert "下载 Excel 考核表（已定稿）" in {d.label for d in at.get("download_button")}
