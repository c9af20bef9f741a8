"""The default cut-off of a period (settings [cutoff]), once for the bulletin, the assessment, the CLI,
the pages and the documents: the end of the Nth working day after the period ends on the working-day
calendar (dim_calendar: calendar overrides, else the official schedule with its make-up working days and
holidays, else Mon–Fri). Figures judged before that moment are 初步 (provisional); a cut-off later than
the last loaded data is flagged with a note ("数据截至 …")."""
from __future__ import annotations

import datetime as dt

from govdash.core.periods import moment_label, month_bounds, parse_as_of
from govdash.core.settings import load_settings
from warehouse.sql_files import metric_sql


def cutoff_rule(settings: dict | None = None) -> tuple[int, dt.time]:
    """(working days after the period, time of day) from [cutoff]; checked, a wrong value is one Chinese line."""
    c = (settings or load_settings()).get("cutoff", {})
    n = c.get("working_days_after_period", 5)
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 60:
        raise ValueError(f"设置 [cutoff] working_days_after_period 应为 0 到 60 之间的整数，当前为 {n}")
    text = str(c.get("time_of_day", "23:59:59"))
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return n, dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(f"设置 [cutoff] time_of_day 应为 HH:MM:SS，当前为“{text}”")


def rule_cutoff(con, period_end: dt.datetime, settings: dict | None = None) -> dt.datetime:
    """The period's cut-off moment by the rule (not capped at now); `period_end` is the period's exclusive
    end (the first moment after it, e.g. 2024-11-01 00:00 for October 2024)."""
    n, at = cutoff_rule(settings)
    return dt.datetime.combine(working_day_after(con, (period_end - dt.timedelta(days=1)).date(), n), at)


def working_day_after(con, day: dt.date, n: int) -> dt.date:
    """The n-th working day strictly after `day` on the working-day calendar (dim_calendar: make-up working days
    count, holidays do not); beyond the calendar the warehouse holds, the provisional Mon–Fri reading."""
    rows = con.execute(metric_sql("default_cutoff_day"), {"period_last_day": day, "working_days": n}).fetchall()
    found = rows[0][0] if rows else None
    if found is None:
        found, counted = day, 0
        while counted < n:
            found += dt.timedelta(days=1)
            counted += found.isoweekday() <= 5
    return found


def now() -> dt.datetime:
    return parse_as_of(None)


def default_cutoff(final_cutoff: dt.datetime | None, at: dt.datetime | None = None) -> dt.datetime:
    """The cut-off a report takes when none is given, for the CLI, publishing and the pages alike: the period's
    final cut-off by the rule, or now (`at`, else the clock) while that moment is still ahead or unknown (no
    warehouse yet)."""
    current = now() if at is None else at
    return current if final_cutoff is None or final_cutoff > current else final_cutoff


def period_default_cutoff(con, period_end: dt.datetime, settings: dict | None = None) -> dt.datetime:
    """The default cut-off of the period ending at `period_end` (exclusive), by the rule of [cutoff]."""
    return default_cutoff(rule_cutoff(con, period_end, settings))


def month_end(month: str) -> dt.datetime:
    return month_bounds(month)[1]


def month_default_cutoff(con, month: str) -> dt.datetime:
    """The monthly bulletin's default cut-off."""
    return period_default_cutoff(con, month_end(month))


def month_final_cutoff(con, month: str) -> dt.datetime:
    """The month's final cut-off by the rule (a figure of the catalogue: the page caps it at now)."""
    return rule_cutoff(con, month_end(month))


def data_end(con) -> dt.datetime | None:
    """The last loaded whistle-log timestamp."""
    rows = con.execute(metric_sql("data_end")).fetchall()
    return rows[0][0] if rows else None


def cutoff_status(con, period_end: dt.datetime, as_of: dt.datetime) -> dict:
    """What a report states about its cut-off: `provisional` (before the rule's moment: figures are 初步),
    `final_cutoff` (that moment), `data_end` ("YYYY-MM-DD HH:MM") and `data_note` (None, or the Chinese
    warning that the cut-off is later than the last loaded data)."""
    final = rule_cutoff(con, period_end)
    last = data_end(con)
    note = None
    if last is not None and as_of > last:
        note = f"数据截至 {moment_label(last)}，晚于该时间的期限按截至时的数据判断"
    return {"provisional": as_of < final, "final_cutoff": final.strftime("%Y-%m-%d %H:%M:%S"),
            "data_end": None if last is None else last.strftime("%Y-%m-%d %H:%M"), "data_note": note}
