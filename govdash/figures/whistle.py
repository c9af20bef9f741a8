"""Whistles (社区吹哨、部门报到, SPEC §3): the assignments at a cut-off, the department table and its city totals,
the overdue list, the year-to-date rates, the red and black lists, the rates by month and a department's cases."""
from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager

import polars as pl

from govdash.core.periods import month_bounds, months_between
from govdash.figures import exemptions, query
from govdash.figures.negative_lists import negative_list_reasons
from govdash.figures.query import month_params, period_params, round_rates
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql

COUNT_COLUMNS = ("dispatched", "handled", "handled_in_time", "closed_on_time", "closed_late", "open_overdue",
                 "open_in_time", "satisfied", "rated", "returned", "escalated")
DEPARTMENT_FIELDS = ("dept_id", "dept_name", "dispatched", "handled", "handling_rate", "timely_handling_rate",
                     "closed_on_time", "closed_late", "open_overdue", "open_in_time", "closure_rate",
                     "on_time_closure_rate", "satisfaction_rate", "returned", "escalated", "rank")


@contextmanager
def period_assignments(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime):
    """The assignments dispatched in [date_from, date_to) as of the cut-off (assignments_as_of), computed once
    into the connection's temp table `period_assignments`, which the bulletin's department table, overdue list
    and the month's part of the year-to-date counts read (warehouse/metrics/bulletin_*.sql,
    department_ytd_rates.sql). Temp tables belong to the connection (a cursor is one), so readers never share it.
    The approved disputes in force at the cut-off stay registered while it exists (govdash.figures.exemptions)."""
    with exemptions.in_force(con, as_of):
        con.execute(metric_sql("period_assignments_create"),
                    {"as_of": as_of, "date_from": date_from, "date_to": date_to, **query.assignment_params(con, as_of)})
        try:
            yield
        finally:
            con.execute(metric_sql("period_assignments_drop"))


# the period readers take (connection, month, cut-off) alike; the cut-off is already in period_assignments
def period_department_rows(con, month: str, _as_of: dt.datetime) -> pl.DataFrame:
    """The department table over the month's part of period_assignments."""
    return round_rates(fetch_frame(con, metric_sql("bulletin_departments"), month_params(month)))


def period_overdue_rows(con, month: str, _as_of: dt.datetime) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("bulletin_overdue"), month_params(month))


