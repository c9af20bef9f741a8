"""The figure catalogue: every figure a page, file or CLI can show, declared once with its scope rule.

Every figure is one module-level name below (`bulletin = Figure(monthly_bulletin.bulletin, …)`), named as its
function, and a page asks for it by that name (`data.figure(catalogue.bulletin, month, as_of)`). Its scope rule
says what a department user gets of the result; the committee and the assessment office get it whole. **Fail
closed**: a function that is not declared here, or a bulletin or assessment section that is not declared, is denied
to a department user (a figure) or left out of its view (a section). Rankings and lists are computed on the whole
city by the figure itself; the rules here only cut the finished result to what the user may see.

Adding a bulletin section: its `.sql` file in warehouse/metrics, one `Section` line (with its scope rule) in
govdash.figures.bulletin.SECTIONS, which BULLETIN_SECTIONS below is read from, and the document section
that shows it (govdash.documents.bulletin_body.BODY, drawn by the Word file and the bulletin page).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from govdash.core.principal import AccessDenied, Principal
from govdash.figures import (
    appeals,
    cutoff,
    data_quality,
    dispute_figures,
    lookups,
    negative_lists,
    published,
    published_assessments,
    reminders,
    visits,
    whistle,
)
from govdash.figures import assessment as assessment_figures
from govdash.figures import bulletin as monthly_bulletin
from govdash.figures.scope import (  # noqa: F401  (the rules, for the declarations below and for tests)
    BOUND_JPCS,
    CITY_ONLY,
    CITY_ONLY_MESSAGE,
    OWN_DEPARTMENT,
    OWN_IDS,
    PUBLIC,
    Rule,
    bound_jpcs_argument,
    declared_sections,
    each,
    own_department_argument,
    sections,
)
from warehouse.db import fetch_frame
from warehouse.sql_files import metric_sql

# every section of the monthly bulletin and what a department sees of it: the rules declared with the
# sections themselves (govdash.figures.bulletin.SECTIONS)
BULLETIN_SECTIONS = declared_sections(monthly_bulletin.section_rules)
ASSESSMENT_SECTIONS = sections(
    year=PUBLIC, quarter=PUBLIC, period=PUBLIC, as_of=PUBLIC, previous_period=PUBLIC, settings=PUBLIC,
    provisional=PUBLIC, final_cutoff=PUBLIC, data_end=PUBLIC, data_note=PUBLIC,
    departments=OWN_DEPARTMENT, publication=PUBLIC, issuer=PUBLIC,
)


@dataclass(frozen=True)
class Figure:
    fn: Callable
    rule: Rule
    label: str

    @property
    def name(self) -> str:
        """The function's full name: the pages' cache key of the figure."""
        return f"{self.fn.__module__}.{self.fn.__name__}"


# ---------------------------------------------------------------- whistles (SPEC §3)
bulletin = Figure(monthly_bulletin.bulletin, BULLETIN_SECTIONS, "月度通报")
# what the bulletin compares a month with: the month before's city totals, the city's for everyone like "city"
comparison = Figure(monthly_bulletin.comparison, sections(city=PUBLIC), "上月全市合计（对比）")
# … and with the 12 months' city rates (the page's trend): city figures, the city's for everyone
compared_with = Figure(monthly_bulletin.compared_with, sections(comparison=sections(city=PUBLIC), trend=PUBLIC),
                       "上月对比与近12个月趋势")
month_final_cutoff = Figure(cutoff.month_final_cutoff, PUBLIC, "通报正式截止时点")
# the archive of published bulletins (定稿发布): who published when is public; the bulletin is cut like any
# bulletin; the stored files and the full record (ingest batches, a correction's city-wide changes) are the city's
publications = Figure(published.publications, PUBLIC, "通报发布记录")
published_bulletin = Figure(published.published_bulletin, BULLETIN_SECTIONS, "已发布的月度通报")
published_file = Figure(published.published_file, CITY_ONLY, "已发布的通报文件")
publication_record = Figure(published.publication_record, CITY_ONLY, "通报发布记录（完整）")
# the bulletin is circulated to every department (SPEC 8.1): a department reads the city's text as the committee
# published it (or as computed, marked 未定稿 / 初步), its own rows in an extract cut by the sections' rules above
circulated_bulletin = Figure(monthly_bulletin.circulated_bulletin, PUBLIC, "月度通报（全市印发稿）")
circulated_published_bulletin = Figure(published.circulated_published_bulletin, PUBLIC,
                                       "已发布的月度通报（全市印发稿）")
assignments = Figure(whistle.assignments, OWN_DEPARTMENT, "派单明细")
event_timeline = Figure(whistle.event_timeline, Rule("own_event"), "事件流转记录")
event_assignments = Figure(whistle.event_assignments, OWN_DEPARTMENT, "事件的各部门派单")
monthly_rates = Figure(whistle.monthly_rates, own_department_argument(3), "月度比率")
whistle_rates = Figure(whistle.whistle_rates, own_department_argument(3), "吹哨报到比率（按月、可筛选）")
reopen_counts = Figure(whistle.reopen_counts, OWN_DEPARTMENT, "重办数")
department_rank_history = Figure(whistle.department_rank_history, OWN_DEPARTMENT, "部门排名历史")
# a department's every open case; a department user always gets its own (argument 0), cut to its rows
department_open_cases = Figure(whistle.department_open_cases, Rule("own_rows", column="dept_id", dept_arg=0),
                               "部门全部在办事项")
# the year-to-date counts and rates the assessment negative list judges (4.1.1.1): the self-check's way off it
year_to_date_departments = Figure(whistle.year_to_date_departments, OWN_DEPARTMENT, "本年累计处置率与办结率")
community_hotspots = Figure(whistle.community_hotspots, CITY_ONLY, "吹哨最多的社区")
# a department's self-check lists (open, due before the next working day ends, overdue, disputes needing its
# action): what the 部门自查 page, `govdash report self-check` and the reminders' digests show
self_check = Figure(reminders.self_check, own_department_argument(0), "部门自查清单")

# ---------------------------------------------------------------- visits (SPEC §4)
visit_table = Figure(visits.visit_table, OWN_DEPARTMENT, "走访达标")
visit_departments = Figure(visits.visit_departments, OWN_DEPARTMENT, "各部门走访达标")
# the totals of the departments chosen (argument 1 after the connection; none: the city); a department user gets its own
visit_totals = Figure(visits.visit_totals, own_department_argument(1), "走访合计")
binding_weeks_for_year = Figure(visits.binding_weeks_for_year, OWN_DEPARTMENT, "捆绑周")
visit_records = Figure(visits.visit_records, OWN_DEPARTMENT, "走访记录")
leader_visits = Figure(visits.leader_visits, BOUND_JPCS, "市领导走访")
missed_visit_weeks = Figure(visits.missed_visit_weeks, own_department_argument(0), "缺访周")

# ---------------------------------------------------------------- negative lists (SPEC §5)
negative_report_year = Figure(negative_lists.negative_report_year, BOUND_JPCS, "负面清单周报（全年）")
negative_report_lines = Figure(negative_lists.negative_report_lines, BOUND_JPCS, "负面清单周报明细")
negative_report_items = Figure(negative_lists.negative_report_items, BOUND_JPCS, "负面事项")
negative_report_summary = Figure(negative_lists.negative_report_summary, BOUND_JPCS, "负面清单周报（各联合党委）")
# totals and clause counts over the JPCs given (argument 2 after the connection; None: every JPC); a department: its
# bound JPCs
negative_report_totals = Figure(negative_lists.negative_report_totals, bound_jpcs_argument(2), "负面清单周报合计")
negative_report_clauses = Figure(negative_lists.negative_report_clauses, bound_jpcs_argument(2), "负面事项按条款")
burden_records = Figure(negative_lists.burden_records, own_department_argument(0), "减负负面清单记录")
reference_list = Figure(negative_lists.reference_list, PUBLIC, "参考清单")

# ---------------------------------------------------------------- appeals (SPEC §6): community data, the committee's
funnel_section = Figure(appeals.funnel_section, CITY_ONLY, "五级诉求漏斗")
appeal_records = Figure(appeals.appeal_records, CITY_ONLY, "诉求明细")
appeal_trail = Figure(appeals.appeal_trail, CITY_ONLY, "诉求流转")
appeal_resolution_by_month = Figure(appeals.appeal_resolution_by_month, CITY_ONLY, "社区内解决占比")
community_push_up = Figure(appeals.community_push_up, CITY_ONLY, "上交排名")
whistle_ladder = Figure(appeals.whistle_ladder, CITY_ONLY, "吹哨升级阶梯")
task_flow = Figure(appeals.task_flow, CITY_ONLY, "任务下派")
appeal_dwell_times = Figure(appeals.appeal_dwell_times, CITY_ONLY, "层级停留时长")
appeal_outcomes = Figure(appeals.appeal_outcomes, CITY_ONLY, "诉求最终结果")

# ---------------------------------------------------------------- disputes (SPEC §9.5)
# per department over months (a month, a quarter, a year), by their items' period; a department its own rows
dispute_table = Figure(dispute_figures.dispute_table, OWN_DEPARTMENT, "申诉核减统计")
approved_disputes = Figure(dispute_figures.approved_disputes, OWN_DEPARTMENT, "批准的申诉核减事项")
# the assessment office's queue over every department's disputes: the city's
dispute_queue = Figure(dispute_figures.dispute_queue, CITY_ONLY, "申诉初审用时")

# ---------------------------------------------------------------- look-ups for pickers and labels
departments = Figure(lookups.departments, OWN_DEPARTMENT, "部门名单")
communities = Figure(lookups.communities, PUBLIC, "社区名单")
jpcs = Figure(lookups.jpcs, PUBLIC, "联合党委名单")
categories = Figure(lookups.categories, PUBLIC, "事件类别")
months_with_data = Figure(lookups.months_with_data, PUBLIC, "有数据的月份")
event_header = Figure(lookups.event_header, Rule("dispatched_to_own"), "事件概况")

# ---------------------------------------------------------------- the data page (committee and assessment office only)
quarantine_by_file = Figure(data_quality.quarantine_by_file, CITY_ONLY, "隔离区（按文件）")
quarantine_by_column = Figure(data_quality.quarantine_by_column, CITY_ONLY, "隔离区（按列）")
quarantine_detail = Figure(data_quality.quarantine_detail, CITY_ONLY, "隔离明细")
recent_ingests = Figure(data_quality.recent_ingests, CITY_ONLY, "最近导入")

# ---------------------------------------------------------------- assessment (SPEC §7)
assessment_result = Figure(assessment_figures.assessment_result, ASSESSMENT_SECTIONS, "考核结果")
assessment_final_cutoff = Figure(assessment_figures.assessment_final_cutoff, PUBLIC, "考核正式截止时点")
assessment_what_if = Figure(assessment_figures.assessment_what_if, OWN_DEPARTMENT, "模拟调整")
assessment_inputs = Figure(assessment_figures.assessment_inputs, each(OWN_DEPARTMENT), "考核依据")
# the archive of published assessments (定稿): who published when is public; the assessment is cut like any
# assessment; the stored files are the city's
assessment_publications = Figure(published_assessments.assessment_publications, PUBLIC, "考核定稿记录")
published_assessment = Figure(published_assessments.published_assessment, ASSESSMENT_SECTIONS, "已定稿的考核")
published_assessment_file = Figure(published_assessments.published_assessment_file, CITY_ONLY, "已定稿的考核文件")

# the declarations above, by function and by full name (what the pages' cache keys on)
CATALOGUE: dict[Callable, Figure] = {f.fn: f for f in list(globals().values()) if isinstance(f, Figure)}
BY_NAME: dict[str, Figure] = {f.name: f for f in CATALOGUE.values()}


def declared(fn: Figure | Callable) -> Figure:
    """The catalogue entry of a figure (one of the declarations above, or its function); anything else, a
    Figure made elsewhere included, is denied to everyone."""
    figure = CATALOGUE.get(fn.fn if isinstance(fn, Figure) else fn)
    if figure is None or (isinstance(fn, Figure) and figure is not fn):
        raise AccessDenied(f"未登记的数字（{getattr(fn, '__name__', fn)}）不提供给任何账号")
    return figure


def arguments_for(figure: Figure, args: tuple, p: Principal, bound_jpcs: set[str] | frozenset = frozenset()) -> tuple:
    """A department user's arguments: the department argument, if the figure has one, is its own; the JPC
    argument, if it has one, its bound JPCs."""
    if p.is_department and figure.rule.jpc_arg is not None:
        i = figure.rule.jpc_arg
        args = tuple(args) + (None,) * max(0, i + 1 - len(args))
        args = args[:i] + (tuple(sorted(bound_jpcs)),) + args[i + 1:]
    if p.is_department and figure.rule.dept_arg is not None:
        i = figure.rule.dept_arg
        own = (p.dept_id,) if i < len(args) and isinstance(args[i], (tuple, list)) else p.dept_id
        args = args[:i] + (own,) + args[i + 1:]
    return args


def bound_jpcs_of(con, p: Principal) -> set[str]:
    """The JPCs a department has ever been bound to (empty for any other role)."""
    if not p.is_department or not p.dept_id:
        return set()
    return set(fetch_frame(con, metric_sql("bound_jpcs"), {"dept_id": p.dept_id})["jpc_id"].to_list())


def seen_by(fn: Figure | Callable, args: tuple, p: Principal, bound_jpcs: set[str] | frozenset,
            compute: Callable[[Figure, tuple], Any]) -> Any:
    """The one path from a figure to what a user sees of it: declared (else denied), its arguments made the
    user's own (`arguments_for`), the whole-city result computed by `compute(figure, arguments)` (the pages:
    cached per snapshot), then cut by its rule."""
    figure = declared(fn)
    args = arguments_for(figure, tuple(args), p, bound_jpcs)
    return cut(figure, compute(figure, args), p, bound_jpcs)


def view_as(p: Principal, result: Any, fn: Figure | Callable, con) -> Any:
    """A whole-city result of figure `fn` as principal `p` may see it, without the pages (the CLI): the same
    rule and the same cut as on screen."""
    return cut(declared(fn), result, p, bound_jpcs_of(con, p))


def cut(figure: Figure, result: Any, p: Principal, bound_jpcs: set[str]) -> Any:
    """What the principal may see of a figure's (whole-city) result."""
    if p.sees_all:
        return result
    if not p.is_department or not p.dept_id:
        raise AccessDenied("无权查看")
    out = figure.rule.cut(result, p, bound_jpcs)
    if figure.rule is BULLETIN_SECTIONS:  # a bulletin, computed or as published
        out["scope"] = {"dept_id": p.dept_id, "note": "部门账号：仅含本部门的记录与捆绑联合党委；全市合计为全市口径"}
    return out


def cut_bulletin(b: dict, p: Principal, bound_jpcs: set[str]) -> dict:
    return cut(bulletin, b, p, bound_jpcs)

