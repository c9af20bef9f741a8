"""Five-level two-way escalation (五级双向, SPEC §6): the appeals' funnel over the five levels, the appeals behind a
cell and their trail, the community-level resolution share, push-up and the whistle ladder, the tasks sent down,
the dwell times, and each appeal counted once by its outcome at the cut-off."""
from __future__ import annotations

import datetime as dt

import polars as pl

from govdash.core.settings import load_settings
from govdash.figures.query import period_params
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql

_OUTCOME_COUNTS = ("appeals", "resolved", "withdrawn", "open", "in_transit")


def appeal_funnel(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> pl.DataFrame:
    """Funnel rows for the city, every community and every category (grouping_kind says which)."""
    return fetch_frame(con, metric_sql("appeal_funnel"), period_params(date_from, date_to, as_of))


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
        groups[kind] = [{key: value, "levels": funnel_levels(g),
                         "community_resolution_share": community_resolution_share(g)}
                        for (value,), g in part.group_by(key, maintain_order=True)]
    return {"levels": funnel_levels(city), "community_resolution_share": community_resolution_share(city),
            "by_community": groups["community"], "by_category": groups["category"]}


def appeal_records(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime,
                   level: int | None = None, outcome: str | None = None,
                   community_id: str | None = None) -> pl.DataFrame:
    """The appeals behind a funnel cell: one row per (appeal, level) matching the filters."""
    return fetch_frame(con, metric_sql("appeal_records"), {**period_params(date_from, date_to, as_of), "level": level,
                                                           "outcome": outcome, "community_id": community_id})


def appeal_trail(con, appeal_id: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("appeal_trail"), {"appeal_id": appeal_id})


def appeal_resolution_by_month(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("appeal_resolution_by_month"), period_params(date_from, date_to, as_of))


def community_push_up(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("community_push_up"), period_params(date_from, date_to, as_of))


def whistle_ladder(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("whistle_ladder"), period_params(date_from, date_to, as_of))


def task_flow(con, date_from, date_to) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("task_flow"), {"date_from": date_from, "date_to": date_to})


def appeal_dwell_times(con, date_from, date_to, as_of) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("appeal_dwell_times"), period_params(date_from, date_to, as_of))


def appeal_outcomes(con, date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> dict:
    """Each appeal raised in the period counted once, by where it stands at the cut-off (its outcome at the
    highest level it reached): {"city": counts, "by_category": {category: counts}} with
    appeals = resolved + withdrawn + open + in_transit (the page's counts add up)."""
    rows = fetch_frame(con, metric_sql("appeal_outcomes"), period_params(date_from, date_to, as_of))
    zero = dict.fromkeys(_OUTCOME_COUNTS, 0)
    city, by_category = dict(zero), {}
    for r in rows.iter_rows(named=True):
        counts = {k: int(r[k] or 0) for k in _OUTCOME_COUNTS}
        if r["grouping_kind"] == "city":
            city = counts
        else:
            by_category[r["category"]] = counts
    return {"city": city, "by_category": by_category}
