"""Quarterly and annual department assessment (SPEC §7): components, deductions, grades, ranks.

The actuals and the deduction records come from SQL (warehouse/metrics/assessment_*.sql and the
bulletin's department query over the period); `score_departments` is a pure function of them and the
settings, so the what-if panel re-scores without touching the warehouse.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import polars as pl

from govdash.core.labels import readable_codes
from govdash.core.periods import parse_as_of
from govdash.core.principal import ROLE_LABELS
from govdash.core.scoring import ScoringSettings, load_scoring, parse_scoring
from govdash.core.settings import load_settings
from govdash.figures import cutoff as cutoff_rule
from govdash.figures import exemptions
from govdash.figures.lookups import code_text_labels
from govdash.figures.negative_lists import negative_list_reasons
from govdash.figures.visits import exempt_weeks
from govdash.figures.whistle import period_assignments
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql

DEDUCTION_REASONS = {
    "assessment_negative_list": "列入考核负面清单",
    "burden_negative_list": "列入减负负面清单",
    "shared_negative": "同奖同罚：捆绑联合党委的负面事项",
}


def period_bounds(year: int, quarter: int | None) -> dict:
    """The period's datetimes and months; quarter None = the whole year."""
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ValueError(f"季度应为 1–4，当前为 {quarter}")
    first_month = 1 if quarter is None else 3 * quarter - 2
    last_month = 12 if quarter is None else 3 * quarter
    date_from = dt.datetime(year, first_month, 1)
    date_to = dt.datetime(year + (last_month == 12), last_month % 12 + 1, 1)
    return {"date_from": date_from, "date_to": date_to, "month_from": f"{year}-{first_month:02d}",
            "month_to": f"{year}-{last_month:02d}", "year": str(year), "annual": quarter is None,
            "label": f"{year}年" + ("" if quarter is None else f"第{quarter}季度")}


def previous_period(year: int, quarter: int | None) -> tuple[int, int | None]:
    if quarter is None:
        return year - 1, None
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def component_actuals(con, year: int, quarter: int | None, as_of: dt.datetime) -> pl.DataFrame:
    """One row per department: every metric a component may use, null where there is no data."""
    p = period_bounds(year, quarter)
    with period_assignments(con, p["date_from"], p["date_to"], as_of):
        whistle = fetch_frame(con, metric_sql("bulletin_departments"),
                              {"month_start": p["date_from"], "month_end": p["date_to"]})
    visits = fetch_frame(con, metric_sql("assessment_visits"),
                         {"month_from": p["month_from"], "month_to": p["month_to"], "exempt_weeks": exempt_weeks()})
    with exemptions.in_force(con, as_of):
        ratings = fetch_frame(con, metric_sql("assessment_ratings"),
                              {"month_from": p["month_from"], "month_to": p["month_to"], "year": p["year"],
                               "annual": p["annual"], "as_of": as_of})
    return (
        whistle.select("dept_id", "dept_name", "dispatched", "handling_rate", "timely_handling_rate", "closure_rate",
                       "on_time_closure_rate", "satisfaction_rate")
        .join(visits, on="dept_id", how="left")
        .join(ratings, on="dept_id", how="left")
        .sort("dept_id")
    )


def deduction_records(con, year: int, quarter: int | None, as_of: str | dt.datetime | None = None) -> pl.DataFrame:
    """The records behind the period's burden and 同奖同罚 deductions as of a cut-off (default: now)."""
    p = period_bounds(year, quarter)
    cutoff = parse_as_of(as_of)
    with exemptions.in_force(con, cutoff):
        return fetch_frame(con, metric_sql("assessment_deduction_records"),
                           {**{k: p[k] for k in ("date_from", "date_to", "month_from", "month_to")}, "as_of": cutoff})


ANNUAL_MEAN_NOTE = "（全年按四个季度平均计：四个季度该类扣分之和 ÷ 4）"


def _deductions_of(row: dict, records: list[dict], s: ScoringSettings, annual: bool = False) -> list[dict]:
    """The department's deductions at full precision (`exact_points`). The assessment negative list comes from the
    period's own (pooled) rates; a year's burden-list and 同奖同罚 deductions are the mean of its four quarters'
    (Σ / 4: the quarters partition the year's records) unless [scoring] annual_deductions = "sum"."""
    d, out = s.deductions, []
    below = negative_list_reasons(row, s.negative_list_threshold)
    if below and d["assessment_negative_list"]:
        out.append({"reason": DEDUCTION_REASONS["assessment_negative_list"] + "（" + "，".join(below) + "）",
            "exact_points": float(d["assessment_negative_list"]),
            "source": ("全年" if annual else "考核期") + "处置率、办结率", "kind": "assessment_negative_list"})
    per_unit = {"burden_negative_list": d["burden_negative_list"],
                "shared_negative": d["jpc_negative_item_points"] * d["shared_penalty_share"]}
    quarters = 4 if annual and s.annual_deductions == "mean" else 1
    for r in records:
        points = per_unit[r["kind"]] * r["units"] / quarters
        if points:
            out.append({"reason": f"{DEDUCTION_REASONS[r['kind']]}：{r['detail']}"
                        + (ANNUAL_MEAN_NOTE if quarters == 4 else ""),
                        "exact_points": points, "source": r["source"], "kind": r["kind"]})
    return out


