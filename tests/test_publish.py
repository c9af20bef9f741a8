"""The default cut-off rule, publishing (定稿发布) into the warehouse archive, corrections, and
scoring settings as versions. Dates are worked by hand on the official calendar (2024 National Day:
1–7 October off, Sunday 29 September and Saturday 12 October worked; 2025 Spring Festival: 28 January –
4 February off, Sunday 26 January and Saturday 8 February worked)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import AccessDenied, Principal
from govdash.documents.publication import PublishError, publish_month
from govdash.figures.assessment import assessment, assessment_final_cutoff
from govdash.figures.bulletin import bulletin, compared_with
from govdash.figures.cutoff import cutoff_status, month_end, month_final_cutoff, rule_cutoff
from pipelines.ingest import ingest
from tests.support.apptest import set_period
from tests.support.paths import REPO
from warehouse import archive
from warehouse.db import connect_read, read_cursor

CHAIR = Principal("chair", "committee")
MONTH = "2024-10"


def _cur(db: Path):
    return read_cursor(connect_read(db))


# ---------------------------------------------------------------- the cut-off rule


@pytest.mark.parametrize("month, expected", [
    # 31 Oct 2024 is a Thursday: Fri 1 Nov (1), Mon 4 (2), Tue 5 (3), Wed 6 (4), Thu 7 Nov (5)
    ("2024-10", "2024-11-07 23:59:59"),
    # a period ending just before a holiday: 1–7 Oct off; Tue 8 (1), 9 (2), 10 (3), 11 (4), and Saturday 12 Oct,
    # a make-up working day, is the 5th
    ("2024-09", "2024-10-12 23:59:59"),
    # 1 Jan 2025 off: Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4), Wed 8 Jan (5)
    ("2024-12", "2025-01-08 23:59:59"),
    # Spring Festival: 28 Jan – 4 Feb off; Wed 5 (1), 6 (2), 7 (3), Saturday 8 Feb make-up (4), Mon 10 Feb (5)
    ("2025-01", "2025-02-10 23:59:59"),
    # a period ending on a Sunday (30 Jun 2024): Mon 1 Jul (1) … Fri 5 Jul (5)
    ("2024-06", "2024-07-05 23:59:59"),
])
def test_the_default_cutoff_is_the_end_of_the_fifth_working_day_after_the_month(committed_sample_db, month, expected):
    assert month_final_cutoff(_cur(committed_sample_db), month).strftime("%Y-%m-%d %H:%M:%S") == expected


def test_quarter_and_year_cutoffs(committed_sample_db):
    cur = _cur(committed_sample_db)
    assert assessment_final_cutoff(cur, 2024, 3) == dt.datetime(2024, 10, 12, 23, 59, 59)
    assert assessment_final_cutoff(cur, 2024, None) == dt.datetime(2025, 1, 8, 23, 59, 59)


def test_the_rule_follows_its_setting(committed_sample_db, tmp_path, monkeypatch):
    text = (REPO / "config" / "settings.toml").read_text(encoding="utf-8")
    changed = text.replace("working_days_after_period = 5", "working_days_after_period = 1").replace(
        'time_of_day = "23:59:59"', 'time_of_day = "18:00"')
    assert changed != text
    (tmp_path / "settings.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(tmp_path / "settings.toml"))
    cur = _cur(committed_sample_db)
    # after 30 Sep 2024: the 1st working day is Tue 8 Oct (1–7 Oct off)
    assert rule_cutoff(cur, month_end("2024-09")) == dt.datetime(2024, 10, 8, 18, 0)


def test_a_bulletin_without_a_cutoff_takes_the_default_and_states_it(committed_sample_db):
    cur = _cur(committed_sample_db)
    b = bulletin(cur, MONTH)
    assert b["as_of"] == "2024-11-07 23:59:59" and b["final_cutoff"] == "2024-11-07 23:59:59"
    assert b["provisional"] is False and b["data_end"] == "2025-01-01 01:02" and b["data_note"] is None
    early = bulletin(cur, MONTH, "2024-11-05 09:00")
    assert early["provisional"] is True  # before the 5th working day: 初步
    # December's cut-off (8 Jan 2025) is later than the last loaded data (1 Jan 2025 01:02): flagged
    december = bulletin(cur, "2024-12")
    assert december["data_note"] == "数据截至 2025年1月1日 01:02，晚于该时间的期限按截至时的数据判断"
    assert cutoff_status(cur, month_end("2024-12"), dt.datetime(2025, 1, 1, 1, 0))["data_note"] is None


def test_the_assessment_takes_its_period_default(committed_sample_db):
    a = assessment(_cur(committed_sample_db), 2024, 3)
    assert a["as_of"] == "2024-10-12 23:59:59" and a["provisional"] is False
    assert a["settings"]["version"] and a["settings"]["version"] in a["settings"]["source"]


def test_the_cli_bulletin_defaults_to_the_rule(committed_sample_db, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    result = CliRunner().invoke(cli, ["report", "bulletin", "--month", MONTH], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    b = json.loads(result.stdout)
    assert b["as_of"] == "2024-11-07 23:59:59" and b["provisional"] is False


# ---------------------------------------------------------------- publishing and corrections

FILE_KINDS = ("json", "docx", "xlsx")
# the PDF is made and archived where LibreOffice is installed (scripts/system-deps.sh)
MADE_PDF = bool(shutil.which("soffice") or shutil.which("libreoffice"))
STORED_KINDS = FILE_KINDS + (("pdf",) if MADE_PDF else ())


@pytest.fixture
def city(committed_sample_db, tmp_path, monkeypatch) -> Path:
    """A writable copy of the committed sample city."""
    db = tmp_path / "city.duckdb"
    shutil.copyfile(committed_sample_db, db)
    monkeypatch.setenv("GOVDASH_DB", str(db))
    return db


def _files(db: Path, publication_id: str) -> dict[str, bytes]:
    cur = _cur(db)
    return {kind: archive.file(cur, publication_id, kind)[2] for kind in STORED_KINDS}


def corrected_export(db: Path, folder: Path, events: int = 3) -> tuple[list[tuple[str, str]], Path]:
    """A corrected re-export of the whistle log: the first `events` assignments of October's overdue list
    were in fact closed (late) on 7 Nov 2024 at 22:00, before the cut-off; each event's rows are re-sent whole
    (an event's rows in a file replace its rows in the warehouse)."""
    b = bulletin(_cur(db), MONTH)
    chosen = []
    for r in b["overdue"]:
        if r["event_id"] not in {e for e, _ in chosen}:
            chosen.append((r["event_id"], r["dept_id"]))
        if len(chosen) == events:
            break
    with open(REPO / "sample_data" / "whistle_event_log.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    ids = {e for e, _ in chosen}
    kept = [r for r in body if r[0] in ids] + [[e, "2024-11-07 22:00:00", "closed", d, "", "更正补录"] for e,
                                               d in chosen]
    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header] + kept)
    path = folder / "whistle_event_log.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return chosen, path


