"""SPEC §6 — the five-level two-way escalation funnel (Binzhou 004, 5.2)."""
from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

from tests.reference.inputs import City
from tests.reference.whistle import ratio

OUTCOMES = ("resolved", "escalated", "withdrawn", "open")


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between order statistics at position (n − 1)·q (Hyndman–Fan type 7: DuckDB's
    quantile_cont, numpy's default). None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def level_rows(city: City, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> list[dict]:
    """§6: the (appeal, level) rows of appeals raised in [start, end) as they stood at the cut-off: a level
    entered after it does not exist yet; a level left after it is still open."""
    appeals = {a["appeal_id"]: a for a in city["appeals"] if start <= a["raised_at"] < end and a["raised_at"] <= as_of}
    out = []
    for r in city["appeal_log"]:
        a = appeals.get(r["appeal_id"])
        if a is None or r["entered_at"] > as_of:
            continue
        left = r["exited_at"] is not None and r["exited_at"] <= as_of and r["outcome"] != "open"
        out.append({
            "appeal_id": r["appeal_id"], "community_id": a["community_id"], "category": a["category"],
            "level": r["level"], "outcome": r["outcome"] if left else "open",
            "dwell_hours": (r["exited_at"] - r["entered_at"]).total_seconds() / 3600 if left else None,
        })
    return out


def funnel_levels(rows: list[dict]) -> list[dict]:
    """§6: entered(k) (appeals that reached level k), resolved(k), escalated(k → k+1), withdrawn(k), open(k);
    conversion k → k+1 = escalated(k) / entered(k); median and 90th-percentile dwell per level."""
    out = []
    for k in range(1, 6):
        at = [r for r in rows if r["level"] == k]
        counts = {o: sum(1 for r in at if r["outcome"] == o) for o in OUTCOMES}
        dwell = [r["dwell_hours"] for r in at if r["dwell_hours"] is not None]
        out.append({
            "level": k, "entered": len(at), **counts,
            "conversion": None if k == 5 else ratio(counts["escalated"], len(at)),
            "median_dwell_hours": quantile(dwell, 0.5), "p90_dwell_hours": quantile(dwell, 0.9),
        })
    return out


def community_resolution_share(levels: list[dict]) -> Fraction | None:
    """§6: resolved at levels ≤ 3 / all resolved (004 4.3 g)."""
    return ratio(sum(lv["resolved"] for lv in levels if lv["level"] <= 3), sum(lv["resolved"] for lv in levels))


def funnel_section(city: City, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> dict:
    rows = level_rows(city, start, end, as_of)
    city_levels = funnel_levels(rows)
    out = {"levels": city_levels, "community_resolution_share": community_resolution_share(city_levels)}
    for kind, key in (("by_community", "community_id"), ("by_category", "category")):
        groups = sorted({r[key] for r in rows}, key=lambda v: (v is None, v or ""))
        out[kind] = []
        for value in groups:
            lv = funnel_levels([r for r in rows if r[key] == value])
            out[kind].append({key: value, "levels": lv, "community_resolution_share": community_resolution_share(lv)})
    return out