def _cents(x: float) -> int:
    """x in cents, rounded half up on its decimal value (the way a reader rounds 99.075 → 99.08)."""
    return int(Decimal(repr(x)).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))


def _apportion(values: list[float], total_cents: int) -> list[float]:
    """2-decimal values adding up to total_cents, each within a cent of its value (largest remainder:
    floor every value to the cent, then the cents left go to the largest remainders, ties in order)."""
    if not values:
        return []
    exact = [Decimal(repr(v)).scaleb(2) for v in values]
    shown = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    rest = total_cents - sum(shown)
    by_remainder = sorted(range(len(values)), key=lambda i: (-(exact[i] - shown[i]), i))
    step = 1 if rest > 0 else -1
    order = by_remainder if rest > 0 else [i for i in reversed(by_remainder) if shown[i] > 0] or by_remainder
    for k in range(abs(rest)):
        shown[order[k % len(order)]] += step
    return [c / 100 for c in shown]


def score_departments(actuals: pl.DataFrame, records: pl.DataFrame, s: ScoringSettings,
                      annual: bool = False) -> list[dict]:
    """Score every department: Σ weight × min(actual/target, 1) over components with data (their weights
    spread over the rest in proportion), minus deductions, floored at 0; grade; rank (ties share).
    `annual`: the period is a whole year (its burden-list and 同奖同罚 deductions per [scoring] annual_deductions).

    Nothing is rounded before the score: it is the unrounded components minus the unrounded deductions, rounded
    once to 2 decimals. The shown `points` (components and deductions, 2 decimals) are apportioned so that shown
    components − shown deductions = shown score exactly (unless the score is floored at 0); the unrounded values
    are kept as `exact_points`, `exact_gross_points`, `exact_deduction_points`, `exact_score`."""
    by_dept: dict[str, list[dict]] = {}
    for r in records.iter_rows(named=True):
        by_dept.setdefault(r["dept_id"], []).append(r)
    out = []
    for row in actuals.iter_rows(named=True):
        available = [c for c in s.components if row.get(c.metric) is not None]
        total_weight = sum(c.weight for c in available)
        components = {}
        for c in s.components:
            actual = row.get(c.metric)
            if actual is None or total_weight == 0:
                components[c.name] = {"label": c.label, "actual": None, "target": c.target, "weight": c.weight,
                                      "effective_weight": 0.0, "points": None, "exact_points": None}
                continue
            effective = c.weight * 100 / total_weight
            components[c.name] = {"label": c.label, "actual": round(float(actual), 4), "target": c.target,
                                  "weight": c.weight, "effective_weight": round(effective, 4), "points": None,
                                  "exact_points": effective * min(float(actual) / c.target, 1.0)}
        deductions = _deductions_of(row, by_dept.get(row["dept_id"], []), s, annual)
        exact_deduction = math.fsum(x["exact_points"] for x in deductions)
        scored = [v for v in components.values() if v["exact_points"] is not None]
        if available:
            exact_gross = math.fsum(v["exact_points"] for v in scored)
            exact_score = max(0.0, exact_gross - exact_deduction)
            score_cents, gross_cents = _cents(exact_score), _cents(exact_gross)
            # shown deductions = shown gross − shown score, so the shown figures add up (a floored score cannot)
            deduction_cents = gross_cents - score_cents if exact_gross >= exact_deduction else _cents(exact_deduction)
            score = score_cents / 100
        else:
            exact_gross = exact_score = score = gross_cents = None
            deduction_cents = _cents(exact_deduction)
        for v, shown in zip(scored, _apportion([v["exact_points"] for v in scored], gross_cents or 0)):
            v["points"] = shown
        for x, shown in zip(deductions, _apportion([x["exact_points"] for x in deductions], deduction_cents)):
            x["points"] = shown
        missing = [c.label for c in s.components if row.get(c.metric) is None]
        out.append({
            "dept_id": row["dept_id"], "dept_name": row["dept_name"], "score": score, "grade": s.grade(score),
            "rank": None, "gross_points": None if gross_cents is None else gross_cents / 100,
            "deduction_points": deduction_cents / 100, "components": components, "deductions": deductions,
            "exact_score": exact_score, "exact_gross_points": exact_gross, "exact_deduction_points": exact_deduction,
            "weights_redistributed": bool(missing) and bool(available),
            "note": ("无数据的考核项：" + "、".join(missing) + "，其权重按比例分配给其他考核项")
            if missing and available
            else ("考核期内没有任何考核数据" if not available else ""),
        })
    scores = [d["score"] for d in out if d["score"] is not None]
    for d in out:
        if d["score"] is not None:
            d["rank"] = 1 + sum(1 for x in scores if x > d["score"])
    out.sort(key=lambda d: (d["rank"] is None, d["rank"] or 0, d["dept_id"]))
    return out


