"""Negative lists (SPEC §5): the JPCs' weekly negative reports (on time, late, missing, pending at the cut-off; items
by Appendix E clause), the assessment negative list's rule (4.1.1.1), the burden records and the reference lists."""
from __future__ import annotations

import datetime as dt
import math

import polars as pl

from govdash.core.formatting import pct
from govdash.core.periods import month_bounds, parse_as_of
from govdash.core.settings import load_settings
from govdash.figures import exemptions
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql

NEGATIVE_LIST_RATES = (("handling_rate", "处置率"), ("closure_rate", "办结率"))


def _due_params() -> dict:
    nr = load_settings()["negative_reports"]
    return {"due_days": int(nr["due_weekday"]), "due_time": str(nr["due_time"])}


def negative_report_weeks(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    """One row per (JPC, ISO week of the month): on_time / late / missing / pending at the cut-off."""
    month_bounds(month)
    return fetch_frame(con, metric_sql("negative_report_weeks"), {"month": month, "as_of": as_of, **_due_params()})


def negative_report_items(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    month_bounds(month)
    return fetch_frame(con, metric_sql("negative_report_items"), {"month": month, "as_of": as_of})


def negative_report_summary(con, month: str, as_of: dt.datetime) -> list[dict]:
    """Per JPC: weeks required, on time, late, missing, pending; items by clause; the on-time rate and the
    rectified share as computed in SQL by their one definition (warehouse/macros/negative_report_rates.sql)."""
    month_bounds(month)
    jpcs = fetch_frame(con, metric_sql("negative_report_jpcs"), {"month": month, "as_of": as_of, **_due_params()})
    items = negative_report_items(con, month, as_of)
    by_clause: dict[str, dict] = {}
    for r in items.iter_rows(named=True):
        by_clause.setdefault(r["jpc_id"], {})[r["clause_code"]] = int(r["items"])
    out = []
    for r in jpcs.iter_rows(named=True):
        clauses = by_clause.get(r["jpc_id"], {})
        out.append({
            "jpc_id": r["jpc_id"],
            "weeks_required": r["weeks_required"],
            "on_time": r["on_time"], "late": r["late"], "missing": r["missing"], "pending": r["pending"],
            "on_time_rate": r["on_time_rate"],
            "missing_weeks": list(r["missing_weeks"]), "late_weeks": list(r["late_weeks"]),
            "items": r["items"],
            "rectified_items": r["rectified_items"],
            "items_by_clause": dict(sorted(clauses.items(), key=lambda kv: _clause_order(kv[0]))),
            "rectified_share": r["rectified_share"],
        })
    return out


def negative_report_totals(con, month: str, as_of: dt.datetime, jpc_ids: tuple | list | None = None) -> dict:
    """The month's weekly negative reports over the whole city (`jpc_ids` None) or the JPCs given: weeks and
    items summed, the on-time rate and the rectified share by their one definition (negative_report_totals.sql)."""
    month_bounds(month)
    return fetch_frame(con, metric_sql("negative_report_totals"),
                       {"month": month, "as_of": as_of, **_due_params(),
                        "jpc_ids": None if jpc_ids is None else list(jpc_ids)}).row(0, named=True)


def negative_report_clauses(con, month: str, as_of: dt.datetime, jpc_ids: tuple | list | None = None) -> pl.DataFrame:
    """Items per Appendix E clause over every JPC (`jpc_ids` None) or the JPCs given, with the rectified share
    by its one definition (negative_report_clauses.sql)."""
    month_bounds(month)
    return fetch_frame(con, metric_sql("negative_report_clauses"),
                       {"month": month, "as_of": as_of, "jpc_ids": None if jpc_ids is None else list(jpc_ids)})


def _clause_order(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in code.replace("E.", "").split("."))


def negative_report_year(con, year: int, as_of: dt.datetime) -> pl.DataFrame:
    """The weekly submission grid for every month of a year (one metric call per month)."""
    frames = [negative_report_weeks(con, f"{year}-{m:02d}",
                                    as_of).with_columns(pl.lit(f"{year}-{m:02d}").alias("month"))
              for m in range(1, 13)]
    return pl.concat(frames)


def negative_report_lines(con, month: str, as_of: dt.datetime, jpc_id: str | None = None) -> pl.DataFrame:
    """The report lines behind the month's negative-report figures."""
    return fetch_frame(con, metric_sql("negative_report_lines"), {"month": month, "as_of": as_of, "jpc_id": jpc_id})


def negative_list_reasons(row: dict, threshold: float) -> list[str]:
    """The assessment negative list's rule (4.1.1.1), once: each of the row's handling and closure rates below
    the threshold, as a Chinese reason; empty when the department is not on the list (a null rate is not below)."""
    return [f"{word} {pct(row[key])} 低于 {threshold * 100:g}%" for key, word in NEGATIVE_LIST_RATES
            if row.get(key) is not None and row[key] < threshold]


# the count each rate of the rule divides by the year's dispatched assignments (warehouse/metrics/whistle/ytd_rates.sql)
NEGATIVE_LIST_COUNTS = {"handling_rate": "handled", "closure_rate": "closed"}


def needed_off_the_list(row: dict, threshold: float) -> list[dict]:
    """What it takes a department to leave the assessment negative list (4.1.1.1) from its year-to-date row
    (year_to_date_departments): for each rate below the threshold, how many more of the year's assignments
    dispatched so far must still be handled / closed (a late closure counts, as the rule counts closures) and how
    many are still open to do it with; `possible` is False when the open ones are too few. Rates at or above the
    threshold, and null ones, are not listed."""
    out = []
    dispatched = row["dispatched"] or 0
    for key, word in NEGATIVE_LIST_RATES:
        rate = row.get(key)
        if rate is None or rate >= threshold:
            continue
        done = row[NEGATIVE_LIST_COUNTS[key]]
        # the smallest count whose rate is not below the threshold (a hair under for float noise: 0.9 * 10 = 9)
        need = max(0, math.ceil(threshold * dispatched - 1e-9) - done)
        remaining = dispatched - done
        out.append({"rate": key, "word": word, "value": rate, "need": need, "remaining": remaining,
                    "possible": need <= remaining})
    return out


def assessment_negative_list(ytd: pl.DataFrame, threshold: float) -> list[dict]:
    """4.1.1.1: departments whose year-to-date handling or closure rate is below the threshold."""
    out = []
    for r in ytd.sort("dept_id").iter_rows(named=True):
        if reasons := negative_list_reasons(r, threshold):
            out.append({"dept_id": r["dept_id"], "dept_name": r["dept_name"], "dispatched": r["dispatched"],
                        "handling_rate": r["handling_rate"], "closure_rate": r["closure_rate"],
                        "reasons": reasons})
    return out


def burden_records(con, dept_id: str, date_from: dt.datetime, date_to: dt.datetime,
                   as_of: str | dt.datetime | None = None) -> pl.DataFrame:
    """The tasks behind a department's burden negative-list entries, as of a cut-off (default: now): an entry an
    approved dispute removed by then is not listed (SPEC §9.4)."""
    cutoff = parse_as_of(as_of)
    with exemptions.in_force(con, cutoff):
        return fetch_frame(con, metric_sql("burden_records"), {"dept_id": dept_id, "date_from": date_from,
                                                               "date_to": date_to, "as_of": cutoff})


def reference_list(con, list_id: str) -> pl.DataFrame:
    """One reference list (admission App. B, certificates App. C, integrity clauses App. E, the burden items)."""
    return fetch_frame(con, metric_sql("reference_list"), {"list_id": list_id})
