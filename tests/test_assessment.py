"""Department assessment (SPEC §7): scoring hand-worked, settings checked, and the whole chain on
the October 2024 fixture of test_visits_negative (Q4 2024)."""
import datetime as dt
import json
import subprocess
import sys

import openpyxl
import polars as pl
import pytest

from govdash.core.scoring import ScoringSettingsError, load_scoring, parse_scoring
from govdash.figures.assessment import assessment, component_actuals, deduction_records, score_departments
from tests.support.paths import REPO
from warehouse.db import connect_read, read_cursor

SETTINGS_TEXT = (REPO / "config" / "scoring.toml").read_text(encoding="utf-8")


def actuals(rows):
    cols = ["dept_id", "dept_name", "handling_rate", "closure_rate", "on_time_closure_rate", "timely_handling_rate",
            "satisfaction_rate", "visit_compliance", "two_way_rating"]
    return pl.DataFrame([dict(zip(cols, r)) for r in rows], schema={c: (pl.Utf8 if c.startswith("dept") else pl.Float64)
                                                                    for c in cols})


RECORDS_SCHEMA = {"dept_id": pl.Utf8, "kind": pl.Utf8, "source": pl.Utf8, "detail": pl.Utf8, "units": pl.Int64}


def test_scores_hand_worked():
    s = load_scoring()
    a = actuals([
        # D1: 30·1 + 20·0.8 + 15·1 + 20·0.5 + 15·0.9 = 84.5
        ("D1", "甲局", 0.85, 0.95, 0.95, 0.76, 0.90, 0.50, 81.0),
        # D2: no visits, no rating → weights 30/20/15 spread to 100: 46.1538 + 30.7692 + 23.0769·0.5 = 88.4615
        ("D2", "乙局", 0.99, 0.99, 1.00, 0.95, 0.45, None, None),
        ("D3", "丙局", None, None, None, None, None, None, None),
        ("D4", "丁局", 0.99, 0.99, 1.00, 0.95, 0.45, None, None),
        ("D5", "戊局", 0.10, 0.10, 0.01, 0.01, 0.01, 0.01, 1.0),
    ])
    records = pl.DataFrame([
        ("D1", "burden_negative_list", "T1、T2", "2024-10 清单外事项 2 件、清单外证明 0 件", 1),
        ("D1", "shared_negative", "R1 E.1.1", "捆绑联合党委 J1 …", 3),
        ("D5", "burden_negative_list", "T9", "2024-11 …", 1),
    ], schema=RECORDS_SCHEMA, orient="row")
    out = {d["dept_id"]: d for d in score_departments(a, records, s)}
    d1 = out["D1"]
    assert {k: v["points"] for k, v in d1["components"].items()} == pytest.approx(
        {"on_time_closure": 30, "timely_handling": 16, "satisfaction": 15, "visit_compliance": 10,
         "two_way_rating": 13.5})
    # deductions one by one: the negative list (handling 85% < 90%) 5, a burden month 1, 3 shared items × 1 × 0.1
    assert [(x["kind"], x["points"]) for x in d1["deductions"]] == [
        ("assessment_negative_list", 5.0), ("burden_negative_list", 1.0), ("shared_negative", pytest.approx(0.3))]
    assert d1["deductions"][0]["reason"] == "列入考核负面清单（处置率 85.0% 低于 90%）"
    assert d1["deductions"][1]["source"] == "T1、T2"
    assert (d1["score"], d1["grade"], d1["rank"]) == (78.2, "合格", 3)
    d2 = out["D2"]
    assert d2["components"]["on_time_closure"]["effective_weight"] == pytest.approx(46.1538, abs=1e-4)
    assert d2["components"]["visit_compliance"]["points"] is None and d2["weights_redistributed"]
    assert "联系捆绑走访" in d2["note"] and "双向评价" in d2["note"]
    assert (d2["score"], d2["grade"]) == (88.46, "良好")
    # a tie shares the rank; the next rank is skipped
    assert (out["D2"]["rank"], out["D4"]["rank"], out["D1"]["rank"]) == (1, 1, 3)
    # no data at all: no score, no grade, no rank (never 0)
    assert (out["D3"]["score"], out["D3"]["grade"], out["D3"]["rank"]) == (None, None, None)
    # deductions never push a score below 0
    assert out["D5"]["score"] == 0.0 and out["D5"]["grade"] == "不合格"


@pytest.mark.parametrize("change, message", [
    (("weight = 30", "weight = 31"), "权重之和应为 100，当前为 101"),
    (("target = 0.95", "target = 0"), "目标值应大于 0 且不超过 1"),
    (("target = 90", "target = 120"), "目标值应大于 0 且不超过 100"),
    (('metric = "satisfaction_rate"', 'metric = "app_checkins"'), "不得对 APP 签到"),
    (('metric = "satisfaction_rate"', 'metric = "task_count"'), "不得对任务量"),
    (('metric = "satisfaction_rate"', 'metric = "speed"'), "指标“speed”未知"),
    (("[deductions]", "[deductions]\none_vote_veto = true"), "一票否决"),
    (('subject = "department"', 'subject = "community"'), "考核对象只能是部门"),
    (("shared_penalty_share = 0.1", "shared_penalty_share = 2"), "分担比例"),
])
def test_bad_settings_name_the_line(change, message):
    old, new = change
    text = SETTINGS_TEXT.replace(old, new, 1)
    with pytest.raises(ScoringSettingsError) as exc:
        parse_scoring(text, "scoring.toml")
    assert message in str(exc.value)
    line = int(str(exc.value).split("第 ")[1].split(" 行")[0])
    changed = new.splitlines()[-1].split("=")[0].strip()
    assert changed in text.splitlines()[line - 1] or "weight" in text.splitlines()[line - 1]


