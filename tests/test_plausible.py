"""Plausibility at the door: a row no real record holds (a date in 9999 or 2204 or 1970, a count of 2^63 - 1, a
negative count) is quarantined with its Chinese reason and row number like any other contract breach, and no such row
— not even one an older version let into the warehouse — can take a page or a command down."""
from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from govdash.cli.main import main
from govdash.core.periods import month_bounds, months_between, plausible_window, previous_month
from govdash.core.principal import Principal
from govdash.core.settings import load_settings
from govdash.core.tables import table_specs
from govdash.web import registry
from tests.support.apptest import open_page
from tests.support.paths import REPO

COMMITTEE = Principal("chair", "committee")
DEPARTMENT = Principal("d04", "department", "D04")
PAGES = {p.url: p.path for p in registry.PAGES}
INT64_MAX = str(2**63 - 1)


def _append(path: Path, row: dict) -> int:
    """Append `row` to a CSV of sample_data; returns its row number as the quarantine counts it (header = row 1)."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        n = sum(1 for _ in reader)
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow([row.get(c, "") for c in header])
    return n + 2


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The committed sample city with one implausible row of each kind; ingested by the CLI into a new warehouse.
    Returns (warehouse, CLI result, {(file, row): column}, clean warehouse size)."""
    src = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(REPO / "sample_data", src)
    expected = {}
    ev = src / "whistle_events.csv"
    expected[("whistle_events.csv", _append(ev, {"event_id": "E99990000001", "community_id": "C054",
                                                  "reported_at": "9999-12-31 10:00:00", "handling_mode": "offsite",
                                                  "is_difficult": "false", "category": "消防隐患"}))] = "reported_at"
    expected[("whistle_events.csv", _append(ev, {"event_id": "E22040000001", "community_id": "C054",
                                                  "reported_at": "2204-03-01 08:00:00", "handling_mode": "offsite",
                                                  "is_difficult": "false", "category": "消防隐患"}))] = "reported_at"
    expected[("whistle_event_log.csv", _append(src / "whistle_event_log.csv", {
        "event_id": "E99990000001", "ts": "9999-12-31 10:05:00", "action": "dispatched", "dept_id": "D04"}))] = "ts"
    visit = {"dept_id": "D01", "jpc_id": "J12", "led_by_city_leader": "false", "participants": "5",
             "topics": "环境整治", "problems_raised": "1", "problems_solved": "0"}
    expected[("visits.csv", _append(src / "visits.csv", {**visit, "visit_id": "V1970000001",
                                                          "visit_date": "1970-01-01"}))] = "visit_date"
    expected[("visits.csv", _append(src / "visits.csv", {**visit, "visit_id": "V2024999999", "visit_date": "2024-10-08",
                                                          "problems_raised": INT64_MAX}))] = "problems_raised"
    expected[("negative_reports.csv", _append(src / "negative_reports.csv", {
        "report_id": "NR-J01-2024-W41-X", "jpc_id": "J01", "week": "2024-W41", "submitted_at": "2024-10-14 09:00:00",
        "clause_code": "E.1.1", "count": "-3", "description": "负数"}))] = "count"
    expected[("bindings.csv", _append(src / "bindings.csv", {"jpc_id": "J01", "role": "department", "dept_id": "D01",
                                                              "valid_from": "2024-03-01",
                                                              "valid_to": "9999-12-31"}))] = "valid_to"

    clean = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    env = {**os.environ, "GOVDASH_DB": str(clean)}
    subprocess.run([sys.executable, "-m", "govdash.cli", "ingest", str(REPO / "sample_data")], env=env,
                   capture_output=True, check=False)
    db = tmp_path_factory.mktemp("wh") / "hostile.duckdb"
    done = subprocess.run([sys.executable, "-m", "govdash.cli", "ingest", "--json", str(src)],
                          env={**os.environ, "GOVDASH_DB": str(db)}, capture_output=True, text=True)
    return db, done, expected, clean.stat().st_size


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_implausible_rows_are_quarantined_with_reason_and_row_number(hostile):
    import json

    db, done, expected, clean_size = hostile
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    for f in summary["files"]:   # every file adds up
        assert f["rows_read"] == f["rows_loaded"] + f["rows_quarantined"] + f["duplicates_skipped"], f
    quarantined: dict[tuple, dict] = {}   # (file, row) → {column: reason}
    for file, row, column, reason in _rows(db, "select source_file, source_row, column_name, reason from quarantine"):
        quarantined.setdefault((file, row), {})[column] = reason
    first, last = plausible_window(load_settings())
    for (file, row), column in expected.items():
        assert "超出合理范围" in quarantined.get((file, row), {}).get(column, ""), (file, row,
                                                                              quarantined.get((file, row)))
    reason = {column: quarantined[key][column] for key, column in expected.items()}
    assert reason["problems_raised"] == "取值超出合理范围（不能大于 10,000）"
    assert reason["count"] == "取值超出合理范围（不能小于 0）"
    assert reason["visit_date"] == f"日期超出合理范围（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}）"
    assert reason["ts"] == reason["reported_at"] == f"时间超出合理范围（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}）"
    # nothing implausible reached the raw tables, and the warehouse is the size of the clean one (not 357 MB)
    assert _rows(db, "select count(*) from raw_whistle_events where reported_at > now() + interval 2 year") == [(0,)]
    assert _rows(db, "select max(problems_raised) from raw_visits")[0][0] <= 10_000
    assert db.stat().st_size < 2 * clean_size, (db.stat().st_size, clean_size)


