"""Figures: named SQL metric queries run with bind parameters, shaped for pages and reports."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import polars as pl

from govdash.core.periods import month_bounds, months_between, parse_as_of, previous_month  # noqa: F401
from govdash.core.scoring import load_scoring
from govdash.core.settings import load_settings
from warehouse.sql_files import metric_sql
from warehouse.db import fetch_frame

WHISTLE_VARIABLES = ("offsite_response_hours", "onsite_response_hours", "offsite_closure_working_days",
                     "onsite_closure_working_days", "difficult_closure_working_days")
RATE_COLUMNS = ("handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate")
COUNT_COLUMNS = ("dispatched", "handled", "handled_in_time", "closed_on_time", "closed_late", "open_overdue",
                 "open_in_time", "satisfied", "rated", "returned", "escalated")
DEPARTMENT_FIELDS = ("dept_id", "dept_name", "dispatched", "handled", "handling_rate", "timely_handling_rate",
                     "closed_on_time", "closed_late", "open_overdue", "open_in_time", "closure_rate",
                     "on_time_closure_rate", "satisfaction_rate", "returned", "escalated", "rank")


def assignment_params(con, as_of: dt.datetime, settings: dict | None = None) -> dict:
    """The bind parameters every assignment query takes besides its period: `sla`, the SLA settings as one
    struct (warehouse/macros/assignments_as_of.sql reads it), and `use_stored` (true): the facts the build
    stored for every event whose log ends by the cut-off, computed live only for the events with a log row
    after it (warehouse/macros/assignment_facts_at.sql; false computes everything live, the reference the
    equality tests compare against). No value is ever formatted into the SQL text."""
    whistle = (settings or load_settings())["whistle"]
    return {"sla": {name: float(whistle[name]) for name in WHISTLE_VARIABLES}, "use_stored": True}


def assignment_source(con, as_of: dt.datetime) -> str:
    """Where a cut-off's assignment facts come from: "stored" when no log row is after the cut-off (every event's
    facts are the stored ones), "stored+live" otherwise (the events with a log row after it computed live)."""
    last = con.execute(metric_sql("data_end")).fetchall()[0][0]
    return "stored" if last is None or parse_as_of(as_of) >= last else "stored+live"


def _round_rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns([pl.col(c).cast(pl.Float64).round(4) for c in RATE_COLUMNS if c in frame.columns])


@contextmanager
def period_assignments(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime):
    """The assignments dispatched in [date_from, date_to) as of the cut-off (assignments_as_of), computed once
    into the connection's temp table `period_assignments`, which the bulletin's department table, overdue list
    and the month's part of the year-to-date counts read (warehouse/metrics/bulletin_*.sql,
    department_ytd_rates.sql). Temp tables belong to the connection (a cursor is one), so readers never share it."""
    con.execute(metric_sql("period_assignments_create"),
                {"as_of": as_of, "date_from": date_from, "date_to": date_to, **assignment_params(con, as_of)})
    try:
        yield
    finally:
        con.execute(metric_sql("period_assignments_drop"))


def _month_params(month: str) -> dict:
    start, end = month_bounds(month)
    return {"month_start": start, "month_end": end}


def period_department_rows(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    """The department table over the month's part of period_assignments."""
    return _round_rates(fetch_frame(con, metric_sql("bulletin_departments"), _month_params(month)))


def period_overdue_rows(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("bulletin_overdue"), _month_params(month))


