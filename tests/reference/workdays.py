"""SPEC §1 working-day calendar and §3 WD(d, n).

Precedence: a calendar_overrides row for the day > China's official schedule (chinese_calendar) >
Monday–Friday. A year that neither the official schedule nor any override row covers is provisional
("must be reported as uncovered, never silently treated as Mon–Fri").
"""
from __future__ import annotations

import datetime as dt

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


class WorkingDays:
    def __init__(self, overrides: list[dict]):
        self.overrides = {r["date"]: r["is_workday"] for r in overrides}
        self.override_years = {d.year for d in self.overrides}
        self._cache: dict[dt.date, bool] = {}
        self._official_year: dict[int, bool] = {}

    def official_covers(self, year: int) -> bool:
        if year not in self._official_year:
            try:
                chinese_calendar.is_workday(dt.date(year, 6, 15))
                self._official_year[year] = True
            except NotImplementedError:
                self._official_year[year] = False
        return self._official_year[year]

    def year_covered(self, year: int) -> bool:
        """§1: a year the official schedule or an override row covers; otherwise provisional."""
        return self.official_covers(year) or year in self.override_years

    def is_workday(self, d: dt.date) -> bool:
        if d not in self._cache:
            if d in self.overrides:
                self._cache[d] = self.overrides[d]
            elif self.official_covers(d.year):
                self._cache[d] = chinese_calendar.is_workday(d)
            else:
                self._cache[d] = d.isoweekday() <= 5
        return self._cache[d]

    def wd(self, d: dt.date, n: int) -> dt.date:
        """§3: WD(d, n) = the n-th working day strictly after date d; WD(d, 0) = d if d is a working day,
        else the next one."""
        if n == 0:
            while not self.is_workday(d):
                d += ONE_DAY
            return d
        found = 0
        while found < n:
            d += ONE_DAY
            if self.is_workday(d):
                found += 1
        return d

    def working_days_after(self, first: dt.date, last: dt.date) -> int:
        """Working days in (first, last]: how many working days a deadline on `first` is overdue on `last`."""
        n, d = 0, first
        while d < last:
            d += ONE_DAY
            if self.is_workday(d):
                n += 1
        return n