def test_component_actuals_and_records_from_the_warehouse(october):
    cur = read_cursor(connect_read(october[0]))
    a = {r["dept_id"]: r for r in component_actuals(cur, 2024, 4, dt.datetime(2025, 1, 31)).iter_rows(named=True)}
    # D1: E1 closed on time, E2 never answered; no ratings; Q4 weeks: J1 13 (Oct 5, Nov 4, Dec 4: W01-2025 is
    # January's) + J2 2 (binding ended Oct 9) = 15 required, 4 covered
    assert (a["D1"]["on_time_closure_rate"], a["D1"]["timely_handling_rate"],
            a["D1"]["satisfaction_rate"]) == (0.5, 0.5, None)
    # visit compliance 4/15 unrounded (SPEC §7: nothing is rounded before the final score)
    assert (a["D1"]["required_weeks"], a["D1"]["covered_weeks"]) == (15, 4)
    assert a["D1"]["visit_compliance"] == pytest.approx(4 / 15, abs=1e-12)
    assert a["D1"]["two_way_rating"] is None
    # D2: from Oct 16: 3 + 4 + 4 = 11 required, W42 covered
    assert (a["D2"]["required_weeks"], a["D2"]["covered_weeks"]) == (11, 1)
    rec = deduction_records(cur, 2024, 4)
    got = sorted((r["dept_id"], r["kind"], r["source"], r["units"]) for r in rec.iter_rows(named=True))
    assert got == [
        ("D1", "burden_negative_list", "T2、T3", 1),
        ("D1", "shared_negative", "R1-40 E.1.1", 2), ("D1", "shared_negative", "R1-40 E.2.3", 1),
        ("D1", "shared_negative", "R1-44 E.1.1", 1),
        ("D2", "burden_negative_list", "T4", 1),
        ("D2", "shared_negative", "R1-44 E.1.1", 1),   # D2 was bound to J1 from W42 on
    ]
    result = assessment(cur, 2024, 4, "2025-01-31")
    d1 = next(d for d in result["departments"] if d["dept_id"] == "D1")
    # weights 30 + 20 + 20 of data → ×100/70: 42.857·0.5/0.95 + 28.571·0.5/0.95 + 28.571·0.2667
    gross = 100 / 70 * (30 * 0.5 / 0.95 + 20 * 0.5 / 0.95 + 20 * 0.2667)
    assert d1["gross_points"] == pytest.approx(gross, abs=0.01)
    assert d1["deduction_points"] == pytest.approx(5 + 1 + 0.4)
    assert d1["score"] == pytest.approx(round(gross - 6.4, 2), abs=0.01)
    # Q3 had no whistles, visits only: the change is against Q3's score
    assert result["previous_period"] == "2024年第3季度"


def test_cli_assessment_json_and_excel(sample_warehouse, tmp_path):
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "report", "assessment", "--year", "2024", "--quarter",
                          "2", "--format", "json"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    a = json.loads(out.stdout)
    assert (a["year"], a["quarter"]) == (2024, 2) and len(a["departments"]) == 18
    assert set(a["departments"][0]) >= {"dept_id", "dept_name", "score", "grade", "rank", "components", "deductions"}
    assert set(a["departments"][0]["components"]["on_time_closure"]) >= {"actual", "target", "weight", "points"}
    assert a["settings"]["components"]["on_time_closure"]["weight"] == 30
    for d in a["departments"]:
        if d["score"] is not None:
            gross = sum(c["points"] or 0 for c in d["components"].values())
            assert d["score"] == pytest.approx(max(0, gross - sum(x["points"] for x in d["deductions"])), abs=0.02)
    ranks = [d["rank"] for d in a["departments"] if d["rank"]]
    assert ranks == sorted(ranks)
    xlsx = tmp_path / "a.xlsx"
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "report", "assessment", "--year", "2024", "--format",
                          "xlsx", "--out", str(xlsx)], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["排名", "考核项", "扣分明细", "评分设置"]
    from govdash.documents.documents import HEADER_ROW

    assert wb["排名"].max_row == 18 + HEADER_ROW
    year = json.loads(subprocess.run([sys.executable, "-m", "govdash.cli", "report", "assessment", "--year", "2024"],
                                     capture_output=True, text=True, cwd=REPO).stdout)
    assert wb["扣分明细"].max_row == HEADER_ROW + sum(len(d["deductions"]) for d in year["departments"])
    bad = subprocess.run([sys.executable, "-m", "govdash.cli", "report", "assessment", "--year", "2024", "--quarter",
                          "5"],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode != 0 and "季度" in bad.stderr


def test_every_quarter_and_the_year_of_the_sample(sample_db):
    """Scores for Q1–Q4 and the year: within 0–100, graded by the bands, ranked with shared ranks,
    each score = components − deductions, each deduction naming its record."""
    cur = read_cursor(connect_read(sample_db))
    s = load_scoring()
    for quarter in (1, 2, 3, 4, None):
        a = assessment(cur, 2024, quarter, "2025-03-31 00:00")
        scored = [d for d in a["departments"] if d["score"] is not None]
        assert len(scored) == 18, quarter
        for d in scored:
            assert 0 <= d["score"] <= 100 and d["grade"] == s.grade(d["score"])
            assert 1 + sum(1 for x in scored if x["score"] > d["score"]) == d["rank"]
            gross = sum(c["points"] for c in d["components"].values() if c["points"] is not None)
            assert d["score"] == pytest.approx(max(0.0, gross - sum(x["points"] for x in d["deductions"])), abs=0.02)
            assert all(x["source"] for x in d["deductions"])
        if quarter and quarter > 1:
            assert any(d["change"] is not None for d in scored)
