"""Look-ups for pickers and labels (names by id, the months with data, one event's classification)."""
from __future__ import annotations

import polars as pl

from govdash.core.labels import code_text_mapping
from govdash.core.periods import plausible_window
from govdash.core.settings import load_settings
from govdash.figures.negative_lists import reference_list
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql


def departments(con) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("lookup_departments"))


def communities(con) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("lookup_communities"))


def jpcs(con) -> pl.DataFrame:
    """JPC names by id (a page names a JPC, never only its code)."""
    return fetch_frame(con, metric_sql("reference_jpc_names"))


def categories(con) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("lookup_categories"))


def months_with_data(con) -> pl.DataFrame:
    """The months with whistle events inside the plausible window (settings [plausibility], as of now)."""
    first, last = plausible_window(load_settings())
    return fetch_frame(con, metric_sql("lookup_months"), {"first": first, "last": last})


def event_header(con, event_id: str) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("event_header"), {"event_id": event_id})


def code_text_labels(con, years) -> dict[str, str]:
    """The whole city's codes with the labels a reader needs in free text (govdash.core.labels.code_text_mapping):
    what the assessment's deduction reasons and their workbook are written with."""
    names = {}
    for frame, code, name in ((departments(con), "dept_id", "dept_name"), (jpcs(con), "jpc_id", "jpc_name"),
                              (communities(con), "community_id", "community_name")):
        names.update(zip(frame[code], frame[name]))
    clauses = reference_list(con, "integrity_clause")
    return code_text_mapping(names, dict(zip(clauses["item_id"], clauses["item_name"])), years)
