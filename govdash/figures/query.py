"""What the figures of every domain share: the bind parameters of the assignment queries (the SLA settings, stored
facts or live), where a cut-off's facts come from, the month and period parameters, and the rates' rounding."""
from __future__ import annotations

import datetime as dt

import polars as pl

from govdash.core.periods import month_bounds, parse_as_of
from govdash.core.settings import load_settings
from warehouse.sql_files import metric_sql

WHISTLE_VARIABLES = ("offsite_response_hours", "onsite_response_hours", "offsite_closure_working_days",
                     "onsite_closure_working_days", "difficult_closure_working_days")
RATE_COLUMNS = ("handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate")


# (connection, cut-off): every assignment query asks with both, the seam the past-cut-off tests and the benchmark
# replace to compute everything live; the parameters themselves depend on neither today
def assignment_params(_con, _as_of: dt.datetime, settings: dict | None = None) -> dict:
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


def round_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """The rate columns of a frame as floats rounded to four places (what every figure returns)."""
    return frame.with_columns([pl.col(c).cast(pl.Float64).round(4) for c in RATE_COLUMNS if c in frame.columns])


def month_params(month: str) -> dict:
    """`month_start` and `month_end` of a month ("YYYY-MM"; anything else is refused)."""
    start, end = month_bounds(month)
    return {"month_start": start, "month_end": end}


def period_params(date_from: dt.datetime, date_to: dt.datetime, as_of: dt.datetime) -> dict:
    return {"as_of": as_of, "date_from": date_from, "date_to": date_to}
