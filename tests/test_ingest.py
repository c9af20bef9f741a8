"""Ingest: encodings, Excel, unreadable files, quarantine, idempotency, re-exports, atomicity."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import xlsxwriter

from pipelines.ingest import ingest
from tests.support.cities import DEPTS, EVENTS, base_files, by_file, write
from tests.support.paths import REPO
from tests.support.warehouse import rows


def test_gbk_and_bom_csv_with_chinese_headers(tmp_path):
    db = tmp_path / "wh.duckdb"
    gbk = write(tmp_path / "部门.csv", "部门编号,部门名称,部门类型\nD1,公安局,市直部门\nD2,执法局,市直部门\n",
                "gb18030")
    bom = write(tmp_path / "communities.csv", "\ufeff社区编号,社区名称,联合党委编号,片区\nC1,江湾社区,J1,龙港中心片\n")
    result = ingest([gbk, bom], db_path=db)
    assert result.exit_code == 0
    files = by_file(result)
    assert files["部门.csv"].encoding == "gb18030" and files["部门.csv"].rows_loaded == 2
    assert files["communities.csv"].encoding == "utf-8-sig"
    assert rows(db, "select dept_name from raw_departments order by dept_id") == [("公安局",), ("执法局",)]
    assert rows(db, "select community_name, area from raw_communities") == [("江湾社区", "龙港中心片")]


def test_xlsx_with_chinese_headers_and_extra_columns(tmp_path):
    db = tmp_path / "wh.duckdb"
    path = tmp_path / "吹哨事件.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["事件编号", "社区编号", "上报时间", "处置方式", "是否疑难", "经办人"])
    ws.write_row(1, 0, ["E1", "C1", "2024-10-08 09:00:00", "onsite", "否", "张三"])
    ws.write_row(2, 0, ["E2", "C2", "2024-10-08 10:30", "offsite", "是", "李四"])
    wb.close()
    result = ingest(base_files(tmp_path) + [path], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    got = rows(db, "select event_id, handling_mode, is_difficult, strftime(reported_at, '%H:%M'), extras "
                   "from raw_whistle_events order by event_id")
    assert got[0][:4] == ("E1", "onsite", False, "09:00")
    assert got[1][:4] == ("E2", "offsite", True, "10:30")
    assert json.loads(got[0][4]) == {"经办人": "张三"}


@pytest.mark.parametrize("name,content,problem", [
    ("whistle_events.csv", b"", "文件为空"),
    ("whistle_events.csv", EVENTS.encode() + b"E3,C1,2024-10-0", "文件被截断"),
    ("whistle_events.xlsx", b"PK\x03\x04 not really a workbook", "Excel 文件无法读取"),
    ("mystery.csv", b"a,b,c\n1,2,3\n", "无法识别是哪张表"),
    ("whistle_events.csv", b"E1,C1,2024-10-08 09:00,onsite,false\n", "表头缺少必填列"),
    ("events.pdf", b"%PDF-1.4", "不支持的文件类型"),
])
def test_unreadable_file_is_named_and_others_still_load(tmp_path, name, content, problem):
    db = tmp_path / "wh.duckdb"
    bad = tmp_path / name
    bad.write_bytes(content)
    result = ingest(base_files(tmp_path) + [bad], db_path=db)
    assert result.exit_code == 1
    files = by_file(result)
    assert problem in files[name].error
    assert files["departments.csv"].rows_loaded == 2
    assert rows(db, "select count(*) from raw_departments") == [(2,)]


def test_same_file_twice_changes_nothing(tmp_path):
    db = tmp_path / "wh.duckdb"
    files = base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", EVENTS)]
    ingest(files, db_path=db)
    before = rows(db, "select * exclude (_run_id) from raw_whistle_events order by event_id")
    again = ingest(files, db_path=db)
    ev = by_file(again)["whistle_events.csv"]
    assert (ev.rows_read, ev.rows_loaded, ev.duplicates_skipped, ev.rows_quarantined) == (2, 0, 2, 0)
    assert rows(db, "select * exclude (_run_id) from raw_whistle_events order by event_id") == before


def test_corrected_reexport_replaces_rows_it_covers(tmp_path):
    db = tmp_path / "wh.duckdb"
    log1 = ("event_id,ts,action,dept_id\n"
            "E1,2024-10-08 09:10,dispatched,D1\nE1,2024-10-08 09:40,arrived,D1\nE1,2024-10-08 15:00,closed,D1\n"
            "E2,2024-10-08 10:10,dispatched,D2\n")
    ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", EVENTS),
                                   write(tmp_path / "whistle_event_log.csv", log1)], db_path=db)
    # the corrected export: E1 is handling_mode offsite; E1's log lost its wrong 'closed' row
    fixed_events = EVENTS.replace("E1,C1,2024-10-08 09:00,onsite", "E1,C1,2024-10-08 09:00,offsite")
    log2 = "event_id,ts,action,dept_id\nE1,2024-10-08 09:10,dispatched,D1\nE1,2024-10-08 09:40,accepted,D1\n"
    result = ingest([write(tmp_path / "whistle_events.csv", fixed_events),
                     write(tmp_path / "whistle_event_log.csv", log2)], db_path=db)
    files = by_file(result)
    assert (files["whistle_events.csv"].rows_loaded, files["whistle_events.csv"].rows_replaced,
            files["whistle_events.csv"].duplicates_skipped) == (1, 1, 1)
    assert rows(db,
                "select event_id, handling_mode from raw_whistle_events order by 1") == [("E1", "offsite"),
                                                                                         ("E2", "offsite")]
    # E1's log is replaced as a whole; E2's log, not in the new file, is untouched
    assert rows(db, "select event_id, action from raw_whistle_event_log order by event_id, ts") == [
        ("E1", "dispatched"), ("E1", "accepted"), ("E2", "dispatched")]


def test_broken_file_set_every_bad_row_has_a_reason_and_nothing_is_lost(tmp_path):
    db = tmp_path / "wh.duckdb"
    events = EVENTS + ("E3,C9,2024-10-08 11:00,onsite,false\n"     # unknown community
                       "E4,C1,2024-10-08 11:00,onsite,false\n"
                       "E4,C1,2024-10-08 12:00,onsite,false\n"     # same key, other content
                       "E2,C2,2024-10-08 10:00,offsite,true\n")    # exact duplicate
    log = ("event_id,ts,action,dept_id,value\n"
           "E1,2024-10-08 08:00,dispatched,D1,\n"                  # before the event was reported
           "E1,2024-10-08 09:10,dispatched,D1,\n"
           "E1,2024-10-08 09:20,dispatched,D7,\n"                  # unknown department
           "E9,2024-10-08 09:20,dispatched,D1,\n"                  # unknown event
           "E1,2024-10-08 09:30,escalated,,monthly\n")             # unknown escalation level
    appeals = "appeal_id,community_id,raised_at,origin_level\nA1,C1,2024-10-01 09:00,1\nA2,C1,2024-10-01 09:00,1\n"
    alog = ("appeal_id,level,entered_at,exited_at,outcome\n"
            "A1,1,2024-10-01 09:00,2024-10-02 09:00,escalated\nA1,2,2024-10-02 09:00,,open\n"
            "A2,1,2024-10-01 09:00,2024-10-02 09:00,escalated\nA2,3,2024-10-02 09:00,,open\n")  # skips level 2
    files = base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", events),
                                    write(tmp_path / "whistle_event_log.csv", log),
                                    write(tmp_path / "appeals.csv", appeals),
                                    write(tmp_path / "appeal_log.csv", alog)]
    result = ingest(files, db_path=db)
    assert result.exit_code == 2
    for f in result.files:
        assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.duplicates_skipped, f
    ev, lg, al = (by_file(result)[n] for n in ("whistle_events.csv", "whistle_event_log.csv", "appeal_log.csv"))
    assert (ev.rows_loaded, ev.rows_quarantined, ev.duplicates_skipped) == (2, 3, 1)
    assert (lg.rows_loaded, lg.rows_quarantined) == (1, 4)
    assert (al.rows_loaded, al.rows_quarantined) == (2, 2)
    q = rows(db, "select source_file, source_row, column_name, reason from quarantine order by source_file, source_row")
    reasons = {(f, r): reason for f, r, _, reason in q}
    assert "未知的社区“C9”" in reasons[("whistle_events.csv", 4)]
    assert "内容不同" in reasons[("whistle_events.csv", 5)] and "内容不同" in reasons[("whistle_events.csv", 6)]
    assert "早于事件上报时间" in reasons[("whistle_event_log.csv", 2)]
    assert "未知的部门“D7”" in reasons[("whistle_event_log.csv", 4)]
    assert "未知的吹哨事件“E9”" in reasons[("whistle_event_log.csv", 5)]
    assert "daily/weekly/city" in reasons[("whistle_event_log.csv", 6)]
    assert "跳级或倒退" in reasons[("appeal_log.csv", 4)] and "跳级或倒退" in reasons[("appeal_log.csv", 5)]


def test_cli_ingest_json_summary_and_exit_codes(tmp_path):
    env = {**os.environ, "GOVDASH_DB": str(tmp_path / "wh.duckdb")}
    files = base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", EVENTS.replace("onsite", "on-site"))]
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "ingest", *map(str, files), "--json"],
                         capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 2, out.stderr
    summary = json.loads(out.stdout)
    ev = next(f for f in summary["files"] if f["file"] == "whistle_events.csv")
    assert (ev["rows_read"], ev["rows_loaded"], ev["rows_quarantined"]) == (2, 1, 1)
    status = subprocess.run([sys.executable, "-m", "govdash.cli", "status"], capture_output=True, text=True, env=env,
                            cwd=REPO)
    assert "隔离行数：1" in status.stdout


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_ingest_killed_at_a_random_point_leaves_warehouse_as_it_was(tmp_path, seed):
    """SIGKILL the writer at a random moment of its run (reading, loading, building or swapping):
    the live file is byte-identical, and the next ingest succeeds."""
    import random

    from pipelines.sample import generate

    db = tmp_path / "wh.duckdb"
    ingest(base_files(tmp_path), db_path=db)
    before = db.read_bytes()
    sample = tmp_path / "sample"
    generate(sample, seed=seed, scale=0.3)
    env = {**os.environ, "GOVDASH_DB": str(db)}
    # how long a whole run takes here, to pick a point inside it
    probe = tmp_path / "probe.duckdb"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "govdash.cli", "ingest", str(sample)], env={**env, "GOVDASH_DB": str(probe)},
                   cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    whole = time.perf_counter() - started
    delay = random.Random(seed).uniform(0.05, whole * 0.95)
    proc = subprocess.Popen([sys.executable, "-m", "govdash.cli", "ingest", str(sample)], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if proc.returncode == -signal.SIGKILL:
        assert db.read_bytes() == before, f"killed after {delay:.2f}s of {whole:.2f}s"
        assert rows(db, "select count(*) from raw_whistle_events") == [(0,)]
    else:  # it finished first: then it must have committed whole
        assert rows(db, "select count(*) from raw_whistle_events")[0][0] > 0
    result = ingest([sample], db_path=db)
    assert result.exit_code == 0
    assert not list(tmp_path.glob("wh.duckdb.tmp-*"))
    assert rows(db, "select count(*) from raw_whistle_events")[0][0] > 0


def test_corrupt_warehouse_gives_one_clear_message(tmp_path):
    db = tmp_path / "wh.duckdb"
    db.write_bytes(b"this is not a duckdb file" * 100)
    env = {**os.environ, "GOVDASH_DB": str(db)}
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "status"], capture_output=True, text=True, env=env,
                         cwd=REPO)
    assert out.returncode == 1
    assert "数据仓库文件无法打开" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "ingest",
                          str(write(tmp_path / "departments.csv", DEPTS))],
                         capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 1
    assert "无法打开" in out.stderr and "Traceback" not in out.stderr


def test_truncated_warehouse_gives_one_clear_message(tmp_path):
    """A warehouse file cut short (a copy interrupted by a full disk) is reported, not a traceback."""
    db = tmp_path / "wh.duckdb"
    ingest(base_files(tmp_path), db_path=db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    env = {**os.environ, "GOVDASH_DB": str(db)}
    for args in (["status"], ["report", "bulletin", "--month", "2024-10"]):
        out = subprocess.run([sys.executable, "-m", "govdash.cli", *args], capture_output=True, text=True, env=env,
                             cwd=REPO)
        assert out.returncode == 1, args
        assert "Traceback" not in out.stderr and out.stderr.count("\n") <= 2, out.stderr
        assert "数据仓库" in out.stderr or "无法打开" in out.stderr, out.stderr


def test_dashboard_on_a_truncated_warehouse_says_so(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from govdash.records.accounts import Principal

    db = tmp_path / "wh.duckdb"
    ingest(base_files(tmp_path), db_path=db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    monkeypatch.setenv("GOVDASH_DB", str(db))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.session_state["principal"] = Principal("tester", "committee")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("不完整" in e.value for e in at.error)


def test_every_reference_and_cross_table_rule_gives_its_exact_reason(tmp_path):
    """Each reference a table declares (to the rows of its parent table, a clause code to the integrity clauses only)
    and each rule across tables quarantines exactly the rows that break it, with row number, column, value and the
    Chinese reason; everything else loads."""
    db = tmp_path / "wh.duckdb"
    files = base_files(tmp_path) + [
        write(tmp_path / "bindings.csv", "jpc_id,role,dept_id,leader_name,valid_from\n"
              "J1,department,D1,,2024-01-01\nJ9,department,D1,,2024-01-01\nJ1,department,D8,,2024-01-01\n"),
        write(tmp_path / "whistle_events.csv", EVENTS + "E3,C9,2024-10-08 11:00,onsite,false\n"),
        write(tmp_path / "whistle_event_log.csv", "event_id,ts,action,dept_id\n"
              "E1,2024-10-08 08:00,dispatched,D1\nE1,2024-10-08 09:10,dispatched,D7\nE9,2024-10-08 09:"
              "20,dispatched,D1\n"),
        write(tmp_path / "visits.csv",
              "visit_id,visit_date,dept_id,jpc_id\nV1,2024-10-08,D9,J1\nV2,2024-10-08,D1,J9\n"),
        write(tmp_path / "negative_reports.csv", "report_id,jpc_id,week,submitted_at,clause_code,count\n"
              "R1,J1,2024-W40,2024-10-07 09:00,E.1.1,1\nR1,J1,2024-W40,2024-10-07 09:00,B01,1\n"
              "R2,J9,2024-W40,2024-10-07 09:00,,\n"),
        write(tmp_path / "appeals.csv", "appeal_id,community_id,raised_at,origin_level\n"
              "A1,C1,2024-10-01 09:00,1\nA2,C9,2024-10-01 09:00,2\n"),
        write(tmp_path / "appeal_log.csv", "appeal_id,level,entered_at,exited_at,outcome\n"
              "A1,1,2024-09-30 09:00,2024-10-02 09:00,open\nA1,2,2024-10-02 09:00,,open\n"
              "A9,1,2024-10-01 09:00,,open\n"),
        write(tmp_path / "tasks.csv", "task_id,issued_at,dept_id,from_level,to_level,community_id\n"
              "T1,2024-10-01 09:00,D9,5,3,C1\nT2,2024-10-01 09:00,D1,5,3,C9\n"),
        write(tmp_path / "ratings.csv", "period,jpc_id,dept_id,score\n"
              "2024-10,J1,D1,90\n2023,J1,D1,80\n2024-10,J1,D2,70\n2024-10,J1,D6,60\n"),
    ]
    result = ingest(files, db_path=db)
    for f in result.files:
        assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.duplicates_skipped, f
    q = rows(db, "select source_file, source_row, column_name, value, reason from quarantine "
                 "order by source_file, source_row, column_name, reason")
    assert q == [
        ("appeal_log.csv", 2, "level", "1",
         "诉求流转层级不连续：第 1 级不是最后一级，结果应为 escalated；进入时间早于诉求提出时间"),
        ("appeal_log.csv", 3, "level", "2",
         "诉求流转层级不连续：第 1 级不是最后一级，结果应为 escalated；进入时间早于诉求提出时间"),
        ("appeal_log.csv", 4, "appeal_id", "A9", "未知的诉求“A9”"),
        ("appeals.csv", 3, "community_id", "C9", "未知的社区“C9”"),
        ("bindings.csv", 3, "jpc_id", "J9", "未知的社区联合党委“J9”"),
        ("bindings.csv", 4, "dept_id", "D8", "未知的部门“D8”"),
        ("negative_reports.csv", 3, "clause_code", "B01", "条款编号不在附录 E 廉洁履职负面清单中：“B01”"),
        ("negative_reports.csv", 4, "jpc_id", "J9", "未知的社区联合党委“J9”"),
        ("ratings.csv", 3, "jpc_id", "J1",
         "评价期间 2023 内联合党委 J1 未与部门 D1 捆绑，双向评价只计捆绑联合党委的评价"),
        ("ratings.csv", 4, "jpc_id", "J1",
         "评价期间 2024-10 内联合党委 J1 未与部门 D2 捆绑，双向评价只计捆绑联合党委的评价"),
        ("ratings.csv", 5, "dept_id", "D6", "未知的部门“D6”"),
        ("ratings.csv", 5, "jpc_id", "J1",
         "评价期间 2024-10 内联合党委 J1 未与部门 D6 捆绑，双向评价只计捆绑联合党委的评价"),
        ("tasks.csv", 2, "dept_id", "D9", "未知的部门“D9”"),
        ("tasks.csv", 3, "community_id", "C9", "未知的社区“C9”"),
        ("visits.csv", 2, "dept_id", "D9", "未知的部门“D9”"),
        ("visits.csv", 3, "jpc_id", "J9", "未知的社区联合党委“J9”"),
        ("whistle_event_log.csv", 2, "ts", "2024-10-08 08:00:00", "记录时间早于事件上报时间（2024-10-08 09:00）"),
        ("whistle_event_log.csv", 3, "dept_id", "D7", "未知的部门“D7”"),
        ("whistle_event_log.csv", 4, "event_id", "E9", "未知的吹哨事件“E9”"),
        ("whistle_events.csv", 4, "community_id", "C9", "未知的社区“C9”"),
    ]
