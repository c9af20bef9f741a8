"""`govdash dispute load`: a file of dispute steps (申诉记录, Chinese headers, UTF-8 with BOM or GBK) replayed
through the workflow's rules on the committed sample city, row by row in file order, each row by its own account
at its own moment; idempotent by the file's dispute numbers; refused rows named with their line and Chinese reason.
The ingest passes such a file by, and the sample city's own file loads with the demo accounts.

Items (worked in tests/test_disputes_workflow.py): E20240004475 → D13, closure deadline 2024-09-30, filing window
to Sat 2024-10-12 23:59:59; E20240004469 → D04, dispatched 2024-09-27 04:41:47.
"""
from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.records import disputes as records
from govdash.records.accounts import set_user
from pipelines.dispute_file import HEADERS, is_dispute_file, read_dispute_steps
from tests.support.paths import REPO

HEADER = list(HEADERS)


def write(path, rows, encoding="utf-8-sig"):
    lines = [",".join(HEADER)] + [",".join(r.get(h, "") for h in HEADER) for r in rows]
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


ROWS = [
    {"申诉编号": "A1", "步骤": "提交申诉", "时间": "2024-10-08 10:00", "账号": "dept-d13",
     "申诉事项": "assignment:E20240004475/D13", "申诉理由": "客观原因延期", "说明": "道路施工", "申请天数": "3"},
    {"申诉编号": "A2", "步骤": "提交申诉", "时间": "2024-10-08 11:00", "账号": "dept-d04",
     "申诉事项": "assignment:E20240004469/D04", "申诉理由": "派错部门", "说明": "非本部门职责"},
    {"申诉编号": "A1", "步骤": "初审", "时间": "2024-10-09 09:00", "账号": "office", "说明": "部分属实",
     "裁定": "批准", "给予天数": "2"},
    {"申诉编号": "A2", "步骤": "初审", "时间": "2024-10-09 10:00", "账号": "office", "说明": "材料不足",
     "裁定": "驳回"},
    {"申诉编号": "A3", "步骤": "提交申诉", "时间": "2024-10-14 09:00", "账号": "dept-d13",
     "申诉事项": "assignment:E20240004475/D13", "申诉理由": "误评", "说明": "x", "回访记录": "回访王某"},
    {"申诉编号": "A2", "步骤": "申请复核", "时间": "2024-10-10 09:00", "账号": "dept-d04", "说明": "补充材料"},
    {"申诉编号": "A3", "步骤": "撤回", "时间": "2024-10-15 09:00", "账号": "dept-d13"},
    {"申诉编号": "A2", "步骤": "复核", "时间": "2024-10-11 09:00", "账号": "dept-d13", "说明": "x", "裁定": "批准"},
    {"申诉编号": "A2", "步骤": "复核", "时间": "2024-10-11 10:00", "账号": "chair", "说明": "属实", "裁定": "批准"},
]


