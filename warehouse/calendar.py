"""China's official working-day schedule from the chinese-calendar package."""
from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar
import duckdb
import polars as pl
from chinese_calendar import constants

from warehouse.sql_files import build_sql

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def official_years() -> tuple[int, int]:
    days = list(constants.holidays) + list(constants.workdays)
    return min(days).year, max(days).year


@functools.cache  # the installed package's schedule does not change while a process runs; ~0.25 s to compute
def official_calendar() -> pl.DataFrame:
    first, last = official_years()
    start, end = dt.date(first, 1, 1), dt.date(last, 12, 31)
    dates = pl.date_range(start, end, "1d", eager=True)
    is_work = [chinese_calendar.is_workday(d) for d in dates]  # ~8k days, once per process
    notes = []
    for d, w in zip(dates, is_work):
        name = constants.holidays.get(d) or constants.workdays.get(d)
        if name is not None and not isinstance(name, str):
            name = getattr(name, "value", str(name))
        if name is None:
            notes.append(None)
        else:
            zh = HOLIDAY_NAMES_ZH.get(name, name)
            notes.append(f"{zh}调休上班" if w else f"{zh}放假")
    return pl.DataFrame({"date": dates, "is_workday": is_work, "note": notes})


def load_official_calendar(con: duckdb.DuckDBPyConnection) -> bool:
    first, last = official_years()
    have = con.execute(build_sql("calendar_span")).fetchone()
    if have[0] == dt.date(first, 1, 1) and have[1] == dt.date(last, 12, 31):
        return False
    frame = official_calendar()
    con.execute(build_sql("calendar_clear"))
    con.register("official_frame", frame)
    con.execute(build_sql("calendar_insert"))
    con.unregister("official_frame")
    return True
