"""The amended assessment rules of SPEC §7, hand-worked.

- The year's burden-list and 同奖同罚 deductions are the mean of its four quarters' deductions of that kind
  ([scoring] annual_deductions = "mean", the default; "sum" adds them up); the year's assessment-negative-list
  deduction comes from the year's pooled rates.
- Nothing is rounded before the final score: the score is the full-precision components minus the
  full-precision deductions, rounded once to 2 decimals; the shown (2-decimal) components and deductions are
  apportioned (largest remainder) so that they add up to the shown score exactly; the unrounded values are kept
  beside them as `exact_points`.
- A two-way rating counts only from a JPC bound to that department in that period: other rating rows are
  quarantined at ingest.
"""
import datetime as dt
import textwrap

import polars as pl
import pytest

from govdash.core.scoring import ScoringSettingsError, dump_scoring, load_scoring, parse_scoring
from govdash.figures.assessment import assessment, component_actuals, deduction_records, score_departments
from pipelines.ingest import ingest
from tests.support.paths import REPO
from tests.support.warehouse import warehouse_cursor
from warehouse.db import connect_read, read_cursor

SETTINGS_TEXT = (REPO / "config" / "scoring.toml").read_text(encoding="utf-8")
RECORDS_SCHEMA = {"dept_id": pl.Utf8, "kind": pl.Utf8, "source": pl.Utf8, "detail": pl.Utf8, "units": pl.Int64}
COLS = ["dept_id", "dept_name", "handling_rate", "closure_rate", "on_time_closure_rate", "timely_handling_rate",
        "satisfaction_rate", "visit_compliance", "two_way_rating"]


def actuals(rows):
    return pl.DataFrame([dict(zip(COLS, r)) for r in rows], schema={c: (pl.Utf8 if c.startswith("dept") else pl.Float64)
                                                                    for c in COLS})


def cents(x: float) -> int:
    return round(x * 100)


def adds_up(d: dict) -> bool:
    """Shown components − shown deductions = shown score, to the cent; and the parts add to the shown totals."""
    comps = sum(cents(c["points"]) for c in d["components"].values() if c["points"] is not None)
    deds = sum(cents(x["points"]) for x in d["deductions"])
    return (comps == cents(d["gross_points"]) and deds == cents(d["deduction_points"])
            and comps - deds == cents(d["score"]))


def load(tmp_path, files: dict):
    src = tmp_path / "src"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    return db, ingest([src], db_path=db)


# ---------------------------------------------------------------- nothing rounded before the final score

def test_score_from_full_precision_and_shown_parts_add_up():
    s = load_scoring()
    a = actuals([
        # 30·0.909/0.95 = 28.705263, 20·0.879/0.95 = 18.505263, 15·0.805/0.9 = 13.416667, 20·0.614 = 12.28,
        # 15·84.7/90 = 14.116667: gross 87.023860. Rounding each component first would give 87.04.
        ("D1", "甲局", 0.95, 0.95, 0.909, 0.879, 0.805, 0.614, 84.7),
    ])
    records = pl.DataFrame([
        ("D1", "burden_negative_list", "T1", "2024-01 …", 1),
        ("D1", "shared_negative", "R1 E.1.1", "…", 3),
    ], schema=RECORDS_SCHEMA, orient="row")
    d = score_departments(a, records, s)[0]
    exact = {k: c["exact_points"] for k, c in d["components"].items()}
    assert exact == pytest.approx({"on_time_closure": 30 * 0.909 / 0.95, "timely_handling": 20 * 0.879 / 0.95,
                                   "satisfaction": 15 * 0.805 / 0.9, "visit_compliance": 20 * 0.614,
                                   "two_way_rating": 15 * 84.7 / 90}, abs=1e-12)
    # 87.023860 − 1 − 0.3 = 85.723860 → 85.72
    assert (d["score"], d["grade"]) == (85.72, "良好")
    assert (d["gross_points"], d["deduction_points"]) == (87.02, 1.3)
    # the 2 cents left after flooring go to the largest remainders (satisfaction .67, two-way rating .67)
    assert {k: c["points"] for k, c in d["components"].items()} == {
        "on_time_closure": 28.70, "timely_handling": 18.50, "satisfaction": 13.42, "visit_compliance": 12.28,
        "two_way_rating": 14.12}
    assert [x["points"] for x in d["deductions"]] == [1.0, 0.3]
    assert adds_up(d)