def test_the_window_follows_its_setting_and_the_ingest_moment():
    import polars as pl

    from pipelines.contracts import check_frame

    spec = table_specs()["calendar_overrides"]
    frame = pl.DataFrame({"date": ["2031-05-06", "2030-05-06", "1999-12-31"], "is_workday": ["是", "是", "是"],
                          "note": [None, None, None]})
    window = plausible_window({"plausibility": {"earliest": dt.date(2000, 1, 1), "years_after_ingest": 1}},
                              dt.datetime(2029, 6, 1, 12))
    _, failures, _ = check_frame(spec, frame, window)
    assert failures.sort("row_index")["row_index"].to_list() == [0, 2]
    window = plausible_window({"plausibility": {"earliest": dt.date(1990, 1, 1), "years_after_ingest": 2}},
                              dt.datetime(2029, 6, 1, 12))
    _, failures, _ = check_frame(spec, frame, window)
    assert failures.height == 0


def test_every_number_column_has_bounds_that_keep_sums_inside_64_bits():
    """The bounds are what makes every SQL sum safe: rows of a file ([limits] max_rows_per_file) times the bound."""
    from pipelines.limits import load_limits

    rows = load_limits().max_rows_per_file
    for spec in table_specs().values():
        for c in spec.columns:
            if c.type in ("int", "float"):
                assert c.min is not None and c.max is not None, f"{spec.name}.{c.name}"
                assert max(abs(c.min), abs(c.max)) * rows * 1000 < 2**63, f"{spec.name}.{c.name}"


def test_periods_never_raise_on_a_month_a_warehouse_can_hold():
    assert month_bounds("9999-12") == (dt.datetime(9999, 12, 1), dt.datetime.max)
    assert months_between("9999-11", "9999-12") == ["9999-11", "9999-12"]
    assert previous_month("0001-01") == "0001-01"
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]


@pytest.mark.parametrize("who", [COMMITTEE, DEPARTMENT], ids=["committee", "department"])
def test_every_page_opens_after_a_hostile_ingest(hostile, monkeypatch, who):
    db = hostile[0]
    for url in sorted(registry.allowed_pages(who)):
        at = open_page(PAGES[url], who, db=db, monkeypatch=monkeypatch)
        errors = [e.value for e in at.error]
        assert not any("意外错误" in e or "无法显示" in e for e in errors), (url, errors)
        month = at.session_state["month"] if "month" in at.session_state else None
        assert month is None or month.startswith("2024"), (url, month)


@pytest.fixture
def older_warehouse(sample_db, tmp_path):
    """A warehouse an older version left: a whistle event dated 9999-12-31 (and its log row) in the raw tables."""
    db = tmp_path / "older.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    community, event = con.execute("select community_id, event_id from raw_whistle_events limit 1").fetchone()
    con.execute("insert into raw_whistle_events (event_id, community_id, reported_at, handling_mode, is_difficult) "
                "values ('E9999', ?, timestamp '9999-12-31 10:00:00', 'offsite', false)", [community])
    con.close()
    return db


