"""SPEC §7 — the quarterly and annual department assessment (Longgang A.3.3, 4.4 e; Binzhou 7.2;
Changzhi §三(三)), amended: the year's burden and 同奖同罚 deductions are the mean of its four quarters'
(default), nothing is rounded before the final score, ratings count only from JPCs bound to the department
in the rating's period (applied when the city is read, tests.reference.inputs.City).

Every quantity is an exact fraction until the final score.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from tests.reference.inputs import City
from tests.reference.negatives import line_items, task_flags
from tests.reference.rulings import removed_ratings
from tests.reference.visits import binding_requires, department_compliance, month_weeks, months_of
from tests.reference.whistle import Whistles, rates

ONE_DAY = dt.timedelta(days=1)
DEDUCTION_KINDS = ("assessment_negative_list", "burden_negative_list", "shared_negative")


def exact(x) -> Fraction:
    """A TOML number as the exact decimal it is written as (0.95 → 19/20)."""
    return Fraction(str(x))


def period(year: int, quarter: int | None) -> dict:
    """A quarter (1–4) or, for quarter None, the whole year."""
    first = 1 if quarter is None else 3 * quarter - 2
    last = 12 if quarter is None else 3 * quarter
    return {"start": dt.datetime(year, first, 1),
            "end": dt.datetime(year + (last == 12), last % 12 + 1, 1),
            "months": months_of(f"{year}-{first:02d}", f"{year}-{last:02d}"),
            "year": year, "annual": quarter is None}


def previous_period(year: int, quarter: int | None) -> tuple[int, int | None]:
    if quarter is None:
        return year - 1, None
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


# ---------------------------------------------------------------- components (the period's pooled figures)

def two_way_ratings(city: City, p: dict, approvals=(), as_of: dt.datetime | None = None) -> dict[str, Fraction]:
    """§7 / A.3.3: the JPCs' ratings of each department: the mean score of the monthly rows of the period's
    months, plus the yearly row for a year (rows from unbound JPCs were quarantined when read); §9.4: a row an
    approved 误评 ruled by the cut-off names is removed."""
    removed = removed_ratings(approvals, as_of) if as_of is not None else set()
    scores: dict[str, list[Fraction]] = {}
    for r in city["ratings"]:
        if (r["period"], r["jpc_id"], r["dept_id"]) in removed:
            continue
        monthly = len(r["period"]) == 7 and r["period"] in p["months"]
        yearly = len(r["period"]) == 4 and p["annual"] and r["period"] == str(p["year"])
        if monthly or yearly:
            scores.setdefault(r["dept_id"], []).append(exact(r["score"]))
    return {d: sum(v) / len(v) for d, v in scores.items()}


def component_actuals(city: City, w: Whistles, p: dict, exempt_weeks: list[str]) -> dict[str, dict]:
    """Per department: every metric a component may use, None where there is no data (§7: components of a
    period are its pooled rates, as of the cut-off)."""
    counts = w.department_counts(p["start"], p["end"])
    visits = department_compliance(city, p["months"], exempt_weeks)
    ratings = two_way_ratings(city, p, w.approvals, w.as_of)
    out = {}
    for d in city["departments"]:
        dept = d["dept_id"]
        out[dept] = {**rates(counts[dept]), "visit_compliance": visits.get(dept), "two_way_rating": ratings.get(dept)}
    return out


# ---------------------------------------------------------------- deductions

def burden_months(city: City, p: dict, approvals=(), as_of: dt.datetime | None = None) -> dict[str, list[dict]]:
    """§5.3 → §7: per department, each month of the period with an off-list task or certificate (one entry each),
    with the tasks behind it."""
    out: dict[str, dict[str, list[str]]] = {}
    for t in city["tasks"]:
        if not (p["start"] <= t["issued_at"] < p["end"]):
            continue
        f = task_flags(t, city, approvals, as_of)
        if f["task_off_list"] or f["certificate_off_list"]:
            out.setdefault(t["dept_id"], {}).setdefault(t["issued_at"].strftime("%Y-%m"), []).append(t["task_id"])
    return {d: [{"month": m, "source": "、".join(sorted(ids)), "units": 1} for m, ids in sorted(months.items())]
            for d, months in out.items()}


def shared_items(city: City, p: dict, as_of: dt.datetime) -> dict[str, list[dict]]:
    """§7 同奖同罚 (4.4 d): each negative item a JPC reported for a week of the period (by the week's Thursday),
    submitted by the cut-off (§5.1), borne by every department bound to that JPC in that week."""
    weeks = {wid: (monday, sunday) for m in p["months"] for wid, monday, sunday in month_weeks(m)}
    out: dict[str, list[dict]] = {}
    for line in city["negative_reports"]:
        if line["week"] not in weeks or line["submitted_at"] > as_of or line_items(line) <= 0:
            continue
        monday, sunday = weeks[line["week"]]
        bound = {b["dept_id"] for b in city.department_bindings()
                 if b["jpc_id"] == line["jpc_id"] and binding_requires(b, monday, sunday)}
        for dept in bound:
            out.setdefault(dept, []).append({"source": f"{line['report_id']} {line['clause_code']}",
                                             "units": line_items(line)})
    return out


def deductions_of(dept: str, r: dict, burden: dict, shared: dict, s: dict, annual_mean: bool) -> dict[str, dict]:
    """§7: per kind, the points deducted and the records behind them. For a year with the mean setting, the
    burden and 同奖同罚 points are the mean of the four quarters' (their sum / 4: the quarters partition the
    year's months and weeks)."""
    d = {k: exact(v) for k, v in s.get("deductions", {}).items()}
    threshold = exact(s.get("scoring", {}).get("negative_list_threshold", 0.9))
    out = {}
    below = [k for k in ("handling_rate", "closure_rate") if r[k] is not None and r[k] < threshold]
    if below and d.get("assessment_negative_list", 0):
        out["assessment_negative_list"] = {"points": d["assessment_negative_list"], "sources": [], "below": below}
    scale = Fraction(1, 4) if annual_mean else Fraction(1)
    per_unit = {"burden_negative_list": d.get("burden_negative_list", Fraction(0)),
                "shared_negative": d.get("jpc_negative_item_points", Fraction(0)) * d.get("shared_penalty_share",
                                                                                          Fraction(0))}
    for kind, records in (("burden_negative_list", burden.get(dept, [])), ("shared_negative", shared.get(dept, []))):
        points = per_unit[kind] * sum(x["units"] for x in records) * scale
        if points:
            out[kind] = {"points": points, "sources": sorted(x["source"] for x in records)}
    return out


# ---------------------------------------------------------------- score, grade, rank

def final_score(score: Fraction) -> Fraction:
    """The final (shown) score: the exact score rounded half up to 2 decimals — the only rounding (§7)."""
    return Fraction(int(score * 100 + Fraction(1, 2)), 100)


def grade(score: Fraction | None, s: dict) -> str | None:
    """§7 grades (default ≥ 90 优秀, ≥ 80 良好, ≥ 60 合格, else 不合格), from the [grades] setting."""
    if score is None:
        return None
    bands = s.get("grades", {"优秀": 90, "良好": 80, "合格": 60})
    for name, low in sorted(bands.items(), key=lambda kv: -exact(kv[1])):
        if score >= exact(low):
            return name
    return "不合格"


def score_departments(city: City, actuals: dict, burden: dict, shared: dict, s: dict, annual: bool) -> dict[str, dict]:
    """§7: score = Σ weight × min(actual / target, 1) over the components with data (their weights spread over
    them in proportion), minus deductions, never below 0."""
    annual_mean = annual and s.get("scoring", {}).get("year_deductions", "mean") == "mean"
    components = s["components"]
    out = {}
    for dept, r in actuals.items():
        available = [name for name, c in components.items() if r.get(c["metric"]) is not None]
        total_weight = sum(exact(components[n]["weight"]) for n in available)
        comps = {}
        for name, c in components.items():
            actual = r.get(c["metric"])
            if actual is None or total_weight == 0:
                comps[name] = {"actual": None, "effective_weight": Fraction(0), "points": None}
                continue
            effective = exact(c["weight"]) * 100 / total_weight
            comps[name] = {"actual": actual, "effective_weight": effective,
                           "points": effective * min(actual / exact(c["target"]), Fraction(1))}
        deductions = deductions_of(dept, r, burden, shared, s, annual_mean)
        total_deduction = sum((x["points"] for x in deductions.values()), Fraction(0))
        if available:
            gross = sum((v["points"] for v in comps.values() if v["points"] is not None), Fraction(0))
            score = max(Fraction(0), gross - total_deduction)
            final = final_score(score)
        else:
            gross = score = final = None
        out[dept] = {"dept_id": dept, "components": comps, "deductions": deductions, "gross_points": gross,
                     "deduction_points": total_deduction, "score": score, "final_score": final,
                     "grade": grade(final, s)}
    finals = [d["final_score"] for d in out.values() if d["final_score"] is not None]
    for d in out.values():
        d["rank"] = None if d["final_score"] is None else 1 + sum(1 for x in finals if x > d["final_score"])
    return out


class Assessment:
    """Actuals and records of a period at one cut-off; scored with any settings (the what-if re-scores)."""

    def __init__(self, city: City, w: Whistles, year: int, quarter: int | None, exempt_weeks: list[str]):
        self.city, self.p = city, period(year, quarter)
        self.actuals = component_actuals(city, w, self.p, exempt_weeks)
        self.burden = burden_months(city, self.p, w.approvals, w.as_of)
        self.shared = shared_items(city, self.p, w.as_of)

    def score(self, scoring: dict) -> dict[str, dict]:
        return score_departments(self.city, self.actuals, self.burden, self.shared, scoring, self.p["annual"])


def assessment(city: City, w: Whistles, year: int, quarter: int | None, scoring: dict, exempt_weeks: list[str]) -> dict:
    """The period's scores, with the previous period's score, rank and the change (same cut-off)."""
    now = Assessment(city, w, year, quarter, exempt_weeks).score(scoring)
    before = Assessment(city, w, *previous_period(year, quarter), exempt_weeks).score(scoring)
    for dept, d in now.items():
        b = before.get(dept, {})
        d["previous_score"] = b.get("final_score")
        d["previous_rank"] = b.get("rank")
        d["change"] = (None if d["final_score"] is None or d["previous_score"] is None
                       else d["final_score"] - d["previous_score"])
    return now