def test_shown_deductions_add_up_when_they_have_more_decimals():
    s = load_scoring()
    a = actuals([("D1", "甲局", 0.95, 0.95, 0.95, 0.95, 0.9, 1.0, 90.0)])   # every component full: 100
    # a year's mean of quarters: three burden months → 0.75; seven shared items → 0.175
    records = pl.DataFrame([("D1", "burden_negative_list", f"T{i}", "…", 1) for i in range(3)]
                           + [("D1", "shared_negative", "R1 E.1.1", "…", 7)], schema=RECORDS_SCHEMA, orient="row")
    d = score_departments(a, records, s, annual=True)[0]
    assert [x["exact_points"] for x in d["deductions"]] == pytest.approx([0.25, 0.25, 0.25, 0.175])
    # 100 − 0.925 = 99.075 → 99.08 (half up); shown gross 100.00, so the deductions show 100.00 − 99.08 = 0.92
    assert (d["score"], d["gross_points"], d["deduction_points"]) == (99.08, 100.0, 0.92)
    assert [x["points"] for x in d["deductions"]] == [0.25, 0.25, 0.25, 0.17]
    assert adds_up(d)


# ---------------------------------------------------------------- the year: mean of the quarters' deductions

# One department D1 bound to J1 all year. Whistles: in Q1 D1 handles and closes 1 of 2 (50%: Q1's negative list);
# in Q2 9 of 9 → the year 10 of 11 = 90.9%, not on the year's negative list. Burden: off-list tasks in January,
# February and May (Q1 2 months, Q2 1). 同奖同罚: J1 reports 2 items in W10 (Q1) and 3 in W30 (Q3).
def _year_files() -> dict:
    events = ["event_id,community_id,reported_at,handling_mode,is_difficult"]
    log = ["event_id,ts,action,dept_id,value"]
    days = ["2024-01-15", "2024-02-15"] + [f"2024-{m:02d}-{d:02d}" for m in (4, 5, 6) for d in (8, 15, 22)]
    for i, day in enumerate(days, 1):
        events.append(f"E{i},C1,{day} 08:50,offsite,false")
        log.append(f"E{i},{day} 09:00,dispatched,D1,")
        if i != 2:   # E2 is never answered
            log += [f"E{i},{day} 09:20,accepted,D1,", f"E{i},{day} 15:00,closed,D1,"]
    return {
        "departments.csv": "dept_id,dept_name\nD1,执法局\n",
        "communities.csv": "community_id,community_name,jpc_id\nC1,东社区,J1\n",
        "bindings.csv": "jpc_id,role,dept_id,leader_name,valid_from,valid_to\nJ1,department,D1,,2024-01-01,\n",
        "whistle_events.csv": "\n".join(events),
        "whistle_event_log.csv": "\n".join(log),
        "tasks.csv": """
            task_id,issued_at,dept_id,from_level,to_level,community_id,admission_item
            T1,2024-01-10 09:00,D1,5,3,C1,
            T2,2024-02-10 09:00,D1,5,3,C1,问卷填报
            T3,2024-05-10 09:00,D1,5,3,C1,
            T4,2024-08-10 09:00,D1,5,3,C1,B01
        """,
        "negative_reports.csv": """
            report_id,jpc_id,week,submitted_at,clause_code,count,description,rectified
            R10,J1,2024-W10,2024-03-11 09:00,E.1.1,2,,true
            R30,J1,2024-W30,2024-07-29 09:00,E.2.4,3,,false
        """,
    }


@pytest.fixture(scope="module")
def year_cur(tmp_path_factory):
    db, result = load(tmp_path_factory.mktemp("year"), _year_files())
    assert result.exit_code == 0, result.as_dict()
    with warehouse_cursor(db) as cur:
        yield cur


def _deductions(d: dict) -> list[tuple]:
    return [(x["kind"], x["exact_points"]) for x in d["deductions"]]


def _by_kind(d: dict) -> dict:
    out = {}
    for kind, points in _deductions(d):
        out[kind] = out.get(kind, 0) + points
    return out


AS_OF = "2025-01-31 00:00"