def test_a_warehouse_holding_a_9999_row_still_opens_the_data_and_bulletin_pages(older_warehouse, monkeypatch):
    for page in ("pages/data_quality.py", "pages/monthly_bulletin.py"):
        at = open_page(page, COMMITTEE, db=older_warehouse, monkeypatch=monkeypatch)
        assert not any("意外错误" in e.value for e in at.error), [e.value for e in at.error]
    # the bulletin (a page with a month; the data page has none) opens on a month inside the window
    assert at.session_state["month"] != "9999-12"
    # a month past the window is not offered
    assert "9999-12" not in at.sidebar.selectbox(key="month").options


def _assert_out_of_range(shown) -> None:
    assert shown.exit_code == 1
    assert "数值超出范围" in shown.stderr and "发现问题数" in shown.stderr, shown.stderr
    assert "文件可能已损坏" not in shown.stderr and "Traceback" not in shown.stderr


def test_an_overflow_is_reported_as_a_value_out_of_range_not_a_damaged_file(sample_db, tmp_path, monkeypatch):
    """An older version let counts of 2^63 - 1 in: a build's or a bulletin's sums overflow. The command says what
    it is, naming the column, never that the file is damaged."""
    db = tmp_path / "overflow.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    month = con.execute("select strftime(visit_date, '%Y-%m') as m from raw_visits group by m order by count(*) desc, "
                        "m limit 1").fetchone()[0]
    con.execute(f"update raw_visits set problems_raised = {INT64_MAX} where strftime(visit_date, '%Y-%m') = ?", [month])
    con.close()
    monkeypatch.setenv("GOVDASH_DB", str(db))
    runner = CliRunner()
    _assert_out_of_range(runner.invoke(main, ["build", "--full"]))   # two such visits in one week
    con = duckdb.connect(str(db))
    con.execute(f"update raw_visits set problems_raised = 1 where problems_raised = {INT64_MAX} and visit_id <> "
                f"(select min(visit_id) from raw_visits where problems_raised = {INT64_MAX})")
    con.close()
    assert runner.invoke(main, ["build", "--full"]).exit_code == 0   # one: the month's sum overflows
    _assert_out_of_range(runner.invoke(main, ["report", "bulletin", "--month", month]))


def test_an_out_of_range_error_maps_to_its_own_message():
    from warehouse.db import OUTDATED_BUILD, warehouse_error_message

    con = duckdb.connect()
    with pytest.raises(duckdb.OutOfRangeException) as overflow:
        con.execute("select cast(9223372036854775807 as bigint) + 1").fetchall()
    message = warehouse_error_message(overflow.value)
    assert message.startswith("数值超出范围") and "文件可能已损坏" not in message
    with pytest.raises(duckdb.BinderException) as binder:
        con.execute("select no_such_column from (select 1 as a)").fetchall()
    assert warehouse_error_message(binder.value) == OUTDATED_BUILD
    with pytest.raises(duckdb.IOException) as io:
        con.execute("select * from read_csv('/nonexistent/file.csv')").fetchall()
    assert "文件可能已损坏" in warehouse_error_message(io.value)


def _dead_pid() -> int:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(gone.stdout)


def test_a_killed_ingests_working_copy_is_removed_by_the_next_command(sample_db, tmp_path, monkeypatch):
    db = tmp_path / "wh.duckdb"
    shutil.copy(sample_db, db)
    stray = Path(f"{db}.tmp-{_dead_pid()}")
    shutil.copy(db, stray)                       # the full-size copy a killed ingest leaves
    (Path(f"{stray}.spill")).mkdir()
    monkeypatch.setenv("GOVDASH_DB", str(db))
    assert CliRunner().invoke(main, ["status"]).exit_code == 0
    assert not stray.exists() and not Path(f"{stray}.spill").exists()
    assert db.exists()


def test_a_running_writers_copy_is_never_removed(sample_db, tmp_path, monkeypatch):
    """A writer holds the lock while it works: its copy stays, whatever command runs meanwhile."""
    db = tmp_path / "wh.duckdb"
    shutil.copy(sample_db, db)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys\n"
        f"lock = open({str(db) + '.lock'!r}, 'w'); fcntl.flock(lock, fcntl.LOCK_EX)\n"
        f"open({str(db)!r} + '.tmp-' + str(os.getpid()), 'w').write('working')\n"
        "print('working', flush=True); sys.stdin.read()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "working"   # the writer holds the lock and its copy exists
        copy = Path(f"{db}.tmp-{writer.pid}")
        monkeypatch.setenv("GOVDASH_DB", str(db))
        assert CliRunner().invoke(main, ["status"]).exit_code == 0
        assert copy.exists()
    finally:
        writer.stdin.close()
        writer.wait()
    assert CliRunner().invoke(main, ["status"]).exit_code == 0   # the writer is gone: now it is stray
    assert not copy.exists()


