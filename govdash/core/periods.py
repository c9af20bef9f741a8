"""Periods: a month ("YYYY-MM"), its bounds, the cut-off (as_of) — parsed once at the entry point and passed
down — and how a month is named to a reader ("2024年1月", one place)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")  # every timestamp in the data is local China time (SPEC §2)


def parse_as_of(as_of: str | dt.datetime | None) -> dt.datetime:
    """A cut-off: None or "now" is the current local time; text is YYYY-MM-DD[ HH:MM[:SS]]."""
    if as_of is None or as_of == "now":
        return dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0)
    if isinstance(as_of, dt.datetime):
        return as_of
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(as_of, fmt)
        except ValueError:
            continue
    raise ValueError(f"无法识别的截止时间“{as_of}”，应为 YYYY-MM-DD HH:MM:SS")


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month."""
    try:
        start = dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValueError(f"无法识别的月份“{month}”，应为 YYYY-MM") from None
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, end


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    return (start - dt.timedelta(days=1)).strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = month_bounds(m)[1].strftime("%Y-%m")
    return out


def month_label(month: str) -> str:
    """"2024-01" → "2024年1月", as every page, axis and document names a month."""
    start, _ = month_bounds(month)
    return f"{start.year}年{start.month}月"


def day_label(day: dt.date) -> str:
    """A date as a reader reads it: 2024-11-07 → "2024年11月7日" (pages, notes and documents)."""
    return f"{day.year}年{day.month}月{day.day}日"


def moment_label(moment: dt.datetime) -> str:
    """A cut-off or data timestamp to the minute: "2024年11月7日 23:59"."""
    return f"{day_label(moment)} {moment:%H:%M}"
