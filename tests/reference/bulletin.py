"""The monthly bulletin (SPEC §3–§6) from the reference modules, shaped like the product's bulletin JSON
so the tests can compare them field by field. Rates stay exact fractions here."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from tests.reference import funnel, negatives, visits, whistle
from tests.reference.inputs import City, load_toml
from tests.reference.workdays import WorkingDays


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    y, m = int(month[:4]), int(month[5:7])
    return dt.datetime(y, m, 1), dt.datetime(y + (m == 12), m % 12 + 1, 1)


class Reference:
    """One city with its settings; the assignments of each cut-off are replayed once and kept."""

    def __init__(self, city_dir: Path, settings_path: Path, approvals: list[dict] | tuple = ()):
        self.city = City(city_dir)
        self.approvals = list(approvals)   # §9.4: approved disputes, each counting from its ruling
        self.settings = load_toml(settings_path)
        # the negative-list threshold is a scoring setting (4.1.1.1), beside settings.toml
        self.scoring = load_toml(Path(os.environ.get("GOVDASH_SCORING", settings_path.parent / "scoring.toml")))
        self.calendar = WorkingDays(self.city["calendar_overrides"])
        self._whistles: dict[dt.datetime, whistle.Whistles] = {}

    def whistles(self, as_of: dt.datetime) -> whistle.Whistles:
        if as_of not in self._whistles:
            self._whistles[as_of] = whistle.Whistles(self.city, self.calendar, self.settings["whistle"], as_of,
                                                     self.approvals)
        return self._whistles[as_of]

    @property
    def exempt_weeks(self) -> list[str]:
        return [str(x) for x in self.settings.get("visits", {}).get("exempt_weeks", [])]

    def bulletin(self, month: str, as_of: dt.datetime) -> dict:
        start, end = month_bounds(month)
        w = self.whistles(as_of)
        departments = whistle.department_rows(w, start, end)
        threshold = float(self.scoring.get("scoring", {}).get("negative_list_threshold", 0.9))
        names = {d["dept_id"]: d["dept_name"] for d in self.city["departments"]}
        visit_rows = visits.visit_rows(self.city, month, self.exempt_weeks)
        reports = negatives.negative_report_summary(self.city, month, as_of, self.settings["negative_reports"])
        return {
            "month": month,
            "as_of": as_of.strftime("%Y-%m-%d %H:%M:%S"),
            "calendar_provisional": any(f["provisional"] for f in w.in_period(start, end)),
            "departments": departments,
            "department_count": len(departments),
            "overdue": whistle.overdue_list(w, start, end),
            "city": whistle.city_totals(departments),
            "visits": visit_rows,
            "visit_departments": visits.department_rows(visit_rows),
            "visit_totals": visits.city_totals(visit_rows),
            "negative_reports": reports,
            "negative_report_totals": negatives.negative_report_totals(reports),
            # §5.2 in the bulletin: the year to date (reading), at the cut-off
            "assessment_negative_list": [{**r, "dept_name": names.get(r["dept_id"])} for r in
                                         negatives.assessment_negative_list(w, start.replace(month=1), end, threshold)],
            "burden_negative_list": [{**r, "dept_name": names.get(r["dept_id"])} for r in
                                     negatives.burden_negative_list(self.city, start, end, self.approvals, as_of)],
            "funnel": funnel.funnel_section(self.city, start, end, as_of),
        }
