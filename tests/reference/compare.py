"""Comparing the product's figures with the reference's, figure by figure (used by the differential and
property tests). Counts, ids, lists and texts must be equal; a number the product rounds for display is
compared within half a unit of its last shown decimal (the reference is exact):

- rates, shares and conversions of the bulletin: 4 decimals (figures._round_rates, round(…, 4))
- dwell-time median and p90: 2 decimals
- assessment: component actual, effective weight and points, and each deduction's points: 4 decimals;
  gross points and total deductions: 2 decimals; the score must equal the reference's final score
  (the exact score rounded to 2 decimals; at an exact half-cent tie either neighbour is accepted).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

RATE = 0.5e-4 + 1e-9      # 4 shown decimals
HUNDREDTH = 0.5e-2 + 1e-9  # 2 shown decimals
EXACT = 1e-9                # an unrounded value (SPEC §7: nothing rounded before the final score)
CENT = 1e-2 + 1e-9         # a shown part of a score: rounded to cents so the parts add up to the shown score


@dataclass
class Mismatch:
    section: str
    period: str
    as_of: str
    key: str
    field: str
    product: object
    reference: object

    def line(self) -> str:
        return (f"{self.section:<26} {self.period:<24} as_of {self.as_of:<19} {self.key:<34} {self.field:<28} "
                f"product={self.product!r} reference={self.reference!r}")


def plain(v):
    """Reference values as the product shows them (fractions as floats)."""
    if isinstance(v, Fraction):
        return float(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


class Comparison:
    def __init__(self):
        self.compared = 0
        self.mismatches: list[Mismatch] = []
        self.section, self.period, self.as_of = "", "", ""

    def at(self, section: str, period: str, as_of: str) -> "Comparison":
        self.section, self.period, self.as_of = section, period, as_of
        return self

    def _record(self, key, field, product, reference):
        self.mismatches.append(Mismatch(self.section, self.period, self.as_of, str(key), field, product,
                                        plain(reference)))

    def same(self, key, field, product, reference, tol: float | None = None) -> bool:
        """One figure: equal (tol None) or within tol; None only equals None."""
        self.compared += 1
        if product is None or reference is None:
            ok = product is None and reference is None
        elif tol is None:
            ok = product == plain(reference)
        else:
            ok = abs(float(product) - float(reference)) <= tol
        if not ok:
            self._record(key, field, product, reference)
        return ok

    def score(self, key, field, product, exact: Fraction | None, final: Fraction | None) -> bool:
        """A final score: product == the reference's rounded score; at an exact half-cent tie of the exact
        score either neighbour."""
        self.compared += 1
        if product is None or exact is None:
            ok = product is None and exact is None
        else:
            ok = abs(product - float(final)) <= 1e-9
            if not ok and abs((exact * 100) % 1 - Fraction(1, 2)) < Fraction(1, 10**6):
                ok = abs(product - float(exact)) <= HUNDREDTH
        if not ok:
            self._record(key, field, product, exact if exact is None
                         else f"{float(final):.2f} (exact {float(exact)!r})")
        return ok

    def keyed(self, key_name: str, product: dict, reference: dict) -> list:
        """Rows present on both sides (each side's extra rows are a mismatch); returns the common keys."""
        self.compared += 1
        only_p, only_r = sorted(set(product) - set(reference), key=str), sorted(set(reference) - set(product), key=str)
        if only_p or only_r:
            self._record(key_name, "rows", f"only in product: {only_p}", f"only in reference: {only_r}")
        return sorted(set(product) & set(reference), key=str)

    def report(self, title: str) -> str:
        groups: dict[tuple[str, str], int] = {}
        for m in self.mismatches:
            groups[(m.section, m.field)] = groups.get((m.section, m.field), 0) + 1
        out = [f"{title}: {self.compared} figures compared, {len(self.mismatches)} mismatches"]
        if groups:
            out.append("mismatches by section and field:")
            out += [f"  {n:6d}  {s} / {f}" for (s, f), n in sorted(groups.items())]
            out.append("every mismatch:")
            out += ["  " + m.line() for m in sorted(self.mismatches, key=lambda m: (m.section, m.field, m.period,
                                                                                    m.as_of, m.key))]
        return "\n".join(out)


# ---------------------------------------------------------------- the bulletin, section by section

DEPARTMENT_COUNTS = ("dispatched", "handled", "closed_on_time", "closed_late", "open_overdue", "open_in_time",
                     "returned", "escalated", "rank")
RATES = ("handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate")
CITY_COUNTS = ("dispatched", "handled", "handled_in_time", "closed_on_time", "closed_late", "open_overdue",
               "open_in_time", "satisfied", "rated", "returned", "escalated")


def compare_departments(c: Comparison, product: dict, reference: dict) -> None:
    """§3: the department rows, the ranked order, the city totals, the overdue list."""
    c.section = "§3 departments"
    c.same("-", "department_count", product["department_count"], reference["department_count"])
    c.same("-", "calendar_provisional", product["calendar_provisional"], reference["calendar_provisional"])
    p = {d["dept_id"]: d for d in product["departments"]}
    r = {d["dept_id"]: d for d in reference["departments"]}
    for dept in c.keyed("dept_id", p, r):
        c.same(dept, "dept_name", p[dept]["dept_name"], r[dept]["dept_name"])
        for f in DEPARTMENT_COUNTS:
            c.same(dept, f, p[dept][f], r[dept][f])
        for f in RATES:
            c.same(dept, f, p[dept][f], r[dept][f], RATE)
    c.same("-", "ranked order", [d["dept_id"] for d in product["departments"] if d["dept_id"] in r],
           [d["dept_id"] for d in reference["departments"] if d["dept_id"] in p])
    c.section = "§3 city"
    for f in CITY_COUNTS:
        c.same("city", f, product["city"][f], reference["city"][f])
    for f in RATES:
        c.same("city", f, product["city"][f], reference["city"][f], RATE)
    c.section = "§3 overdue"
    p = {(o["event_id"], o["dept_id"]): o for o in product["overdue"]}
    r = {(o["event_id"], o["dept_id"]): o for o in reference["overdue"]}
    for k in c.keyed("(event_id, dept_id)", p, r):
        for f in ("community_id", "deadline", "working_days_overdue"):
            c.same(k, f, p[k][f], r[k][f])
    c.same("-", "order of the rows on both sides", [k for k in p if k in r], [k for k in r if k in p])


def compare_visits(c: Comparison, product: dict, reference: dict) -> None:
    """§4: per (department, JPC) binding rows of the month."""
    c.section = "§4 visits"
    p = {(v["dept_id"], v["jpc_id"]): v for v in product["visits"]}
    r = {(v["dept_id"], v["jpc_id"]): v for v in reference["visits"]}
    for k in c.keyed("(dept_id, jpc_id)", p, r):
        for f in ("required_weeks", "covered_weeks", "visits", "leader_led_visits", "problems_raised",
                  "problems_solved", "missed_weeks"):
            c.same(k, f, p[k][f], r[k][f])
        c.same(k, "visit_compliance", p[k]["visit_compliance"], r[k]["visit_compliance"], RATE)


def compare_visit_summaries(c: Comparison, product: dict, reference: dict) -> None:
    """§4 per department (in the bulletin's order) and for the whole city: the sums and the rate of the sums."""
    c.section = "§4 visits per department"
    p = {d["dept_id"]: d for d in product["visit_departments"]}
    r = {d["dept_id"]: d for d in reference["visit_departments"]}
    for k in c.keyed("dept_id", p, r):
        for f in ("bindings", "required_weeks", "covered_weeks", "missed", "visits", "leader_led_visits",
                  "problems_raised", "problems_solved"):
            c.same(k, f, p[k][f], r[k][f])
        c.same(k, "visit_compliance", p[k]["visit_compliance"], r[k]["visit_compliance"], RATE)
    c.same("-", "order of the rows on both sides", [k for k in p if k in r], [k for k in r if k in p])
    c.section = "§4 visits, city"
    p, r = product["visit_totals"], reference["visit_totals"]
    for f in ("departments", "bindings", "required_weeks", "covered_weeks", "visits", "leader_led_visits",
              "problems_raised", "problems_solved", "departments_full"):
        c.same("city", f, p[f], r[f])
    c.same("city", "visit_compliance", p["visit_compliance"], r["visit_compliance"], RATE)


def compare_report_totals(c: Comparison, product: dict, reference: dict) -> None:
    """§5.1 for the whole city."""
    c.section = "§5.1 weekly reports, city"
    p, r = product["negative_report_totals"], reference["negative_report_totals"]
    for f in ("jpcs", "weeks_required", "weeks_due", "on_time", "late", "missing", "pending", "items",
              "rectified_items", "top_clause_code", "top_clause_items"):
        c.same("city", f, p[f], r[f])
    for f in ("on_time_rate", "rectified_share"):
        c.same("city", f, p[f], r[f], RATE)


def compare_negative_reports(c: Comparison, product: dict, reference: dict) -> None:
    """§5.1: per JPC."""
    c.section = "§5.1 weekly reports"
    p = {x["jpc_id"]: x for x in product["negative_reports"]}
    r = {x["jpc_id"]: x for x in reference["negative_reports"]}
    for k in c.keyed("jpc_id", p, r):
        for f in ("weeks_required", "on_time", "late", "missing", "pending", "missing_weeks", "late_weeks", "items",
                  "rectified_items", "items_by_clause"):
            c.same(k, f, p[k][f], r[k][f])
        for f in ("on_time_rate", "rectified_share"):
            c.same(k, f, p[k][f], r[k][f], RATE)


def compare_lists(c: Comparison, product: dict, reference: dict) -> None:
    """§5.2 and §5.3 in the bulletin."""
    c.section = "§5.2 assessment neg. list"
    p = {x["dept_id"]: x for x in product["assessment_negative_list"]}
    r = {x["dept_id"]: x for x in reference["assessment_negative_list"]}
    for k in c.keyed("dept_id", p, r):
        c.same(k, "dispatched", p[k]["dispatched"], r[k]["dispatched"])
        for f in ("handling_rate", "closure_rate"):
            c.same(k, f, p[k][f], r[k][f], RATE)
    c.section = "§5.3 burden list"
    p = {x["dept_id"]: x for x in product["burden_negative_list"]}
    r = {x["dept_id"]: x for x in reference["burden_negative_list"]}
    for k in c.keyed("dept_id", p, r):
        for f in ("dept_name", "tasks_off_list", "certificates_off_list", "tasks_onto_communities",
                  "tasks_off_list_ytd", "certificates_off_list_ytd"):
            c.same(k, f, p[k][f], r[k][f])
    c.same("-", "order of the rows on both sides", [x["dept_id"] for x in product["burden_negative_list"]
                                                    if x["dept_id"] in r],
           [x["dept_id"] for x in reference["burden_negative_list"] if x["dept_id"] in p])


def _compare_levels(c: Comparison, key: str, product: list[dict], reference: list[dict]) -> None:
    for p, r in zip(product, reference):
        k = f"{key} level {p['level']}"
        for f in ("entered", "resolved", "escalated", "withdrawn", "open"):
            c.same(k, f, p[f], r[f])
        c.same(k, "conversion", p["conversion"], r["conversion"], RATE)
        for f in ("median_dwell_hours", "p90_dwell_hours"):
            c.same(k, f, p[f], r[f], HUNDREDTH)


def compare_funnel(c: Comparison, product: dict, reference: dict) -> None:
    """§6: the city's five levels, and per community and per category."""
    c.section = "§6 funnel"
    p, r = product["funnel"], reference["funnel"]
    _compare_levels(c, "city", p["levels"], r["levels"])
    c.same("city", "community_resolution_share", p["community_resolution_share"], r["community_resolution_share"], RATE)
    for kind, key in (("by_community", "community_id"), ("by_category", "category")):
        pg = {g[key]: g for g in p[kind]}
        rg = {g[key]: g for g in r[kind]}
        for k in c.keyed(key, pg, rg):
            _compare_levels(c, f"{key} {k}", pg[k]["levels"], rg[k]["levels"])
            c.same(f"{key} {k}", "community_resolution_share", pg[k]["community_resolution_share"],
                   rg[k]["community_resolution_share"], RATE)


def compare_bulletin(c: Comparison, product: dict, reference: dict) -> None:
    c.period, c.as_of = product["month"], product["as_of"]
    c.same("-", "as_of", product["as_of"], reference["as_of"])
    compare_departments(c, product, reference)
    compare_visits(c, product, reference)
    compare_visit_summaries(c, product, reference)
    compare_negative_reports(c, product, reference)
    compare_report_totals(c, product, reference)
    compare_lists(c, product, reference)
    compare_funnel(c, product, reference)


# ---------------------------------------------------------------- the assessment

def compare_assessment(c: Comparison, product: dict, reference: dict[str, dict], metrics: dict[str, str]) -> None:
    """§7: every department's components, deductions (per kind: points and the records behind them), score,
    grade, rank, and the previous period's score and rank with the change."""
    c.section = "§7 assessment"
    p = {d["dept_id"]: d for d in product["departments"]}
    for dept in c.keyed("dept_id", p, reference):
        pd, rd = p[dept], reference[dept]
        c.score(dept, "score", pd["score"], rd["score"], rd["final_score"])
        c.same(dept, "grade", pd["grade"], rd["grade"])
        c.same(dept, "rank", pd["rank"], rd["rank"])
        # SPEC §7: nothing is rounded before the final score. The product keeps each part unrounded
        # (exact_*), which must equal the reference's; the parts it shows are those rounded to cents so that
        # they add up to the shown score (largest remainder), so each shown part is within a cent.
        for field in ("gross_points", "deduction_points"):
            c.same(dept, field, pd.get(f"exact_{field}", pd[field]), rd[field], EXACT)
            c.same(dept, f"{field} (shown)", pd[field], rd[field], CENT)
        for name in metrics:
            pc, rc = pd["components"][name], rd["components"][name]
            c.same(dept, f"{name}.actual", pc["actual"], rc["actual"], RATE)
            c.same(dept, f"{name}.effective_weight", pc["effective_weight"], rc["effective_weight"], RATE)
            c.same(dept, f"{name}.points", pc.get("exact_points", pc["points"]), rc["points"], EXACT)
            c.same(dept, f"{name}.points (shown)", pc["points"], rc["points"], CENT)
        for kind in ("assessment_negative_list", "burden_negative_list", "shared_negative"):
            records = [x for x in pd["deductions"] if x["kind"] == kind]
            ref = rd["deductions"].get(kind)
            c.same(dept, f"deduction {kind}", sum(x.get("exact_points", x["points"]) for x in records) if records
                   else None, None if ref is None else ref["points"], EXACT)
            if kind != "assessment_negative_list":
                c.same(dept, f"deduction {kind} records", sorted(x["record"] for x in records),
                       [] if ref is None else ref["sources"])
        c.score(dept, "previous_score", pd["previous_score"], rd["previous_score"], rd["previous_score"])
        c.same(dept, "previous_rank", pd["previous_rank"], rd["previous_rank"])
        c.same(dept, "change", pd["change"], rd["change"], 1e-9)
