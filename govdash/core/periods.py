"""Periods: a month ("YYYY-MM"), its bounds, the cut-off (as_of) — parsed once at the entry point and passed
down — and how a month is named to a reader ("2024年1月", one place)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

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
    # the last month the calendar can name (9999-12) ends at the calendar's last moment instead of overflowing
    end = dt.datetime.max if (start.year, start.month) == (9999, 12) else \
        (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, end


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    if (start.year, start.month) == (1, 1):
        return month
    return (start - dt.timedelta(days=1)).strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    start, stop = month_bounds(first)[0], month_bounds(last)[0]
    out, (y, m) = [], (start.year, start.month)
    while (y, m) <= (stop.year, stop.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _years_later(moment: dt.datetime, years: int) -> dt.datetime:
    """`moment` `years` calendar years later (29 February → 28 February), at most the calendar's last moment."""
    if moment.year + years > 9999:
        return dt.datetime.max
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def plausible_window(settings: dict, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[first, last] moments a date or time of the data may take (settings [plausibility]): from `earliest` to
    `years_after_ingest` years after `now` (the ingest's moment; the current time for a reader). A value outside it
    is a typo or a placeholder (9999-12-31), quarantined at the door and never offered as a month."""
    rule = settings.get("plausibility", {})
    earliest = rule.get("earliest", dt.date(2000, 1, 1))
    if isinstance(earliest, str):
        earliest = dt.date.fromisoformat(earliest)
    first = dt.datetime.combine(earliest, dt.time()) if not isinstance(earliest, dt.datetime) else earliest
    now = now or parse_as_of(None)
    return first, _years_later(now, int(rule.get("years_after_ingest", 1)))


def month_in_window(month: str, window: tuple[dt.datetime, dt.datetime]) -> bool:
    """Whether a "YYYY-MM" month lies (at least partly) inside the plausible window; an unreadable month does not."""
    try:
        start, end = month_bounds(month)
    except ValueError:
        return False
    return end > window[0] and start <= window[1]


def month_label(month: str) -> str:
    """"2024-01" → "2024年1月", as every page, axis and document names a month."""
    start, _ = month_bounds(month)
    return f"{start.year}年{start.month}月"


def _moment(value: str | dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    text = str(value).strip()
    try:
        return parse_as_of(text) if len(text) > 10 else dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"无法识别的日期“{value}”，应为 YYYY-MM-DD[ HH:MM:SS]") from None


def day_label(day: str | dt.date | dt.datetime) -> str:
    """A date as a reader reads it: 2024-11-07 → "2024年11月7日" (pages, notes and documents: the year in full,
    no leading zeros, as GB/T 9704 7.3.5.4 writes 成文日期 and 印发日期)."""
    d = _moment(day)
    return f"{d.year}年{d.month}月{d.day}日"


def moment_label(moment: str | dt.datetime) -> str:
    """A cut-off or data timestamp to the minute: "2024年11月7日 23:59"."""
    m = _moment(moment)
    return f"{day_label(m)} {m:%H:%M}"


def deadline_label(deadline: str | dt.datetime) -> str:
    """A deadline: the date alone when it is the end of a day (23:59:59, as every closure deadline is),
    else `moment_label`."""
    d = _moment(deadline)
    if not isinstance(d, dt.datetime) or d.time() == dt.time(23, 59, 59):
        return day_label(d)
    return moment_label(d)


def week_monday(week_id: str) -> dt.date:
    """"2024-W49" → the Monday of that ISO week."""
    year, week = week_id.split("-W")
    return dt.date.fromisocalendar(int(year), int(week), 1)


def week_range_label(week_id: str) -> str:
    """"2024-W49" → "第49周（12.2–12.8）", as every page and document names an ISO week (Monday–Sunday);
    an unreadable id stays as it is."""
    try:
        monday = week_monday(week_id)
    except (ValueError, AttributeError):
        return str(week_id)
    sunday = monday + dt.timedelta(days=6)
    return f"第{int(week_id.split('-W')[1])}周（{monday.month}.{monday.day}–{sunday.month}.{sunday.day}）"


def week_range_label_expr(column: str | pl.Expr) -> pl.Expr:
    """`week_range_label` for a whole column of "YYYY-Www" ids, in polars expressions only."""
    col = pl.col(column) if isinstance(column, str) else column
    year = col.str.slice(0, 4).cast(pl.Int32, strict=False)
    week = col.str.extract(r"-W(\d{1,2})$", 1).cast(pl.Int32, strict=False)
    jan4 = pl.date(year, 1, 4)
    monday = jan4 - pl.duration(days=jan4.dt.weekday() - 1) + pl.duration(days=(week - 1) * 7)
    sunday = monday + pl.duration(days=6)
    text = pl.concat_str([pl.lit("第"), week.cast(pl.Utf8), pl.lit("周（"), monday.dt.month().cast(pl.Utf8),
                          pl.lit("."),
                          monday.dt.day().cast(pl.Utf8), pl.lit("–"), sunday.dt.month().cast(pl.Utf8), pl.lit("."),
                          sunday.dt.day().cast(pl.Utf8), pl.lit("）")])
    return pl.when(week.is_null()).then(col).otherwise(text)


def month_label_expr(column: str | pl.Expr) -> pl.Expr:
    """`month_label` for a whole column of "YYYY-MM" months: "2024年1月"."""
    col = pl.col(column) if isinstance(column, str) else column
    return pl.concat_str([col.str.slice(0, 4), pl.lit("年"), col.str.slice(5, 2).cast(pl.Int32,
                                                                                     strict=False).cast(pl.Utf8),
                          pl.lit("月")])


def server_to_local_expr(column: str | pl.Expr) -> pl.Expr:
    """A naive timestamp the server wrote with its own clock (datetime.now(), e.g. an import's time) as China time,
    like every other time a page shows: a server running on UTC would otherwise show imports 8 hours early."""
    col = pl.col(column) if isinstance(column, str) else column
    server = dt.datetime.now().astimezone().utcoffset() or dt.timedelta(0)
    china = dt.datetime.now(TZ).utcoffset() or dt.timedelta(0)
    return col + pl.duration(seconds=int((china - server).total_seconds()))