def test_quarters_deductions(year_cur):
    q = {n: assessment(year_cur, 2024, n, AS_OF)["departments"][0] for n in (1, 2, 3, 4)}
    assert _by_kind(q[1]) == pytest.approx({"assessment_negative_list": 5.0, "burden_negative_list": 2.0,
                                            "shared_negative": 0.2})
    assert _by_kind(q[2]) == pytest.approx({"burden_negative_list": 1.0})
    assert _by_kind(q[3]) == pytest.approx({"shared_negative": 0.3})
    assert _by_kind(q[4]) == {}
    assert "处置率 50.0% 低于 90%" in q[1]["deductions"][0]["reason"]


def test_year_deductions_are_the_mean_of_the_quarters(year_cur):
    year = assessment(year_cur, 2024, None, AS_OF)["departments"][0]
    # burden (2 + 1 + 0 + 0) / 4 = 0.75; 同奖同罚 (0.2 + 0 + 0.3 + 0) / 4 = 0.125; the negative list from the
    # year's rates: handling and closure 10 / 11 = 90.9% ≥ 90%, so none (Q1's does not carry into the year)
    assert _by_kind(year) == pytest.approx({"burden_negative_list": 0.75, "shared_negative": 0.125})
    # no ratings, no satisfaction: weights 30 / 20 / 20 spread to 100; 0 visits of 52 required weeks
    # gross (30·100/70)·(10/11)/0.95 + (20·100/70)·(10/11)/0.95 + 0 = 68.352700 → 68.35; score 68.352700 − 0.875 =
    # 67.477700 → 67.48; the deductions show 68.35 − 67.48 = 0.87 (0.075 shown as 0.07)
    assert (year["score"], year["gross_points"], year["deduction_points"]) == (67.48, 68.35, 0.87)
    assert year["exact_score"] == pytest.approx(100 / 70 * 50 * (10 / 11) / 0.95 - 0.875)
    assert [x["points"] for x in year["deductions"]] == [0.25, 0.25, 0.25, 0.05, 0.07]
    assert all("四个季度平均" in x["reason"] for x in year["deductions"])
    assert year["components"]["on_time_closure"]["exact_points"] == pytest.approx(30 * 100 / 70 * (10 / 11) / 0.95)
    assert adds_up(year)
    # the same records, read at the cut-off, on the assessment's own records
    rec = deduction_records(year_cur, 2024, None, AS_OF)
    assert sorted(rec.select("kind", "source", "units").rows()) == [
        ("burden_negative_list", "T1", 1), ("burden_negative_list", "T2", 1), ("burden_negative_list", "T3", 1),
        ("shared_negative", "R10 E.1.1", 2), ("shared_negative", "R30 E.2.4", 3)]


def test_year_deductions_summed_when_the_setting_says_sum(year_cur):
    text = SETTINGS_TEXT.replace('annual_deductions = "mean"', 'annual_deductions = "sum"')
    s = parse_scoring(text, "scoring.toml")
    assert s.annual_deductions == "sum"
    year = assessment(year_cur, 2024, None, AS_OF, settings=s)["departments"][0]
    assert _by_kind(year) == pytest.approx({"burden_negative_list": 3.0, "shared_negative": 0.5})
    assert not any("四个季度平均" in x["reason"] for x in year["deductions"])
    # a quarter never divides
    q1 = assessment(year_cur, 2024, 1, AS_OF)["departments"][0]
    assert _by_kind(q1)["burden_negative_list"] == pytest.approx(2.0)


def test_the_annual_setting_is_checked_shown_and_kept():
    s = load_scoring()
    assert s.annual_deductions == "mean"
    assert s.as_dict()["annual_deductions"] == "mean"
    assert parse_scoring(dump_scoring(s), "x").annual_deductions == "mean"
    summed = parse_scoring(SETTINGS_TEXT.replace('annual_deductions = "mean"', 'annual_deductions = "sum"'), "x")
    assert parse_scoring(dump_scoring(summed), "x").annual_deductions == "sum"
    with pytest.raises(ScoringSettingsError) as exc:
        parse_scoring(SETTINGS_TEXT.replace('annual_deductions = "mean"', 'annual_deductions = "median"'),
                      "scoring.toml")
    assert "annual_deductions" in str(exc.value) and "mean" in str(exc.value)
    line = int(str(exc.value).split("第 ")[1].split(" 行")[0])
    assert SETTINGS_TEXT.splitlines()[line - 1].startswith("annual_deductions")


# ---------------------------------------------------------------- two-way ratings only from bound JPCs