def test_publish_on_an_older_versions_warehouse_says_to_run_build(sample_db, tmp_path, monkeypatch):
    from govdash.records.accounts import set_user

    db = tmp_path / "older.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    month = con.execute("select strftime(max(reported_at), '%Y-%m') from raw_whistle_events").fetchone()[0]
    con.execute("drop macro whistle_figures")   # an older build: without the macro this version added
    con.execute("update build_info set fingerprint = 'an-older-build'")
    con.close()
    monkeypatch.setenv("GOVDASH_DB", str(db))
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    set_user("chair", "committee", "pw-long-enough-2")
    shown = CliRunner().invoke(main, ["publish", "--month", month, "--user", "chair"])
    assert shown.exit_code == 1
    assert "请先运行 govdash build" in shown.stderr and "BinderException" not in shown.stderr, shown.stderr
    assert "CatalogException" not in shown.stderr


def _two_sections():
    import duckdb
    import streamlit as st

    from govdash.web import chrome

    with chrome.section("走访情况"):
        duckdb.connect().execute("select cast(9223372036854775807 as bigint) + 1").fetchall()
        st.write("不会显示")
    with chrome.section("负面清单"):
        st.write("第二部分照常显示")


def test_a_failing_section_names_its_cause_and_the_rest_of_the_page_renders():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_two_sections).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and at.error[0].value.startswith("“走访情况”部分无法显示：数值超出范围"), at.error
    assert "文件可能已损坏" not in at.error[0].value and "事件编号" in at.error[0].value
    assert [m.value for m in at.markdown] == ["第二部分照常显示"]


def test_the_bulletin_page_of_a_month_that_overflows_says_so_and_the_data_page_opens(sample_db, tmp_path, monkeypatch):
    db = tmp_path / "overflow.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    month = con.execute("select strftime(visit_date, '%Y-%m') as m from raw_visits group by m order by count(*) desc, "
                        "m limit 1").fetchone()[0]
    first = con.execute("select min(visit_id) from raw_visits where strftime(visit_date, '%Y-%m') = ?",
                        [month]).fetchone()
    con.execute(f"update raw_visits set problems_raised = {INT64_MAX} where visit_id = ?", [first[0]])
    con.close()
    monkeypatch.setenv("GOVDASH_DB", str(db))
    assert CliRunner().invoke(main, ["build", "--full"]).exit_code == 0
    at = open_page("pages/monthly_bulletin.py", COMMITTEE, month, db=db, monkeypatch=monkeypatch)
    errors = [e.value for e in at.error]
    assert any("数值超出范围" in e and "发现问题数" in e for e in errors), errors
    assert not any("意外错误" in e or "文件可能已损坏" in e for e in errors), errors
    at = open_page("pages/data_quality.py", COMMITTEE, month, db=db, monkeypatch=monkeypatch)
    assert at.title[0].value == "数据导入与质量" and not at.error


def test_a_build_over_an_older_warehouse_with_a_9999_row_keeps_the_calendar_in_the_window(older_warehouse, monkeypatch):
    """The calendar (and the weeks and binding weeks made from it) spans only the data inside the plausible
    window: a stray 9999 row an older version let in does not grow them out to that year."""
    monkeypatch.setenv("GOVDASH_DB", str(older_warehouse))
    size_before = older_warehouse.stat().st_size
    shown = CliRunner().invoke(main, ["build", "--full"])
    assert shown.exit_code == 0, shown.output
    con = duckdb.connect(str(older_warehouse), read_only=True)
    last_day, = con.execute("select max(date) from dim_calendar").fetchone()
    weeks, = con.execute("select count(*) from fct_binding_weeks").fetchone()
    con.close()
    _, last = plausible_window(load_settings())
    assert last_day <= dt.date(last.year + 1, 12, 31)
    assert older_warehouse.stat().st_size < 2 * size_before
    assert weeks < 200_000