def assessment(con, year: int, quarter: int | None = None, as_of: str | dt.datetime | None = None,
               settings: ScoringSettings | None = None) -> dict:
    """The period's assessment as a JSON-ready dict, with the change against the previous period."""
    s = settings or load_scoring()
    p = period_bounds(year, quarter)
    # no cut-off given: the period's default cut-off (settings [cutoff]), as the bulletin's
    cutoff = cutoff_rule.period_default_cutoff(con, p["date_to"]) if as_of is None else parse_as_of(as_of)
    stated = cutoff_rule.cutoff_status(con, p["date_to"], cutoff)
    departments = score_departments(component_actuals(con, year, quarter, cutoff),
                                    deduction_records(con, year, quarter, cutoff), s, annual=quarter is None)
    py, pq = previous_period(year, quarter)
    previous = {d["dept_id"]: d for d in score_departments(component_actuals(con, py, pq, cutoff),
                                                           deduction_records(con, py, pq, cutoff), s,
                                                           annual=pq is None)}
    names = code_text_labels(con, [year])
    for d in departments:
        for x in d["deductions"]:   # read by people: names and dates, not J04, 2024-W35, 2024-01
            x["record"] = x["source"]   # the record's own id, as the data holds it: what the deduction traces to
            x["reason"], x["source"] = readable_codes(x["reason"], names), readable_codes(x["source"], names)
        before = previous.get(d["dept_id"], {})
        d["previous_score"] = before.get("score")
        d["previous_rank"] = before.get("rank")
        d["change"] = (None if d["score"] is None or d["previous_score"] is None
                       else round(d["score"] - d["previous_score"], 2))
    return {"year": year, "quarter": quarter, "period": p["label"], "as_of": cutoff.strftime("%Y-%m-%d %H:%M:%S"),
            "previous_period": period_bounds(py, pq)["label"], "settings": s.as_dict(), "issuer": assessment_issuer(),
            **stated, "departments": departments}


def assessment_issuer() -> str:
    """Who issues the assessment (its workbook's 发布单位): the assessment office, as [assessment] issuer of
    config/settings.toml names it."""
    return str(load_settings().get("assessment", {}).get("issuer") or ROLE_LABELS["assessment"])


# ---------------------------------------------------------------- the pages' entry points

def assessment_final_cutoff(con, year: int, quarter: int | None) -> dt.datetime:
    """The period's final cut-off by the rule (settings [cutoff]); the page caps it at now for its default."""
    return cutoff_rule.rule_cutoff(con, period_bounds(year, quarter)["date_to"])


def assessment_result(con, year: int, quarter: int | None, as_of: dt.datetime, _scoring_key: str = "") -> dict:
    """The period's assessment with the live scoring settings. `_scoring_key` names those settings (their digest,
    govdash.core.scoring_versions.digest): the pages' cache keys on it, so a saved or re-applied version is
    scored at once and no result of the previous settings is served."""
    return assessment(con, year, quarter, as_of)


def assessment_what_if(con, year: int, quarter: int | None, as_of: dt.datetime, scoring_text: str,
                       _scoring_key: str = "") -> pl.DataFrame:
    """Every department scored with the current settings and with a candidate (TOML text), ranked over the whole
    city, one row per department: a department user is cut to its own row only after ranking."""
    actuals, records = component_actuals(con, year, quarter, as_of), deduction_records(con, year, quarter, as_of)
    current = score_departments(actuals, records, load_scoring(), annual=quarter is None)
    simulated = {d["dept_id"]: d for d in score_departments(actuals, records,
                                                            parse_scoring(scoring_text, "模拟设置", cite_lines=False),
                                                            annual=quarter is None)}
    rows = [{"dept_id": d["dept_id"], "dept_name": d["dept_name"], "rank": d["rank"], "score": d["score"],
             "simulated_rank": simulated[d["dept_id"]]["rank"], "simulated_score": simulated[d["dept_id"]]["score"],
             "simulated_grade": simulated[d["dept_id"]]["grade"]} for d in current]
    schema = {"dept_id": pl.Utf8, "dept_name": pl.Utf8, "rank": pl.Int64, "score": pl.Float64,
              "simulated_rank": pl.Int64, "simulated_score": pl.Float64, "simulated_grade": pl.Utf8}
    return pl.DataFrame(rows, schema=schema).with_columns(
        (pl.col("rank") - pl.col("simulated_rank")).alias("rank_change")).sort("simulated_rank", nulls_last=True)


def assessment_inputs(con, year: int, quarter: int | None, as_of: dt.datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The actuals and deduction records a score is computed from (the what-if panel re-scores them)."""
    return component_actuals(con, year, quarter, as_of), deduction_records(con, year, quarter, as_of)
