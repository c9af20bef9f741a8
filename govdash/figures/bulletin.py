"""The monthly bulletin (SPEC §3–§6): its sections, each declared once with how it is computed and what a
department user sees of it, and the function that computes them all.

Adding a section to the bulletin takes three places:
1. its query, `warehouse/metrics/<name>.sql` (bind parameters named as in `BulletinContext.parameters`);
2. one `Section` line in SECTIONS below: its key, its scope rule and how it is computed (`metric_rows` for a
   section that is one query's rows); the catalogue's bulletin rule is read from this table, so a section
   nobody declared here never reaches a department (fail closed);
3. the document section that shows it (`govdash.documents.bulletin_body.BODY`), which the Word file and the
   bulletin page both draw (and, when it belongs in the workbook too, its sheet in
   `govdash.documents.documents.bulletin_xlsx`).
A 更正 notice names the section by its label. tests/test_adding_a_bulletin_section.py adds one in these places.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import polars as pl

from govdash.core.periods import month_bounds, parse_as_of, previous_month
from govdash.core.scoring import load_scoring
from govdash.core.settings import load_settings
from govdash.figures import appeals, dispute_figures, exemptions, negative_lists, visits, whistle
from govdash.figures import cutoff as cutoff_rule
from govdash.figures.scope import BOUND_JPCS, CITY_ONLY, OWN_DEPARTMENT, OWN_IDS, PUBLIC, Rule
from warehouse import archive
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql


@dataclass
class BulletinContext:
    """What the sections of one bulletin share: the month, the cut-off and the settings, and the month's
    assignment figures, each computed once (while the bulletin's `period_assignments` table exists)."""
    con: Any
    month: str
    cutoff: dt.datetime
    month_start: dt.datetime = field(init=False)
    month_end: dt.datetime = field(init=False)

    def __post_init__(self):
        self.month_start, self.month_end = month_bounds(self.month)

    @cached_property
    def threshold(self) -> float:
        """The assessment negative list's threshold: one home, the scoring settings (4.1.1.1)."""
        return load_scoring().negative_list_threshold

    @cached_property
    def settings(self) -> dict:
        settings = load_settings()
        # the bulletin previews the negative list and states its threshold under its whistle settings
        return {**settings, "whistle": {**settings["whistle"], "negative_list_threshold": self.threshold}}

    @cached_property
    def stated(self) -> dict:
        return cutoff_rule.cutoff_status(self.con, self.month_end, self.cutoff)

    @cached_property
    def department_frame(self) -> pl.DataFrame:
        return whistle.period_department_rows(self.con, self.month, self.cutoff)

    @cached_property
    def department_rows(self) -> list[dict]:
        return [{k: row[k] for k in whistle.DEPARTMENT_FIELDS} for row in self.department_frame.iter_rows(named=True)]

    @cached_property
    def dispute_states(self) -> list[dict]:
        """Every dispute filed by the cut-off with its state then (SPEC §9.5), read once for the sections."""
        return dispute_figures.states_as_of(self.cutoff)

    def parameters(self, sql: str) -> dict:
        """The bind parameters a section's query names, from the bulletin's month and cut-off."""
        known = {"month": self.month, "month_start": self.month_start, "month_end": self.month_end,
                 "as_of": self.cutoff, "year_start": self.month_start.replace(month=1)}
        wanted = set(re.findall(r"\$([a-z_]+)", sql))
        missing = wanted - set(known)
        if missing:
            raise ValueError(f"通报章节的查询用到未知参数：{'、'.join(sorted(missing))}")
        return {k: v for k, v in known.items() if k in wanted}


@dataclass(frozen=True)
class Section:
    key: str                 # its key in the bulletin (and in the JSON file)
    rule: Rule               # what a department user sees of it
    compute: Callable[[BulletinContext], Any] | None   # None: filled outside the computation (see its comment)
    label: str               # its name in the 更正 notice (govdash.figures.corrections)
    figures: bool = True     # False: says how the bulletin was made or who reads it; a correction does not compare it


def metric_rows(name: str) -> Callable[[BulletinContext], list[dict]]:
    """A section that is the rows of one query, warehouse/metrics/<name>.sql, run with the bulletin's parameters."""
    def compute(ctx: BulletinContext) -> list[dict]:
        sql = metric_sql(name)
        return fetch_frame(ctx.con, sql, ctx.parameters(sql)).to_dicts()
    compute.__name__ = f"metric_rows_{name}"
    return compute


def _settings(ctx: BulletinContext) -> dict:
    s = ctx.settings
    return {"whistle": dict(s["whistle"]),
            "visits": {"exempt_weeks": list(s["visits"]["exempt_weeks"]),
                       "week_month": "an ISO week belongs to the month holding its Thursday"},
            "negative_reports": {"due_weekday": s["negative_reports"]["due_weekday"],
                                 "due_time": s["negative_reports"]["due_time"]},
            "readings": READINGS,
            "appeals": {"level_labels": appeals.level_labels()}}


READINGS = {
    "hour_windows": "wall-clock", "onsite_closure": "WD(d, 0): closed on the spot",
    "reopen_without_department": "voids the standing closure of every department of the event",
    "closure": "an assignment's last closed row not followed by a reopen; a reopen (naming the "
               "department, or none) applies to the department's latest assignment of the event",
    "same_department_dispatch": "a dispatch to a department that holds an open assignment "
        "of the event (no standing closure, not ended as returned) starts none: the open one "
        "keeps its dispatch time and deadlines and a pending return is withdrawn; a dispatch "
        "to one whose closure stands starts a new assignment with its own clock",
    "escalation": "counts for each assignment of the event open at that moment (dispatched, "
                  "not ended as returned, no standing closure); a closure a later reopen "
                  "voids still stood in between",
    "rating_without_department": "rates each department whose closure stands at that "
                                 "moment; an assignment's rating is its latest",
    "negative_report_cutoff": "a weekly report submitted after the cut-off does not exist "
        "yet (also in the 同奖同罚 deductions); a week not yet due is pending; a clause "
        "line with an empty count is one item",
    "assessment_negative_list": "year to date (January to the end of the month) at the cut-off",
    "rectified_share": "items on lines marked rectified / items, weighted by each line's count",
    "burden_task": "a task to level ≤ 3 whose admission item is empty or not on Appendix B",
    "funnel": "appeals raised in the month; a level entered after the cut-off does not "
              "exist yet, a level left after it counts as open; "
              "dwell quantiles are interpolated over levels left by the cut-off",
}


def reference_names(con) -> dict:
    """Names the Word and Excel bulletins print instead of ids: JPCs, communities and Appendix E clause texts."""
    jpcs = fetch_frame(con, metric_sql("reference_jpc_names"))
    clauses = fetch_frame(con, metric_sql("reference_clause_texts"))
    communities = fetch_frame(con, metric_sql("lookup_communities"))
    return {"jpc_names": dict(zip(jpcs["jpc_id"], jpcs["jpc_name"])),
            "clause_texts": dict(zip(clauses["item_id"], clauses["item_name"])),
            "community_names": dict(zip(communities["community_id"], communities["community_name"]))}


def _overdue(ctx: BulletinContext) -> list[dict]:
    rows = whistle.period_overdue_rows(ctx.con, ctx.month, ctx.cutoff)
    return [{"event_id": r["event_id"], "dept_id": r["dept_id"], "community_id": r["community_id"],
             "deadline": r["deadline"].strftime("%Y-%m-%d %H:%M:%S"), "working_days_overdue": r["working_days_overdue"]}
            for r in rows.iter_rows(named=True)]


def _disputes(ctx: BulletinContext) -> list[dict]:
    rows = dispute_figures.period_dispute_rows(ctx.con, ctx.dispute_states, ctx.month_start, ctx.month_end, ctx.cutoff)
    return rows.to_dicts()


def _approved_disputes(ctx: BulletinContext) -> list[dict]:
    return dispute_figures.period_approval_rows(ctx.con, ctx.dispute_states, ctx.month_start, ctx.month_end)


def _assessment_negative_list(ctx: BulletinContext) -> list[dict]:
    ytd = whistle.period_year_to_date_rows(ctx.con, ctx.month, ctx.cutoff)
    return negative_lists.assessment_negative_list(ytd, ctx.threshold)


def _calendar_provisional(ctx: BulletinContext) -> bool:
    frame = ctx.department_frame
    return bool(frame["calendar_provisional"].any()) if frame.height else False


def _lists(ctx: BulletinContext) -> dict:
    size = int(ctx.settings["whistle"].get("red_black_list_size", 5))
    return whistle.honour_lists(ctx.department_rows, size, ctx.threshold)


# the bulletin's sections, in the order of its JSON file
SECTIONS: tuple[Section, ...] = (
    Section("month", PUBLIC, lambda ctx: ctx.month, "统计月份", figures=False),
    Section("as_of", PUBLIC, lambda ctx: ctx.cutoff.strftime("%Y-%m-%d %H:%M:%S"), "截止时点", figures=False),
    Section("settings", PUBLIC, _settings, "设置"),
    Section("calendar_provisional", PUBLIC, _calendar_provisional, "工作日历暂定"),
    # the cut-off rule (settings [cutoff]): before the period's final cut-off the figures are 初步
    Section("provisional", PUBLIC, lambda ctx: ctx.stated["provisional"], "是否初步", figures=False),
    Section("final_cutoff", PUBLIC, lambda ctx: ctx.stated["final_cutoff"], "正式截止时点", figures=False),
    Section("data_end", PUBLIC, lambda ctx: ctx.stated["data_end"], "数据截至", figures=False),
    Section("data_note", PUBLIC, lambda ctx: ctx.stated["data_note"], "数据说明", figures=False),
    Section("departments", OWN_DEPARTMENT, lambda ctx: ctx.department_rows,
            "部门排名"),   # its own row, with its city rank
    # ranked and listed on the whole city before anyone's view is cut (a department sees whether it is on them)
    Section("department_count", PUBLIC, lambda ctx: len(ctx.department_rows), "参与排名部门数"),
    Section("lists", OWN_IDS, _lists, "红黑榜"),
    Section("overdue", OWN_DEPARTMENT, _overdue, "超期未办结清单"),
    # the city's totals are the city's for everyone (stated on the page)
    Section("city", PUBLIC, lambda ctx: whistle.city_totals(ctx.con, ctx.department_frame), "全市合计"),
    Section("visits", OWN_DEPARTMENT, lambda ctx: visits.visit_rows(visits.visit_table(ctx.con, ctx.month)),
            "联系捆绑走访"),
    # per department: its bindings' weeks summed, compliance divided in SQL (macros/visit_rates.sql)
    Section("visit_departments", OWN_DEPARTMENT, lambda ctx: visits.visit_departments(ctx.con, ctx.month).to_dicts(),
            "各部门走访达标"),
    # the city's visit totals are the city's for everyone, like the whistle totals ("city"): sums over every
    # binding, no department's row (the department sees its own row in visit_departments)
    Section("visit_totals", PUBLIC, lambda ctx: visits.visit_totals(ctx.con, ctx.month), "全市走访合计"),
    Section("negative_reports", BOUND_JPCS,
            lambda ctx: negative_lists.negative_report_summary(ctx.con, ctx.month, ctx.cutoff), "负面清单周报"),
    # the city's weekly-report totals are the city's for everyone, like "city" and "visit_totals"
    Section("negative_report_totals", PUBLIC,
            lambda ctx: negative_lists.negative_report_totals(ctx.con, ctx.month, ctx.cutoff), "全市负面清单周报合计"),
    Section("assessment_negative_list", OWN_DEPARTMENT, _assessment_negative_list, "考核负面清单"),
    Section("burden_negative_list", OWN_DEPARTMENT, metric_rows("burden_negative_list"), "减负负面清单"),
    # 申诉核减 (SPEC §9.5): the disputes of the month's items by their state at the cut-off, per department, and
    # every approved one with its effect; a department sees its own
    Section("disputes", OWN_DEPARTMENT, _disputes, "申诉核减统计"),
    Section("approved_disputes", OWN_DEPARTMENT, _approved_disputes, "批准的申诉核减事项"),
    # community appeals are not department rows
    Section("funnel", CITY_ONLY, lambda ctx: appeals.funnel_section(ctx.con, ctx.month_start, ctx.month_end,
                                                                    ctx.cutoff),
            "五级诉求"),
    Section("reference", PUBLIC, lambda ctx: reference_names(ctx.con), "名称对照", figures=False),
    # not computed with the month's figures: what the month is compared with, as it stood when the bulletin was
    # made (compared_with below); stored with a publication, so its 较上月 and its trend never change afterwards
    Section("comparison", PUBLIC, None, "上月对比"),
    Section("trend", PUBLIC, None, "近12个月趋势"),
    # not computed here: set when a bulletin is served from the archive (published / correction, when, by whom) …
    Section("publication", PUBLIC, None, "发布状态", figures=False),
    # … and when a department's view is cut (what its view holds)
    Section("scope", PUBLIC, None, "账号范围说明", figures=False),
)


def section_rules() -> tuple[tuple[str, Rule], ...]:
    """(key, rule) of every declared section: the catalogue cuts a bulletin by them; anything else is left out."""
    return tuple((s.key, s.rule) for s in SECTIONS)


def bulletin(con, month: str, as_of: str | dt.datetime | None = None) -> dict:
    """The monthly bulletin as a JSON-ready dict (SPEC §3–§6; settings stated), every section of SECTIONS in
    order. No cut-off given: the default cut-off of the month (govdash.figures.cutoff, settings [cutoff])."""
    cutoff = cutoff_rule.month_default_cutoff(con, month) if as_of is None else parse_as_of(as_of)
    ctx = BulletinContext(con, month, cutoff)
    # the month's assignments, computed once: the department table, the overdue list and the month's part of
    # the year-to-date counts read them (the earlier months' counts need no deadlines: facts only); every section
    # reads the approved disputes in force at the cut-off (SPEC §9.4)
    with exemptions.in_force(con, cutoff), whistle.period_assignments(con, ctx.month_start, ctx.month_end, cutoff):
        return {s.key: s.compute(ctx) for s in SECTIONS if s.compute is not None}


def circulated_bulletin(con, month: str, as_of: str | dt.datetime | None = None) -> dict:
    """The city's bulletin as it is circulated to every department (SPEC 8.1: a department reads the city's
    bulletin as the committee does, then an extract of its own rows): the whole city's, as bulletin() gives it."""
    return bulletin(con, month, as_of)


def _published_city(con, month: str) -> dict | None:
    """A month's city totals as its publication in force states them, or None while it is not published."""
    current = archive.latest(con, month)
    return None if current is None else archive.bulletin(con, current["publication_id"])["city"]


def comparison(con, month: str, as_of: str | dt.datetime) -> dict:
    """What a month's bulletin is compared with: the city's totals of the month before as they stand, in the shape
    of a bulletin's "city" section ({"city": …}): as published when the month before is published (the figures
    the city was told), else computed at this bulletin's cut-off. The summary's 较上月 sentence and the page's
    changes read nothing else, so only the month before's department table is computed, not its whole bulletin."""
    before = previous_month(month)
    published = _published_city(con, before)
    if published is not None:
        return {"city": published}
    cutoff = parse_as_of(as_of)
    start, end = month_bounds(before)
    with whistle.period_assignments(con, start, end, cutoff):
        return {"city": whistle.city_totals(con, whistle.period_department_rows(con, before, cutoff))}


TREND_MONTHS = 12
TREND_RATES = ("handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate")


def trend(con, month: str, as_of: str | dt.datetime) -> list[dict]:
    """近12个月趋势: the city's four rates in each of the 12 months to the month, at the bulletin's cut-off; an
    earlier month that is published reads as published, like the comparison, so the chart and the 较上月 agree."""
    cutoff = parse_as_of(as_of)
    first = month
    for _ in range(TREND_MONTHS - 1):
        first = previous_month(first)
    rows = whistle.monthly_rates(con, first, month, cutoff).select("month", *TREND_RATES).to_dicts()
    out = []
    for r in rows:
        published = _published_city(con, r["month"]) if r["month"] < month else None
        out.append({"month": r["month"], **{k: (published or r)[k] for k in TREND_RATES}})
    return out


# the sections compared_with fills (declared in SECTIONS, stored with a publication)
COMPARED = ("comparison", "trend")
# sections a bulletin published by an earlier version may not hold: compared only when the publication has them
LATER_SECTIONS = COMPARED + ("disputes", "approved_disputes")


def compared_with(con, month: str, as_of: str | dt.datetime) -> dict:
    """What the month's bulletin is compared with, as it stands now: the month before's city totals and the
    12 months' trend. Publishing stores them in the bulletin, so a published month keeps them unchanged."""
    return {"comparison": comparison(con, month, as_of), "trend": trend(con, month, as_of)}