def department_table(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    start, end = month_bounds(month)
    with period_assignments(con, start, end, as_of):
        return period_department_rows(con, month, as_of)


def overdue_table(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    start, end = month_bounds(month)
    with period_assignments(con, start, end, as_of):
        return period_overdue_rows(con, month, as_of)


def assignments(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> pl.DataFrame:
    with exemptions.in_force(con, as_of):
        return fetch_frame(con, metric_sql("assignments"),
                           {**period_params(date_from, date_to, as_of), **query.assignment_params(con, as_of)})


def event_assignments(con, event_id: str, as_of: dt.datetime) -> pl.DataFrame:
    """Every assignment of one event at the cut-off, with deadlines, status and working days overdue (the case view)."""
    with exemptions.in_force(con, as_of):
        return fetch_frame(con, metric_sql("event_assignments"),
                           {"event_id": event_id, "as_of": as_of, **query.assignment_params(con, as_of)})


def event_timeline(con, event_id: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("event_timeline"), {"event_id": event_id})


def city_totals(con, departments: pl.DataFrame) -> dict:
    """Whole-city counts and rates: the department rows summed, the rates by their one definition
    (warehouse/macros/whistle_rates.sql), in warehouse/metrics/city_totals.sql."""
    con.register("department_rows", departments.select(COUNT_COLUMNS))
    try:
        row = round_rates(con.sql(metric_sql("city_totals")).pl()).row(0, named=True)
    finally:
        con.unregister("department_rows")
    return {k: (int(v) if k in COUNT_COLUMNS else v) for k, v in row.items()}


def year_to_date_departments(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Handling and closure rates over January to the end of `month` (for the assessment negative list)."""
    start, end = month_bounds(month)
    with period_assignments(con, start, end, as_of):
        return period_year_to_date_rows(con, month, as_of)


def period_year_to_date_rows(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Year-to-date counts per department — the month's from period_assignments (which must hold the month),
    the earlier months' from the assignment facts — then the rates by their one definition."""
    start, end = month_bounds(month)
    with exemptions.in_force(con, as_of):
        counts = fetch_frame(con, metric_sql("department_ytd_rates"),
                             {"as_of": as_of, "year_start": start.replace(month=1), "month_start": start,
                              "month_end": end, "use_stored": query.assignment_params(con, as_of)["use_stored"]})
    con.register("ytd_counts", counts)
    try:
        return con.sql(metric_sql("ytd_rates")).pl()
    finally:
        con.unregister("ytd_counts")


def honour_lists(departments: list[dict], size: int, threshold: float) -> dict:
    """红榜/黑榜 and the below-threshold list as department ids, from the city's ranked rows (SPEC §3):
    the red list is the first `size` departments with a rate, the black list the last `size` (worst first),
    empty while no more than `size` departments have a rate; below threshold: handling or closure rate under it."""
    ranked = [d["dept_id"] for d in departments if d["on_time_closure_rate"] is not None]
    red = ranked[:size]
    black = list(reversed(ranked[-size:])) if len(ranked) > size else []
    below = [d["dept_id"] for d in departments if negative_list_reasons(d, threshold)]
    return {"red": red, "black": black, "below_threshold": below}


def whistle_rates(con, first_month: str, last_month: str, as_of: dt.datetime, dept_ids: tuple = (),
                  community_ids: tuple = (),
                  categories: tuple = (), handling_mode: str | None = None,
                  is_difficult: bool | None = None) -> pl.DataFrame:
    """Per month of dispatch: the bulletin's counts and rates over the assignments matching the filters
    (empty = all), summed and divided in SQL by the rates' one definition."""
    start, _ = month_bounds(first_month)
    _, end = month_bounds(last_month)
    params = {"as_of": as_of, "date_from": start, "date_to": end, "dept_ids": list(dept_ids),
              "community_ids": list(community_ids), "categories": list(categories), "handling_mode": handling_mode,
              "is_difficult": is_difficult, **query.assignment_params(con, as_of)}
    with exemptions.in_force(con, as_of):
        return round_rates(fetch_frame(con, metric_sql("whistle_rates_by_month"), params))


def reopen_counts(con, first_month: str, last_month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Per department: its closures reopened by the JPCs in the months, as of the cut-off."""
    return fetch_frame(con, metric_sql("reopen_counts"), {"date_from": month_bounds(first_month)[0],
                                                          "date_to": month_bounds(last_month)[1], "as_of": as_of})


def monthly_rates(con, first_month: str, last_month: str, as_of: dt.datetime,
                  dept_id: str | None = None) -> pl.DataFrame:
    """Per month: the bulletin's counts and rates for the city, or for one department."""
    return whistle_rates(con, first_month, last_month, as_of, (dept_id,) if dept_id else ())


def community_hotspots(con, month: str, limit: int = 10) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("community_hotspots"), {**month_params(month), "limit": limit})


def needed_to_reach(dispatched: int, achieved: int, threshold: float) -> int | None:
    """How many more of `dispatched` must be achieved for achieved/dispatched to reach the threshold."""
    if dispatched == 0:
        return None
    return max(0, math.ceil(threshold * dispatched - 1e-9) - achieved)


def department_rank_history(con, first_month: str, last_month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Per month and department: rank and on-time closure rate, with the city's rate beside them."""
    frames = []
    for m in months_between(first_month, last_month):
        d = department_table(con, m, as_of)
        city = city_totals(con, d)["on_time_closure_rate"] if d.height else None
        frames.append(d.select("dept_id", "rank", "on_time_closure_rate").with_columns(
            pl.lit(m).alias("month"), pl.lit(city, dtype=pl.Float64).alias("city_on_time_closure_rate")))
    return pl.concat(frames)


def department_open_cases(con, dept_id: str, as_of: dt.datetime) -> pl.DataFrame:
    """Every open assignment of a department at the cut-off, whatever its dispatch month, oldest deadline
    first; open_overdue rows carry working_days_overdue as the bulletin's overdue list counts it."""
    with exemptions.in_force(con, as_of):
        return fetch_frame(con, metric_sql("department_open_cases"),
                           {"as_of": as_of, "dept_id": dept_id, **query.assignment_params(con, as_of)})