def department_table(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    start, end = month_bounds(month)
    with period_assignments(con, start, end, as_of):
        return period_department_rows(con, month, as_of)


def overdue_table(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    start, end = month_bounds(month)
    with period_assignments(con, start, end, as_of):
        return period_overdue_rows(con, month, as_of)


def assignments(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("assignments"),
                       {"as_of": as_of, "date_from": date_from, "date_to": date_to, **assignment_params(con, as_of)})


def event_assignments(con, event_id: str, as_of: dt.datetime) -> pl.DataFrame:
    """Every assignment of one event at the cut-off, with deadlines, status and working days overdue (the case view)."""
    return fetch_frame(con, metric_sql("event_assignments"), {"event_id": event_id, "as_of": as_of, **assignment_params(con, as_of)})


def event_timeline(con, event_id: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("event_timeline"), {"event_id": event_id})


def city_totals(con, departments: pl.DataFrame) -> dict:
    """Whole-city counts and rates: the department rows summed, the rates by their one definition
    (warehouse/macros/whistle_rates.sql), in warehouse/metrics/city_totals.sql."""
    con.register("department_rows", departments.select(COUNT_COLUMNS))
    try:
        row = _round_rates(con.sql(metric_sql("city_totals")).pl()).row(0, named=True)
    finally:
        con.unregister("department_rows")
    return {k: (int(v) if k in COUNT_COLUMNS else v) for k, v in row.items()}


# ---------------------------------------------------------------- visits and negative lists (SPEC §4–§5)

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


def year_to_date_departments(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Handling and closure rates over January to the end of `month` (for the assessment negative list)."""
    start, end = month_bounds(month)
    with period_assignments(con, start, end, as_of):
        return period_year_to_date_rows(con, month, as_of)


def period_year_to_date_rows(con, month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Year-to-date counts per department — the month's from period_assignments (which must hold the month),
    the earlier months' from the assignment facts — then the rates by their one definition."""
    start, end = month_bounds(month)
    counts = fetch_frame(con, metric_sql("department_ytd_rates"),
                         {"as_of": as_of, "year_start": start.replace(month=1), "month_start": start, "month_end": end,
                          "use_stored": assignment_params(con, as_of)["use_stored"]})
    con.register("ytd_counts", counts)
    try:
        return con.sql(metric_sql("ytd_rates")).pl()
    finally:
        con.unregister("ytd_counts")


NEGATIVE_LIST_RATES = (("handling_rate", "处置率"), ("closure_rate", "办结率"))


def negative_list_reasons(row: dict, threshold: float) -> list[str]:
    """The assessment negative list's rule (4.1.1.1), once: each of the row's handling and closure rates below
    the threshold, as a Chinese reason; empty when the department is not on the list (a null rate is not below)."""
    from govdash.core.formatting import pct

    return [f"{word} {pct(row[key])} 低于 {threshold * 100:g}%" for key, word in NEGATIVE_LIST_RATES
            if row.get(key) is not None and row[key] < threshold]


def assessment_negative_list(ytd: pl.DataFrame, threshold: float) -> list[dict]:
    """4.1.1.1: departments whose year-to-date handling or closure rate is below the threshold."""
    out = []
    for r in ytd.sort("dept_id").iter_rows(named=True):
        if reasons := negative_list_reasons(r, threshold):
            out.append({"dept_id": r["dept_id"], "dept_name": r["dept_name"], "dispatched": r["dispatched"],
                        "handling_rate": r["handling_rate"], "closure_rate": r["closure_rate"],
                        "reasons": reasons})
    return out


def burden_records(con, dept_id: str, date_from: dt.datetime, date_to: dt.datetime) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("burden_records"), {"dept_id": dept_id, "date_from": date_from, "date_to": date_to})


def visit_rows(visits: pl.DataFrame) -> list[dict]:
    fields = ("dept_id", "jpc_id", "required_weeks", "covered_weeks", "visit_compliance", "visits",
              "leader_led_visits", "problems_raised", "problems_solved", "missed_weeks")
    return [{k: (list(r[k]) if k == "missed_weeks" else r[k]) for k in fields} for r in visits.iter_rows(named=True)]


def honour_lists(departments: list[dict], size: int, threshold: float) -> dict:
    """红榜/黑榜 and the below-threshold list as department ids, from the city's ranked rows (SPEC §3):
    the red list is the first `size` departments with a rate, the black list the last `size` (worst first),
    empty while no more than `size` departments have a rate; below threshold: handling or closure rate under it."""
    ranked = [d["dept_id"] for d in departments if d["on_time_closure_rate"] is not None]
    red = ranked[:size]
    black = list(reversed(ranked[-size:])) if len(ranked) > size else []
    below = [d["dept_id"] for d in departments if negative_list_reasons(d, threshold)]
    return {"red": red, "black": black, "below_threshold": below}


def reference_names(con) -> dict:
    """Names the Word and Excel bulletins print instead of ids: JPCs, communities and Appendix E clause texts."""
    jpcs = fetch_frame(con, metric_sql("reference_jpc_names"))
    clauses = fetch_frame(con, metric_sql("reference_clause_texts"))
    communities = fetch_frame(con, metric_sql("lookup_communities"))
    return {"jpc_names": dict(zip(jpcs["jpc_id"], jpcs["jpc_name"])),
            "clause_texts": dict(zip(clauses["item_id"], clauses["item_name"])),
            "community_names": dict(zip(communities["community_id"], communities["community_name"]))}




def whistle_rates(con, first_month: str, last_month: str, as_of: dt.datetime, dept_ids: tuple = (), community_ids: tuple = (),
                  categories: tuple = (), handling_mode: str | None = None, is_difficult: bool | None = None) -> pl.DataFrame:
    """Per month of dispatch: the bulletin's counts and rates over the assignments matching the filters
    (empty = all), summed and divided in SQL by the rates' one definition."""
    start, _ = month_bounds(first_month)
    _, end = month_bounds(last_month)
    params = {"as_of": as_of, "date_from": start, "date_to": end, "dept_ids": list(dept_ids),
              "community_ids": list(community_ids), "categories": list(categories), "handling_mode": handling_mode,
              "is_difficult": is_difficult, **assignment_params(con, as_of)}
    return _round_rates(fetch_frame(con, metric_sql("whistle_rates_by_month"), params))


def reopen_counts(con, first_month: str, last_month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Per department: its closures reopened by the JPCs in the months, as of the cut-off."""
    return fetch_frame(con, metric_sql("reopen_counts"), {"date_from": month_bounds(first_month)[0],
                                                          "date_to": month_bounds(last_month)[1], "as_of": as_of})


def monthly_rates(con, first_month: str, last_month: str, as_of: dt.datetime, dept_id: str | None = None) -> pl.DataFrame:
    """Per month: the bulletin's counts and rates for the city, or for one department."""
    return whistle_rates(con, first_month, last_month, as_of, (dept_id,) if dept_id else ())


def community_hotspots(con, month: str, limit: int = 10) -> pl.DataFrame:
    start, end = month_bounds(month)
    return fetch_frame(con, metric_sql("community_hotspots"), {"month_start": start, "month_end": end, "limit": limit})


def needed_to_reach(dispatched: int, achieved: int, threshold: float) -> int | None:
    """How many more of `dispatched` must be achieved for achieved/dispatched to reach the threshold."""
    if dispatched == 0:
        return None
    import math

    return max(0, math.ceil(threshold * dispatched - 1e-9) - achieved)


def binding_weeks_for_year(con, year: int) -> pl.DataFrame:
    """fct_binding_weeks rows of a year's months, with the exempt-week setting applied."""
    return fetch_frame(con, metric_sql("binding_weeks_year"), {"year": str(year), "exempt_weeks": exempt_weeks()})


def visit_records(con, month: str, dept_id: str | None = None, jpc_id: str | None = None) -> pl.DataFrame:
    """The visits behind a month's figures (visits in the ISO weeks the month owns)."""
    return fetch_frame(con, metric_sql("visit_records"), {"month": month, "dept_id": dept_id, "jpc_id": jpc_id})


def leader_visits(con, month: str) -> pl.DataFrame:
    """Per JPC: its contact city leader(s) during the month and the visits they led."""
    return fetch_frame(con, metric_sql("leader_visits"), {"month": month})


def negative_report_year(con, year: int, as_of: dt.datetime) -> pl.DataFrame:
    """The weekly submission grid for every month of a year (one metric call per month)."""
    frames = [negative_report_weeks(con, f"{year}-{m:02d}", as_of).with_columns(pl.lit(f"{year}-{m:02d}").alias("month"))
              for m in range(1, 13)]
    return pl.concat(frames)


def negative_report_lines(con, month: str, as_of: dt.datetime, jpc_id: str | None = None) -> pl.DataFrame:
    """The report lines behind the month's negative-report figures."""
    return fetch_frame(con, metric_sql("negative_report_lines"), {"month": month, "as_of": as_of, "jpc_id": jpc_id})


def reference_list(con, list_id: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("reference_list"), {"list_id": list_id})


# ---------------------------------------------------------------- five-level two-way escalation (SPEC §6)


def _period_params(date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> dict:
    return {"as_of": as_of, "date_from": date_from, "date_to": date_to}


def appeal_funnel(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> pl.DataFrame:
    """Funnel rows for the city, every community and every category (grouping_kind says which)."""
    return fetch_frame(con, metric_sql("appeal_funnel"), _period_params(date_from, date_to, as_of))


def level_labels() -> list[str]:
    labels = list(load_settings()["appeals"]["level_labels"])
    if len(labels) != 5:
        raise ValueError("设置 [appeals] level_labels 应有 5 个层级名称")
    return labels


def funnel_levels(rows: pl.DataFrame) -> list[dict]:
    """The five levels in order, zeros where no appeal reached a level; the conversion as computed in SQL by
    its one definition (warehouse/macros/appeal_rates.sql: null at level 5 and where nothing entered)."""
    labels = level_labels()
    by_level = {r["level"]: r for r in rows.iter_rows(named=True)}
    out = []
    for k in range(1, 6):
        r = by_level.get(k, {})
        out.append({
            "level": k, "label": labels[k - 1], "entered": int(r.get("entered", 0) or 0),
            "resolved": int(r.get("resolved", 0) or 0), "escalated": int(r.get("escalated", 0) or 0),
            "withdrawn": int(r.get("withdrawn", 0) or 0), "open": int(r.get("open", 0) or 0),
            "conversion": r.get("conversion"),
            "median_dwell_hours": r.get("median_dwell_hours"), "p90_dwell_hours": r.get("p90_dwell_hours"),
        })
    return out


def community_resolution_share(rows: pl.DataFrame) -> float | None:
    """A group's community-level resolution share as computed in SQL (appeal_funnel.sql: the same on each of
    the group's rows); a group without rows has none."""
    return rows["community_resolution_share"][0] if rows.height else None


def funnel_section(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> dict:
    """The bulletin's "funnel": city levels and community-level resolution share, plus per community and category."""
    rows = appeal_funnel(con, date_from, date_to, as_of)
    city = rows.filter(pl.col("grouping_kind") == "city")
    groups = {}
    for kind, key in (("community", "community_id"), ("category", "category")):
        part = rows.filter(pl.col("grouping_kind") == kind)
        groups[kind] = [{key: value, "levels": funnel_levels(g), "community_resolution_share": community_resolution_share(g)}
                        for (value,), g in part.group_by(key, maintain_order=True)]
    return {"levels": funnel_levels(city), "community_resolution_share": community_resolution_share(city),
            "by_community": groups["community"], "by_category": groups["category"]}


def appeal_records(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime,
                   level: int | None = None, outcome: str | None = None, community_id: str | None = None) -> pl.DataFrame:
    """The appeals behind a funnel cell: one row per (appeal, level) matching the filters."""
    return fetch_frame(con, metric_sql("appeal_records"), {**_period_params(date_from, date_to, as_of), "level": level, "outcome": outcome, "community_id": community_id})


def appeal_trail(con, appeal_id: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("appeal_trail"), {"appeal_id": appeal_id})


def appeal_resolution_by_month(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("appeal_resolution_by_month"), _period_params(date_from, date_to, as_of))


def community_push_up(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("community_push_up"), _period_params(date_from, date_to, as_of))


def whistle_ladder(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("whistle_ladder"), _period_params(date_from, date_to, as_of))


def task_flow(con, date_from, date_to) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("task_flow"), {"date_from": date_from, "date_to": date_to})


def appeal_dwell_times(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("appeal_dwell_times"), _period_params(date_from, date_to, as_of))


def missed_visit_weeks(con, dept_id: str, month_from: str, month_to: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("missed_visit_weeks"), {"dept_id": dept_id, "month_from": month_from,
                                                              "month_to": month_to, "exempt_weeks": exempt_weeks()})


def department_rank_history(con, first_month: str, last_month: str, as_of: dt.datetime) -> pl.DataFrame:
    """Per month and department: rank and on-time closure rate, with the city's rate beside them."""
    frames = []
    for m in months_between(first_month, last_month):
        d = department_table(con, m, as_of)
        city = city_totals(con, d)["on_time_closure_rate"] if d.height else None
        frames.append(d.select("dept_id", "rank", "on_time_closure_rate").with_columns(
            pl.lit(m).alias("month"), pl.lit(city, dtype=pl.Float64).alias("city_on_time_closure_rate")))
    return pl.concat(frames)


# ---------------------------------------------------------------- issue 13: figures that add up on the pages
# (five-level appeals by final outcome; every open case of a department at a cut-off)

_OUTCOME_COUNTS = ("appeals", "resolved", "withdrawn", "open", "in_transit")


def appeal_outcomes(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> dict:
    """Each appeal raised in the period counted once, by where it stands at the cut-off (its outcome at the
    highest level it reached): {"city": counts, "by_category": {category: counts}} with
    appeals = resolved + withdrawn + open + in_transit."""
    rows = fetch_frame(con, metric_sql("appeal_outcomes"), _period_params(date_from, date_to, as_of))
    zero = dict.fromkeys(_OUTCOME_COUNTS, 0)
    city, by_category = dict(zero), {}
    for r in rows.iter_rows(named=True):
        counts = {k: int(r[k] or 0) for k in _OUTCOME_COUNTS}
        if r["grouping_kind"] == "city":
            city = counts
        else:
            by_category[r["category"]] = counts
    return {"city": city, "by_category": by_category}


def department_open_cases(con, dept_id: str, as_of: dt.datetime) -> pl.DataFrame:
    """Every open assignment of a department at the cut-off, whatever its dispatch month, oldest deadline
    first; open_overdue rows carry working_days_overdue as the bulletin's overdue list counts it."""
    return fetch_frame(con, metric_sql("department_open_cases"),
                       {"as_of": as_of, "dept_id": dept_id, **assignment_params(con, as_of)})
