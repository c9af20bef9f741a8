"""Issue 15: the default cut-off rule, publishing (定稿发布) into the warehouse archive, corrections, and
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

from govdash.cli import main as cli
from govdash.core.principal import AccessDenied, Principal
from govdash.figures import bulletin
from govdash.figures.assessment import assessment, assessment_final_cutoff
from govdash.figures.cutoff import cutoff_status, month_end, month_final_cutoff, rule_cutoff
from govdash.outputs.publication import PublishError, publish_month
from pipelines.ingest import ingest
from tests.conftest import REPO
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