RATINGS_FILES = {
    "departments.csv": "dept_id,dept_name\nD1,执法局\nD2,市监局\n",
    "communities.csv": "community_id,community_name,jpc_id\nC1,东社区,J1\nC2,西社区,J2\n",
    # J1–D1 for Q1 only; J2–D1 from Friday 03-15
    "bindings.csv": """
        jpc_id,role,dept_id,leader_name,valid_from,valid_to
        J1,department,D1,,2024-01-01,2024-03-31
        J2,department,D1,,2024-03-15,
        J2,leader,,张市长,2024-01-01,
    """,
    "ratings.csv": """
        period,jpc_id,dept_id,score
        2024-01,J1,D1,80
        2024-02,J1,D1,80
        2024-03,J1,D1,80.05
        2024-03,J2,D1,70
        2024-04,J1,D1,90
        2024-02,J2,D1,60
        2024-02,J2,D2,75
        2024,J1,D1,85
        2024,J2,D2,50
    """,
}


def test_ratings_from_unbound_jpcs_are_quarantined_at_ingest(tmp_path):
    db, result = load(tmp_path, RATINGS_FILES)
    f = next(x for x in result.files if x.table == "ratings")
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (9, 5, 4)
    cur = read_cursor(connect_read(db))
    q = cur.execute("select source_row, column_name, value, reason from quarantine where table_name = 'ratings' "
                    "order by source_row").fetchall()
    # J1 no longer bound in April; J2 bound to D1 only from 03-15; D2 bound to no JPC
    assert [(r[0], r[1], r[2]) for r in q] == [(6, "jpc_id", "J1"), (7, "jpc_id", "J2"), (8, "jpc_id", "J2"),
                                               (10, "jpc_id", "J2")]
    assert q[0][3] == "评价期间 2024-04 内联合党委 J1 未与部门 D1 捆绑，双向评价只计捆绑联合党委的评价"
    # Q1: 80, 80, 80.05 from J1 and 70 from J2 (bound on part of March) — the mean kept whole, not rounded
    a = component_actuals(cur, 2024, 1, dt.datetime(2025, 1, 31))
    d1 = a.filter(pl.col("dept_id") == "D1").row(0, named=True)
    assert d1["two_way_rating"] == pytest.approx((80 + 80 + 80.05 + 70) / 4, abs=1e-12)
    assert a.filter(pl.col("dept_id") == "D2")["two_way_rating"].to_list() == [None]
    year = component_actuals(cur, 2024, None, dt.datetime(2025, 1,
                                                          31)).filter(pl.col("dept_id") == "D1").row(0, named=True)
    assert year["two_way_rating"] == pytest.approx((80 + 80 + 80.05 + 70 + 85) / 5, abs=1e-12)
    # reloading the same file changes nothing and quarantines the same rows
    again = ingest([tmp_path / "src" / "ratings.csv"], db_path=db)
    g = again.files[0]
    assert (g.rows_loaded, g.rows_quarantined, g.duplicates_skipped) == (0, 4, 5)


# ---------------------------------------------------------------- the issue's examples in the committed sample city

def test_the_issue_examples_in_the_committed_sample(committed_sample_db):
    cur = read_cursor(connect_read(committed_sample_db))
    q3 = {d["dept_id"]: d for d in assessment(cur, 2024, 3, "2025-03-31 00:00")["departments"]}
    d14 = q3["D14"]
    # on-time closure 94 / 114 (the phantom overdue E20240003027/D14 gone): 90.28 优秀
    assert d14["components"]["on_time_closure"]["actual"] == round(94 / 114, 4)
    assert (d14["score"], d14["grade"]) == (90.28, "优秀")
    # at 2024-03-20 12:00 J12's week-13 lines (submitted 03-31) are not there yet: no 0.6 for D16
    q1 = {d["dept_id"]: d for d in assessment(cur, 2024, 1, "2024-03-20 12:00")["departments"]}
    d16 = q1["D16"]
    assert not any("2024-W13" in x["reason"] for x in d16["deductions"])
    assert (d16["score"], d16["grade"], d16["deduction_points"]) == (90.39, "优秀", 1.1)
    # every score of every period: the shown parts add up
    for quarter in (1, 2, 3, 4, None):
        for d in assessment(cur, 2024, quarter, "2025-03-31 00:00")["departments"]:
            assert adds_up(d), (quarter, d["dept_id"])
            assert d["score"] == _half_up(d["exact_score"])


def _half_up(x: float) -> float:
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal("0.01"), ROUND_HALF_UP))