def test_publish_is_refused_to_anyone_but_the_committee(city):
    for p in (Principal("office", "assessment"), Principal("d", "department", "D01"), Principal("x", "none")):
        with pytest.raises(AccessDenied, match="只有基层治理委员会账号可以定稿发布"):
            publish_month(MONTH, p)
    assert archive.publications(_cur(city)) == []


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_a_published_month_is_served_unchanged_and_a_correction_lists_every_changed_figure(city, tmp_path):
    record = publish_month(MONTH, CHAIR)
    assert record["publication_id"] == "2024-10-v1" and record["status"] == "published"
    assert record["as_of"] == dt.datetime(2024, 11, 7, 23, 59, 59) and record["provisional"] is False
    # the PDF where LibreOffice is installed; else it is skipped, with its reason
    assert {f["kind"] for f in record["files"]} == set(STORED_KINDS)
    assert set(record["skipped_kinds"]) == (set() if MADE_PDF else {"pdf"})
    assert record["ingest_runs"] and record["settings_sha256"] and record["scoring_version"]
    original = _files(city, "2024-10-v1")
    assert {f["kind"]: f["sha256"] for f in record["files"]} == {k: hashlib.sha256(v).hexdigest() for k,
                                                                 v in original.items()}
    published = json.loads(original["json"])
    assert published["publication"]["status"] == "published" and published["publication"]["published_by"] == "chair"
    assert published == archive.bulletin(_cur(city), "2024-10-v1")

    # the same month twice: refused, in Chinese, nothing written
    with pytest.raises(PublishError, match="不能重复发布"):
        publish_month(MONTH, CHAIR)
    with pytest.raises(PublishError, match="无需更正"):
        publish_month(MONTH, CHAIR, correction=True)
    assert len(archive.publications(_cur(city), MONTH)) == 1

    # a rebuild and three re-ingests of the same files keep the archive byte for byte
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert _files(city, "2024-10-v1") == original
    for _ in range(3):
        assert ingest([REPO / "sample_data"], db_path=city).exit_code in (0, 2)
        assert _files(city, "2024-10-v1") == original

    # a corrected re-export: the archive still returns the original files, the recomputation differs
    chosen, fix = corrected_export(city, tmp_path / "fix")
    assert ingest([fix], db_path=city).exit_code == 0
    assert _files(city, "2024-10-v1") == original
    out = tmp_path / "served.docx"
    result = CliRunner().invoke(cli, ["report", "bulletin", "--month", MONTH, "--published", "--format", "docx",
                                      "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == original["docx"]
    result = CliRunner().invoke(cli, ["report", "bulletin", "--month", MONTH, "--published"], catch_exceptions=False)
    assert result.stdout.encode("utf-8") == original["json"] + b"\n"

    from govdash.figures.corrections import changed_figures

    # the recomputation as publishing makes it: with what the month is compared with now (stored with a publication)
    live = {**bulletin(_cur(city), MONTH, published["as_of"]), **compared_with(_cur(city), MONTH, published["as_of"])}
    changes = changed_figures(published, live)
    by_path = {c["path"]: c for c in changes}
    k = len(chosen)
    old_city, new_city = published["city"], live["city"]
    assert new_city["open_overdue"] == old_city["open_overdue"] - k
    assert new_city["closed_late"] == old_city["closed_late"] + k
    assert (by_path["city/open_overdue"]["old"], by_path["city/open_overdue"]["new"]) == (
        str(old_city["open_overdue"]), str(old_city["open_overdue"] - k))
    assert by_path["city/open_overdue"]["section"] == "全市合计"
    assert by_path["city/open_overdue"]["figure"] == "超期未办结"
    assert by_path["city/closed_late"]["new"] == str(old_city["closed_late"] + k)
    removed = [c for c in changes if c["section"] == "超期未办结清单"]
    assert sorted((c["item"], c["old"], c["new"]) for c in removed) == sorted(
        (f"事件 {e}，部门 {_name(published, d)}", "列入", "无") for e, d in chosen)
    # nothing unchanged is listed, and every figure that changed is: the listed paths are exactly the differing leaves
    assert all(c["old"] != c["new"] or c["figure"].endswith("率") for c in changes)
    assert {c["path"] for c in changes} == _differing_paths(published, live)

    # the correction: a new version superseding the first, both kept; the first's files unchanged
    with pytest.raises(PublishError, match="不能重复发布"):
        publish_month(MONTH, CHAIR)
    fixed = publish_month(MONTH, CHAIR, correction=True, reason="住建局补报结案记录")
    assert (fixed["publication_id"], fixed["status"], fixed["supersedes"],
            fixed["version"]) == ("2024-10-v2", "correction", "2024-10-v1", 2)
    assert fixed["as_of"] == record["as_of"] and fixed["changes"] == changes
    pubs = archive.publications(_cur(city), MONTH)
    assert [p["publication_id"] for p in pubs] == ["2024-10-v1",
                                                   "2024-10-v2"] and archive.latest(_cur(city), MONTH)["version"] == 2
    assert _files(city, "2024-10-v1") == original
    served = json.loads(_files(city, "2024-10-v2")["json"])
    assert served["city"] == live["city"] and served["publication"]["status"] == "correction"


def _name(b: dict, dept_id: str) -> str:
    return {d["dept_id"]: d["dept_name"] for d in b["departments"]}[dept_id]


def _differing_paths(a: dict, b: dict) -> set[str]:
    """An independent reading of "what changed": sections compared row by row with plain loops."""
    out = set()
    for key in ("city",):
        out |= {f"{key}/{k}" for k in a[key] if a[key][k] != b[key][k]}
    before, after = a["comparison"]["city"], b["comparison"]["city"]
    out |= {f"comparison/city/{k}" for k in before if before[k] != after[k]}
    keyed = {"trend": ("month",),
             "departments": ("dept_id",), "overdue": ("event_id", "dept_id"), "visits": ("dept_id", "jpc_id"),
             "negative_reports": ("jpc_id",), "assessment_negative_list": ("dept_id",),
             "burden_negative_list": ("dept_id",)}
    for section, fields in keyed.items():
        rows_a = {tuple(r[f] for f in fields): r for r in a[section]}
        rows_b = {tuple(r[f] for f in fields): r for r in b[section]}
        for key in rows_a.keys() | rows_b.keys():
            ident = ",".join(f"{f}={v}" for f, v in zip(fields, key))
            if (key in rows_a) != (key in rows_b):
                out.add(f"{section}/{ident}/@row")
                continue
            for f in rows_a[key]:
                if f not in fields and rows_a[key][f] != rows_b[key][f]:
                    if isinstance(rows_a[key][f], dict):
                        out |= {f"{section}/{ident}/{f}/{k}" for k in rows_a[key][f].keys() | rows_b[key][f].keys()
                                if rows_a[key][f].get(k) != rows_b[key][f].get(k)}
                    else:
                        out.add(f"{section}/{ident}/{f}")
    for name in ("red", "black", "below_threshold"):
        if a["lists"][name] != b["lists"][name]:
            out.add(f"lists/{name}")
    if a["department_count"] != b["department_count"]:
        out.add("department_count")
    assert a["funnel"] == b["funnel"] and a["settings"] == b["settings"]  # the correction touched whistles only
    return out


def test_the_archive_tables_are_no_model():
    from warehouse.build import model_files

    assert not [name for name in model_files() if name.startswith(archive.ARCHIVE_PREFIX)]


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_publish_cli_refuses_an_account_outside_the_committee(city, tmp_path, monkeypatch):
    from govdash.records.accounts import set_user

    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    set_user("office", "assessment", "pw-long-enough-1")
    set_user("chair", "committee", "pw-long-enough-2")
    result = CliRunner().invoke(cli, ["publish", "--month", MONTH, "--user", "office"], catch_exceptions=False)
    assert result.exit_code == 1 and "只有基层治理委员会账号" in result.stderr
    result = CliRunner().invoke(cli, ["publish", "--month", MONTH, "--user", "chair"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "2024-10-v1" in result.stdout
    result = CliRunner().invoke(cli, ["publish", "--month", MONTH, "--user", "chair"], catch_exceptions=False)
    assert result.exit_code == 1 and "不能重复发布" in result.stderr


def test_the_publisher_is_named_by_the_accounts_real_name(city, tmp_path, monkeypatch):
    """SPEC 8.1: the publication, its note and `govdash user list` name the person, not the account."""
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "chair", "--role", "committee", "--password", "pw-long-enough-2",
                                "--display-name", "  张明  "], catch_exceptions=False)
    assert added.exit_code == 0, added.stderr
    listed = runner.invoke(cli, ["user", "list"], catch_exceptions=False).stdout
    assert "chair\tcommittee\t张明\t" in listed
    refused = runner.invoke(cli, ["user", "name", "chair", "张\u200b明"], catch_exceptions=False)
    assert refused.exit_code == 1 and "不可见字符" in refused.stderr
    result = runner.invoke(cli, ["publish", "--month", MONTH, "--user", "chair"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    record = archive.publications(_cur(city), MONTH)[-1]
    assert record["published_by"] == "张明"
    from govdash.documents.publication import publication_note
    assert "由 张明 定稿发布" in publication_note(record)
    cleared = runner.invoke(cli, ["user", "name", "chair"], catch_exceptions=False)
    assert cleared.exit_code == 0 and "改用账号名" in cleared.stdout
    from govdash.records.accounts import load_accounts
    assert "display_name" not in load_accounts()["chair"]


def _page(principal: Principal, month: str = MONTH):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = principal
    at.session_state["month"] = month
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_the_page_publishes_with_confirmation_and_lists_a_correction(city, tmp_path):
    at = _page(CHAIR)
    assert any("截止 2024年11月7日 23:59" in m.value and "正式数据" in m.value for m in at.markdown)
    button = next(b for b in at.button if b.key == "publish_button")
    assert button.disabled  # not before the confirmation
    at.checkbox(key="publish_confirm").check().run()
    next(b for b in at.button if b.key == "publish_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # what was stored, named as a reader names it (never its file names)
    assert any(s.value.startswith("已定稿发布2024年10月通报（第 1 版）：已存入月度通报 Word、") for s in at.success)
    assert any("定稿发布，截止时点 2024年11月7日 23:59" in s.value for s in at.success)
    labels = {d.label for d in at.get("download_button") if d.label != "导出 Excel"}
    assert {"下载 Word 通报（已发布）", "下载 Excel 通报（已发布）", "下载 JSON 通报（已发布）"} <= labels
    assert not [b for b in at.button if b.key == "publish_button"]

    # a department user sees the published figures but no publish or correction control
    chosen, fix = corrected_export(city, tmp_path / "fix")
    assert ingest([fix], db_path=city).exit_code == 0
    dept = _page(Principal("d", "department", chosen[0][1]))
    assert not [b for b in dept.button if b.key in ("publish_button", "correction_button")]
    assert not any("更正" in w.value for w in dept.warning)

    # the committee sees the 更正 notice with every changed figure, then publishes the correction
    at = _page(CHAIR)
    notice = next(w.value for w in at.warning if "更正" in w.value)
    table = next(df.value for df in at.dataframe if "重新计算" in df.value.columns)
    assert f"有 {len(table)} 项数字" in notice
    removed = table[table["部分"] == "超期未办结清单"]
    assert sorted(removed["对象"].str.split("，").str[0]) == sorted(f"事件 {e}" for e, _ in chosen)
    metrics = {m.label: m.value for m in at.metric}
    published = archive.bulletin(_cur(city), "2024-10-v1")
    assert metrics["超期未办结"] == str(published["city"]["open_overdue"])  # the page still shows what was published
    at.text_input(key="correction_reason").input("补录结案记录").run()
    at.checkbox(key="correction_confirm").check().run()
    next(b for b in at.button if b.key == "correction_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已发布更正版2024年10月通报（第 2 版）" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["超期未办结"] == str(published["city"]["open_overdue"] - len(chosen))
    assert not any("更正：" in w.value for w in at.warning)


def test_the_page_marks_a_provisional_cutoff_and_late_data(city):
    at = _page(CHAIR, "2024-12")
    assert any(w.value.startswith("数据截至 2025年1月1日 01:02") for w in at.warning)
    set_period(at, asof=dt.datetime(2025, 1, 3, 23, 59))
    assert not at.exception
    assert any("初步数据" in m.value for m in at.markdown)
    assert any("初步数据：截止时点早于本期正式截止时点 2025年1月8日 23:59" in w.value for w in at.warning)


# ---------------------------------------------------------------- scoring settings as versions


@pytest.fixture
def scoring_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "config" / "scoring.toml"
    path.parent.mkdir()
    shutil.copyfile(REPO / "config" / "scoring.toml", path)
    monkeypatch.setenv("GOVDASH_SCORING", str(path))
    return path


def _with_weights(text: str, on_time: int, timely: int) -> str:
    import dataclasses

    from govdash.core.scoring import dump_scoring, parse_scoring

    s = parse_scoring(text)
    weights = {"on_time_closure": on_time, "timely_handling": timely}
    return dump_scoring(dataclasses.replace(s, components=tuple(
        dataclasses.replace(c, weight=weights.get(c.name, c.weight)) for c in s.components)))


def test_scoring_versions_save_view_and_apply_round_trip(scoring_file):
    from govdash.core.scoring import ScoringSettingsError, load_scoring
    from govdash.records import scoring_versions as sv
    from govdash.records.scoring_versions import apply_scoring_version, save_scoring_version

    shipped = load_scoring()
    assert shipped.version.startswith("未登记版本 ") and shipped.version in shipped.source
    with pytest.raises(ValueError, match="请填写保存原因"):
        save_scoring_version(_with_weights(scoring_file.read_text(encoding="utf-8"), 40, 10), "office", "  ")
    with pytest.raises(ScoringSettingsError, match="权重之和应为 100"):
        save_scoring_version(_with_weights(scoring_file.read_text(encoding="utf-8"), 50, 10), "office", "试算")
    assert sv.list_versions() == []

    v1 = save_scoring_version(_with_weights(scoring_file.read_text(encoding="utf-8"), 40, 10), "office", "突出按期办结",
                              )
    assert v1 == "v0001"
    live = load_scoring()
    assert live.version == "v0001" and live.source == "scoring.toml（v0001）"
    assert {c.name: c.weight for c in live.components}["on_time_closure"] == 40
    v2 = save_scoring_version(_with_weights(scoring_file.read_text(encoding="utf-8"), 30, 20), "office2", "恢复原权重")
    assert v2 == "v0002" and load_scoring().version == "v0002"
    listed = sv.list_versions()
    assert [(v["id"], v["author"], v["reason"], v["based_on"], v["intact"]) for v in listed] == [
        ("v0001", "office", "突出按期办结", shipped.version, True), ("v0002", "office2", "恢复原权重", "v0001", True)]
    first_text = sv.version_text("v0001")

    assert apply_scoring_version("v0001", "office") == "v0001"
    assert load_scoring().version == "v0001" and scoring_file.read_text(encoding="utf-8") == first_text
    assert sv.version_text("v0001") == first_text  # applying never rewrites a version
    assert [(h["action"], h["version"], h["author"]) for h in sv.history()] == [
        ("save", "v0001", "office"), ("save", "v0002", "office2"), ("apply", "v0001", "office")]
    # a hand edit of the live file is no longer the version it claims to be
    scoring_file.write_text(first_text.replace("weight = 40", "weight = 41").replace("weight = 15\n", "weight = 14\n",
                                                                                     1),
                            encoding="utf-8")
    assert load_scoring().version.startswith("未登记版本 ")
    with pytest.raises(ValueError, match="没有评分设置版本"):
        apply_scoring_version("v0009", "office")


def test_a_saved_version_names_the_person_who_saved_it(committed_sample_db, scoring_file, tmp_path):
    """The version list (年度考核 page, 保存人) names the person by the account's real name, as a publication names
    its publisher, never the account name (an English word such as "assessment")."""
    from govdash.records import accounts as account_store
    from govdash.records import scoring_versions as sv

    account_store.set_user("office", "assessment", "office-password-1")
    account_store.set_display_name("office", "李华")
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(_with_weights(scoring_file.read_text(encoding="utf-8"), 40, 10), encoding="utf-8")
    run = CliRunner().invoke(cli, ["scoring", "save", "--file", str(candidate), "--reason", "突出按期办结",
                                   "--user", "office"], catch_exceptions=False)
    assert run.exit_code == 0, run.stderr
    assert [(v["id"], v["author"]) for v in sv.list_versions()] == [("v0001", "李华")]


def test_every_score_and_export_names_the_version(committed_sample_db, scoring_file):
    from openpyxl import load_workbook

    from govdash.documents.documents import render_assessment
    from govdash.records.scoring_versions import save_scoring_version

    save_scoring_version(_with_weights(scoring_file.read_text(encoding="utf-8"), 40, 10), "office", "测试")
    a = assessment(_cur(committed_sample_db), 2024, None)
    assert a["settings"]["version"] == "v0001"
    sheet = load_workbook(io.BytesIO(render_assessment(a)))["评分设置"]
    assert ("评分设置版本", "v0001") in [(r[0].value, r[1].value) for r in sheet.iter_rows()]


def test_the_page_saves_a_version_and_shows_the_new_ranking_at_once(committed_sample_db, scoring_file, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from govdash.core.scoring import load_scoring

    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = Principal("office", "assessment")
    at.run()
    at.switch_page("pages/assessment.py").run()
    assert not at.exception, [e.value for e in at.exception]
    before = next(df.value for df in at.dataframe if "等次" in df.value.columns)
    at.number_input(key="w_on_time_closure").set_value(60.0).run()
    assert any(w.value == "权重合计：130 / 100（应为 100）" for w in at.warning)
    at.number_input(key="w_timely_handling").set_value(0.0).run()
    at.number_input(key="w_satisfaction").set_value(5.0).run()
    assert any(s.value == "权重合计：100 / 100" for s in at.success)
    save = next(b for b in at.button if b.key == "save_scoring")
    assert save.disabled  # reason and confirmation first
    at.text_input(key="scoring_reason").input("按期办结为重").run()
    at.checkbox(key="scoring_confirm").check().run()
    next(b for b in at.button if b.key == "save_scoring").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已保存评分设置版本 v0001" in s.value for s in at.success)
    assert load_scoring().version == "v0001"
    assert any("评分设置版本：v0001" in c.value for c in at.caption)
    after = next(df.value for df in at.dataframe if "等次" in df.value.columns)
    expected = assessment(_cur(committed_sample_db), 2024, None, None, load_scoring())
    assert list(after["得分"]) == [d["score"] for d in expected["departments"]]
    assert list(after["得分"]) != list(before["得分"])
    assert at.number_input(key="w_on_time_closure").value == 60.0  # the inputs now start from the saved version

    at.selectbox(key="scoring_version_view").set_value("v0001").run()
    assert not [b for b in at.button if b.key == "apply_scoring"]  # the live version is not offered again

    # a second version, then the first viewed and applied again
    at.number_input(key="w_on_time_closure").set_value(30.0).run()
    at.number_input(key="w_timely_handling").set_value(30.0).run()
    at.text_input(key="scoring_reason").input("及时处置为重").run()
    at.checkbox(key="scoring_confirm").check().run()
    next(b for b in at.button if b.key == "save_scoring").click().run()
    assert load_scoring().version == "v0002" and any("评分设置版本：v0002" in c.value for c in at.caption)
    at.selectbox(key="scoring_version_view").set_value("v0001").run()
    viewed = next(df.value for df in at.dataframe if "考核项" in df.value.columns and len(df.value.columns) == 3)
    assert dict(zip(viewed["考核项"], viewed["权重"]))["按期办结"] == 60
    at.checkbox(key="scoring_apply_confirm").check().run()
    next(b for b in at.button if b.key == "apply_scoring").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert load_scoring().version == "v0001" and any("评分设置版本：v0001" in c.value for c in at.caption)
    again = next(df.value for df in at.dataframe if "等次" in df.value.columns)
    assert list(again["得分"]) == list(after["得分"])


def test_the_page_offers_publishing_to_the_committee_only(city):
    for principal in (Principal("office", "assessment"), Principal("d", "department", "D13")):
        at = _page(principal)
        assert not [b for b in at.button if b.key == "publish_button"], principal
        assert any("截止 2024年11月7日 23:59" in m.value for m in at.markdown)  # the cut-off beside the title
    assert [b for b in _page(CHAIR).button if b.key == "publish_button"]


def test_the_default_cutoff_is_the_final_one_or_now_while_that_is_ahead(committed_sample_db):
    """One rule for the CLI, publishing and the pages: the final cut-off once it has passed, else now (and now while
    no final cut-off is known, before any warehouse)."""
    from govdash.figures.cutoff import default_cutoff, month_default_cutoff

    final = dt.datetime(2024, 11, 7, 23, 59, 59)
    assert default_cutoff(final, at=dt.datetime(2025, 1, 1)) == final
    assert default_cutoff(final, at=final) == final
    assert default_cutoff(final, at=dt.datetime(2024, 11, 5, 8, 0)) == dt.datetime(2024, 11, 5, 8, 0)
    assert default_cutoff(None, at=dt.datetime(2024, 11, 5, 8, 0)) == dt.datetime(2024, 11, 5, 8, 0)
    cur = _cur(committed_sample_db)
    assert month_default_cutoff(cur, "2024-10") == final
    ahead = month_default_cutoff(cur, "2099-01")   # a final cut-off far ahead: now
    assert ahead < month_final_cutoff(cur, "2099-01") and abs(ahead - dt.datetime.now()) < dt.timedelta(hours=14)