@pytest.fixture
def loading(committed_sample_db, records_env, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    for name, role in (("dept-d13", "department:D13"), ("dept-d04", "department:D04"), ("office", "assessment"),
                       ("chair", "committee")):
        set_user(name, role, "a-long-password", url=records_env)
    return records_env


def load(path):
    return CliRunner().invoke(cli, ["dispute", "load", str(path), "--json"])


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_the_file_is_replayed_row_by_row_and_refusals_are_named(loading, tmp_path, encoding):
    path = write(tmp_path / "申诉记录.csv", ROWS, encoding)
    done = load(path)
    assert done.exit_code == 2, done.stderr
    got = json.loads(done.stdout)
    assert [(r["line"], r["dispute_no"], r["outcome"]) for r in got["rows"]] == [
        (2, "A1", "recorded"), (3, "A2", "recorded"), (4, "A1", "recorded"), (5, "A2", "recorded"),
        (6, "A3", "refused"), (7, "A2", "recorded"), (8, "A3", "refused"), (9, "A2", "refused"),
        (10, "A2", "recorded")]
    refused = {r["line"]: r["message"] for r in got["rows"] if r["outcome"] == "refused"}
    assert refused[6].startswith("申诉期限已过：该事项的申诉截止于 2024年10月12日（评价时间 2024年10月1日 01:48后")
    assert refused[8] == "申诉 A3 尚未提交（其提交申诉一行未记录），无法撤回"
    assert refused[9] == "复核由基层治理委员会裁定；账号 dept-d13 无权裁定"
    assert (got["recorded"], got["already"], got["refused"]) == (6, 0, 3)
    # the record names the file's accounts and moments, and the file's numbers
    a1, a2 = records.by_external_id("A1", url=loading), records.by_external_id("A2", url=loading)
    assert (a1["state"], a1["days_asked"], a1["filed_by"]) == ("approved", 3, "dept-d13")
    assert [(s["step"], s["by_user"], s["days_granted"], str(s["at"])) for s in a1["steps"]] == [
        ("filed", "dept-d13", None, "2024-10-08 10:00:00"), ("ruled", "office", 2, "2024-10-09 09:00:00")]
    assert [(s["step"], s["decision"], s["by_user"]) for s in a2["steps"]] == [
        ("filed", None, "dept-d04"), ("ruled", "reject", "office"), ("escalated", None, "dept-d04"),
        ("reviewed", "approve", "chair")]
    # again: nothing new recorded, the same rows refused for the same reasons
    steps = records.all_steps(url=loading)
    again = load(path)
    assert again.exit_code == 2
    twice = json.loads(again.stdout)
    assert (twice["recorded"], twice["already"], twice["refused"]) == (0, 6, 3)
    again_refused = {r["line"]: r["message"] for r in twice["rows"] if r["outcome"] == "refused"}
    assert set(again_refused) == set(refused) and again_refused[6] == refused[6] and again_refused[8] == refused[8]
    assert again_refused[9] == f"申诉 {a2['id']} 当前为“已批准”，没有待裁定的申请"   # the chair's 复核 stands
    assert records.all_steps(url=loading) == steps
    assert len(records.list_disputes(url=loading)) == 2


def test_all_loaded_is_exit_0_and_the_text_names_each_refusal(loading, tmp_path):
    ok = write(tmp_path / "ok.csv", ROWS[:4])
    first = CliRunner().invoke(cli, ["dispute", "load", str(ok)])
    assert first.exit_code == 0, first.stderr
    assert "共 4 行，已记录 4 行，已存在 0 行，未记录 0 行" in first.stdout
    assert CliRunner().invoke(cli, ["dispute", "load", str(ok)]).exit_code == 0
    bad = write(tmp_path / "bad.csv", [ROWS[0], {**ROWS[1], "步骤": "审核"}])
    out = CliRunner().invoke(cli, ["dispute", "load", str(bad)])
    assert out.exit_code == 2
    assert "第 3 行（申诉 A2 审核）：无法识别的步骤“审核”" in out.stderr
    missing = tmp_path / "nohead.csv"
    missing.write_text("编号,时间\n1,2\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["dispute", "load", str(missing)]).exit_code == 1


def test_the_ingest_passes_a_file_of_dispute_steps_by(tmp_path, monkeypatch):
    from pipelines.ingest import ingest

    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "disputes.csv", ROWS)
    (folder / "departments.csv").write_bytes((REPO / "sample_data" / "departments.csv").read_bytes())
    result = ingest([folder], db_path=tmp_path / "w.duckdb")
    assert result.exit_code == 0
    passed = [f for f in result.files if f.file == "disputes.csv"]
    assert [(f.table, f.rows_read, f.error) for f in passed] == [(None, 0, None)]
    assert "govdash dispute load" in passed[0].warning
    assert [f.table for f in result.files if f.file == "departments.csv"] == ["departments"]


def test_the_committed_sample_file_is_the_generators_and_loads_every_state(loading, committed_sample_db):
    from pipelines.sample import _disputes

    committed = REPO / "sample_data" / "disputes.csv"
    assert is_dispute_file(committed)
    log = pl.read_csv(REPO / "sample_data" / "whistle_event_log.csv", infer_schema_length=0)
    made = _disputes(np.random.default_rng([2024, 9]), log)
    assert committed.read_bytes() == b"\xef\xbb\xbf" + made.write_csv().encode("utf-8")
    for name, role in (("committee", "committee"), ("assessment", "assessment")):
        set_user(name, role, "a-long-password", url=loading)
    done = load(committed)
    got = json.loads(done.stdout)
    assert done.exit_code == 2
    [late] = [r for r in got["rows"] if r["outcome"] == "refused"]
    assert late["dispute_no"] == "SS009" and late["message"].startswith("申诉期限已过：")
    assert got["recorded"] == len(read_dispute_steps(committed)) - 1
    states = {d["external_id"]: d["state"] for d in records.list_disputes(url=loading)}
    assert sorted(set(states.values())) == ["approved", "pending_first", "rejected", "withdrawn"]
    reviewed = {d["external_id"]: [s["step"] for s in d["steps"]] for d in records.list_disputes(url=loading)}
    assert reviewed["SS004"] == reviewed["SS005"] == ["filed", "ruled", "escalated", "reviewed"]
    fewer = records.by_external_id("SS002", url=loading)
    assert (fewer["days_asked"], fewer["steps"][-1]["days_granted"]) == (3, 2)
    assert json.loads(load(committed).stdout)["recorded"] == 0
