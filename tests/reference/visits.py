"""SPEC §4 — binding visits, "市领导联系、市直部门单位捆绑" (Longgang 4.4)."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from tests.reference.inputs import City

ONE_DAY = dt.timedelta(days=1)


def week_id(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def month_weeks(month: str) -> list[tuple[str, dt.date, dt.date]]:
    """§4: ISO weeks (Mon–Sun); a week belongs to the month that holds its Thursday.
    Returns (week id, Monday, Sunday) for the month's weeks, in order."""
    y, m = int(month[:4]), int(month[5:7])
    d, out = dt.date(y, m, 1), []
    while d.month == m:
        if d.isoweekday() == 4:
            out.append((week_id(d), d - 3 * ONE_DAY, d + 3 * ONE_DAY))
        d += ONE_DAY
    return out


def months_of(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y}-{m:02d}" <= last:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def binding_requires(binding: dict, monday: dt.date, sunday: dt.date) -> bool:
    """§4: a (JPC, department) binding requires a week when it is active on any day of it."""
    return binding["valid_from"] <= sunday and (binding["valid_to"] is None or binding["valid_to"] >= monday)


def pair_weeks(city: City, months: list[str], exempt_weeks: list[str]) -> dict[tuple[str, str], dict]:
    """Per (dept, JPC): the required (non-exempt) weeks and the visits in the months' weeks."""
    bindings = city.department_bindings()
    pairs: dict[tuple[str, str], dict] = {}

    def pair(dept, jpc):
        return pairs.setdefault((dept, jpc), {"required": set(), "visits": {}, "missed": []})

    weeks = [w for m in months for w in month_weeks(m)]
    for wid, monday, sunday in weeks:
        for b in bindings:
            if binding_requires(b, monday, sunday) and wid not in exempt_weeks:   # exempt weeks: a setting
                pair(b["dept_id"], b["jpc_id"])["required"].add(wid)
        for v in city["visits"]:
            if monday <= v["visit_date"] <= sunday:
                pair(v["dept_id"], v["jpc_id"])["visits"].setdefault(wid, []).append(v)
    return pairs


def visit_rows(city: City, month: str, exempt_weeks: list[str]) -> list[dict]:
    """§4: per (department, JPC) for the month: required and covered weeks, compliance = covered / required,
    visits, visits led by the city leader, problems raised and solved, missed weeks."""
    out = []
    for (dept, jpc), p in sorted(pair_weeks(city, [month], exempt_weeks).items()):
        covered = {w for w in p["required"] if p["visits"].get(w)}   # §4: at least one visit in the week
        visits = [v for vs in p["visits"].values() for v in vs]
        out.append({
            "dept_id": dept, "jpc_id": jpc,
            "required_weeks": len(p["required"]), "covered_weeks": len(covered),
            "visit_compliance": None if not p["required"] else Fraction(len(covered), len(p["required"])),
            "visits": len(visits),
            "leader_led_visits": sum(1 for v in visits if v["led_by_city_leader"]),
            "problems_raised": sum(v["problems_raised"] or 0 for v in visits),
            "problems_solved": sum(v["problems_solved"] or 0 for v in visits),
            "missed_weeks": sorted(p["required"] - covered),
        })
    return out


def department_compliance(city: City, months: list[str], exempt_weeks: list[str]) -> dict[str, Fraction | None]:
    """§4/§7: a department's visit compliance over a period = covered / required weeks, summed over its bindings."""
    req: dict[str, int] = {}
    cov: dict[str, int] = {}
    for (dept, _jpc), p in pair_weeks(city, months, exempt_weeks).items():
        req[dept] = req.get(dept, 0) + len(p["required"])
        cov[dept] = cov.get(dept, 0) + sum(1 for w in p["required"] if p["visits"].get(w))
    return {d: (Fraction(cov[d], req[d]) if req[d] else None) for d in req}


def department_rows(rows: list[dict]) -> list[dict]:
    """§4 per department: its bindings' required and covered weeks, visits and problems summed; compliance =
    covered / required of the sums (not the mean of its bindings' rates); lowest compliance first, none last."""
    by_dept: dict[str, dict] = {}
    for v in rows:
        d = by_dept.setdefault(v["dept_id"], {"dept_id": v["dept_id"], "bindings": 0, "required_weeks": 0,
                                              "covered_weeks": 0,
                                              "visits": 0, "leader_led_visits": 0, "problems_raised": 0,
                                              "problems_solved": 0})
        d["bindings"] += 1
        for f in ("required_weeks", "covered_weeks", "visits", "leader_led_visits", "problems_raised",
                  "problems_solved"):
            d[f] += v[f]
    out = []
    for d in by_dept.values():
        rate = Fraction(d["covered_weeks"], d["required_weeks"]) if d["required_weeks"] else None
        out.append({**d, "missed": d["required_weeks"] - d["covered_weeks"], "visit_compliance": rate})
    return sorted(out, key=lambda d: (d["visit_compliance"] is None, d["visit_compliance"] or 0, d["dept_id"]))


def city_totals(rows: list[dict]) -> dict:
    """§4 for the whole city: every binding's weeks summed, compliance of the sums, departments at 100 %."""
    depts = department_rows(rows)
    t = {f: sum(v[f] for v in rows) for f in ("required_weeks", "covered_weeks", "visits", "leader_led_visits",
                                               "problems_raised", "problems_solved")}
    return {"departments": len(depts), "bindings": len(rows), **t,
            "visit_compliance": Fraction(t["covered_weeks"], t["required_weeks"]) if t["required_weeks"] else None,
            "departments_full": sum(1 for d in depts if d["visit_compliance"] == 1)}
