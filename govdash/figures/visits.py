"""Visits (联系捆绑走访, SPEC §4): compliance per binding and per department over the ISO weeks a month owns, the
city's totals, the visits behind them, the city leaders' visits and the weeks a department missed."""
from __future__ import annotations

import polars as pl

from govdash.core.periods import month_bounds
from govdash.core.settings import load_settings
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql


def exempt_weeks() -> list[str]:
    """The ISO weeks not required for visits (setting [visits] exempt_weeks)."""
    return [str(w) for w in load_settings()["visits"]["exempt_weeks"]]


def visit_table(con, month: str) -> pl.DataFrame:
    """Visit compliance per (department, JPC) binding for the month's ISO weeks."""
    month_bounds(month)  # validates the month
    return fetch_frame(con, metric_sql("visit_compliance"), {"month": month, "exempt_weeks": exempt_weeks()})


def visit_departments(con, month: str) -> pl.DataFrame:
    """Compliance per department: covered / required weeks summed over its bindings, divided in SQL by the
    rate's one definition (warehouse/macros/visit_rates.sql); lowest compliance first."""
    month_bounds(month)
    return fetch_frame(con, metric_sql("visit_departments"), {"month": month, "exempt_weeks": exempt_weeks()})


def visit_totals(con, month: str, dept_ids: tuple | list | str = ()) -> dict:
    """The month's visit totals over the city, or over the departments in `dept_ids` (empty: all): weeks,
    visits and problems summed, compliance by its one definition, departments at 100 % (visit_totals.sql)."""
    month_bounds(month)
    ids = [dept_ids] if isinstance(dept_ids, str) else list(dept_ids)
    return fetch_frame(con, metric_sql("visit_totals"),
                       {"month": month, "exempt_weeks": exempt_weeks(), "dept_ids": ids}).row(0, named=True)


def visit_rows(visits: pl.DataFrame) -> list[dict]:
    """The bulletin's visit rows (JSON-ready: the missed weeks as a list)."""
    fields = ("dept_id", "jpc_id", "required_weeks", "covered_weeks", "visit_compliance", "visits",
              "leader_led_visits", "problems_raised", "problems_solved", "missed_weeks")
    return [{k: (list(r[k]) if k == "missed_weeks" else r[k]) for k in fields} for r in visits.iter_rows(named=True)]


def binding_weeks_for_year(con, year: int) -> pl.DataFrame:
    """fct_binding_weeks rows of a year's months, with the exempt-week setting applied."""
    return fetch_frame(con, metric_sql("binding_weeks_year"), {"year": str(year), "exempt_weeks": exempt_weeks()})


def visit_records(con, month: str, dept_id: str | None = None, jpc_id: str | None = None) -> pl.DataFrame:
    """The visits behind a month's figures (visits in the ISO weeks the month owns)."""
    return fetch_frame(con, metric_sql("visit_records"), {"month": month, "dept_id": dept_id, "jpc_id": jpc_id})


def leader_visits(con, month: str) -> pl.DataFrame:
    """Per JPC: its contact city leader(s) during the month and the visits they led."""
    return fetch_frame(con, metric_sql("leader_visits"), {"month": month})


def missed_visit_weeks(con, dept_id: str, month_from: str, month_to: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("missed_visit_weeks"), {"dept_id": dept_id, "month_from": month_from,
                                                              "month_to": month_to, "exempt_weeks": exempt_weeks()})
