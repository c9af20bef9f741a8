"""The figure catalogue: every figure a page, file or CLI can show, declared once with its scope rule.

A figure is called as a function (`ui.figure(catalogue.bulletin, month, as_of)`); the catalogue knows it
by that function. Its scope rule says what a department user gets of the result; the committee and the
assessment office get it whole. **Fail closed**: a function that is not declared here, or a bulletin or
assessment section that is not declared, is denied to a department user (a figure) or left out of its
view (a section). Rankings and lists are computed on the whole city by the figure itself; the rules
here only cut the finished result to what the user may see.

Adding a bulletin section: its `.sql` file in warehouse/metrics, one `Section` line (with its scope rule) in
govdash.figures.monthly_bulletin.SECTIONS, which BULLETIN_SECTIONS below is read from, and the document section
that shows it (govdash.documents.bulletin_body.BODY, drawn by the Word file and the bulletin page).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from govdash import figures, status
from govdash.core.principal import AccessDenied, Principal
from govdash.figures import assessment as assessment_figures
from govdash.figures import cutoff, lookups, monthly_bulletin, published
from warehouse.build import metric_sql
from warehouse.db import fetch_frame
from govdash.figures.scope import (  # noqa: F401  (the rules, for the declarations below and for tests)
    BOUND_JPCS, CITY_ONLY, CITY_ONLY_MESSAGE, OWN_DEPARTMENT, OWN_IDS, PUBLIC, Rule, bound_jpcs_argument,
    declared_sections, each, own_department_argument, sections)

# every section of the monthly bulletin and what a department sees of it: the rules declared with the
# sections themselves (govdash.figures.monthly_bulletin.SECTIONS)
BULLETIN_SECTIONS = declared_sections(monthly_bulletin.section_rules)
ASSESSMENT_SECTIONS = sections(
    year=PUBLIC, quarter=PUBLIC, period=PUBLIC, as_of=PUBLIC, previous_period=PUBLIC, settings=PUBLIC,
    provisional=PUBLIC, final_cutoff=PUBLIC, data_end=PUBLIC, data_note=PUBLIC,
    departments=OWN_DEPARTMENT,
)


@dataclass(frozen=True)
class Figure:
    name: str
    fn: Callable
    rule: Rule
    label: str


_DECLARED = [
    # whistles (SPEC §3)
    (monthly_bulletin.bulletin, BULLETIN_SECTIONS, "月度通报"),
    (cutoff.month_final_cutoff, PUBLIC, "通报正式截止时点"),
    # the archive of published bulletins (定稿发布): who published when is public; the bulletin is cut like any
    # bulletin; the stored files and the full record (ingest batches, a correction's city-wide changes) are the city's
    (published.publications, PUBLIC, "通报发布记录"),
    (published.published_bulletin, BULLETIN_SECTIONS, "已发布的月度通报"),
    (published.published_file, CITY_ONLY, "已发布的通报文件"),
    (published.publication_record, CITY_ONLY, "通报发布记录（完整）"),
    (figures.assignments, OWN_DEPARTMENT, "派单明细"),
    (figures.event_timeline, Rule("own_event"), "事件流转记录"),
    (figures.event_assignments, OWN_DEPARTMENT, "事件的各部门派单"),
    (figures.monthly_rates, own_department_argument(3), "月度比率"),
    (figures.whistle_rates, own_department_argument(3), "吹哨报到比率（按月、可筛选）"),
    (figures.reopen_counts, OWN_DEPARTMENT, "重办数"),
    (figures.department_rank_history, OWN_DEPARTMENT, "部门排名历史"),
    # issue 13: a department's every open case; a department user always gets its own (argument 0), cut to its rows
    (figures.department_open_cases, Rule("own_rows", column="dept_id", dept_arg=0), "部门全部在办事项"),
    (figures.community_hotspots, CITY_ONLY, "吹哨最多的社区"),
    # visits and negative lists (SPEC §4–§5)
    (figures.visit_table, OWN_DEPARTMENT, "走访达标"),
    (figures.visit_departments, OWN_DEPARTMENT, "各部门走访达标"),
    # the totals of the departments chosen (argument 1 after the connection; none: the city); a department user gets its own
    (figures.visit_totals, own_department_argument(1), "走访合计"),
    (figures.binding_weeks_for_year, OWN_DEPARTMENT, "捆绑周"),
    (figures.visit_records, OWN_DEPARTMENT, "走访记录"),
    (figures.leader_visits, BOUND_JPCS, "市领导走访"),
    (figures.missed_visit_weeks, own_department_argument(0), "缺访周"),
    (figures.negative_report_year, BOUND_JPCS, "负面清单周报（全年）"),
    (figures.negative_report_lines, BOUND_JPCS, "负面清单周报明细"),
    (figures.negative_report_items, BOUND_JPCS, "负面事项"),
    (figures.negative_report_summary, BOUND_JPCS, "负面清单周报（各联合党委）"),
    # totals and clause counts over the JPCs given (argument 2 after the connection; None: every JPC); a department: its bound JPCs
    (figures.negative_report_totals, bound_jpcs_argument(2), "负面清单周报合计"),
    (figures.negative_report_clauses, bound_jpcs_argument(2), "负面事项按条款"),
    (figures.burden_records, own_department_argument(0), "减负负面清单记录"),
    (figures.reference_list, PUBLIC, "参考清单"),
    # appeals (SPEC §6): community data, the committee's
    (figures.funnel_section, CITY_ONLY, "五级诉求漏斗"),
    (figures.appeal_records, CITY_ONLY, "诉求明细"),
    (figures.appeal_trail, CITY_ONLY, "诉求流转"),
    (figures.appeal_resolution_by_month, CITY_ONLY, "社区内解决占比"),
    (figures.community_push_up, CITY_ONLY, "上交排名"),
    (figures.whistle_ladder, CITY_ONLY, "吹哨升级阶梯"),
    (figures.task_flow, CITY_ONLY, "任务下派"),
    (figures.appeal_dwell_times, CITY_ONLY, "层级停留时长"),
    # look-ups for pickers and labels
    (lookups.departments, OWN_DEPARTMENT, "部门名单"),
    (lookups.communities, PUBLIC, "社区名单"),
    (lookups.jpcs, PUBLIC, "联合党委名单"),
    (lookups.categories, PUBLIC, "事件类别"),
    (lookups.months_with_data, PUBLIC, "有数据的月份"),
    (lookups.event_header, Rule("dispatched_to_own"), "事件概况"),
    # the data page (committee and assessment office only)
    (status.quarantine_by_file, CITY_ONLY, "隔离区（按文件）"),
    (status.quarantine_by_column, CITY_ONLY, "隔离区（按列）"),
    (status.quarantine_detail, CITY_ONLY, "隔离明细"),
    (status.recent_ingests, CITY_ONLY, "最近导入"),
    (figures.appeal_outcomes, CITY_ONLY, "诉求最终结果"),
    # assessment (SPEC §7)
    (assessment_figures.assessment_result, ASSESSMENT_SECTIONS, "考核结果"),
    (assessment_figures.assessment_final_cutoff, PUBLIC, "考核正式截止时点"),
    (assessment_figures.assessment_what_if, OWN_DEPARTMENT, "模拟调整"),
    (assessment_figures.assessment_inputs, each(OWN_DEPARTMENT), "考核依据"),
]
CATALOGUE: dict[Callable, Figure] = {fn: Figure(f"{fn.__module__}.{fn.__name__}", fn, rule, label)
                                     for fn, rule, label in _DECLARED}
BY_NAME: dict[str, Figure] = {f.name: f for f in CATALOGUE.values()}

# the figures by their short names, for the pages: `ui.figure(catalogue.bulletin, …)`
globals().update({fn.__name__: fn for fn in CATALOGUE})


def declared(fn: Callable) -> Figure:
    """The catalogue entry of a figure function; an undeclared one is denied to everyone."""
    figure = CATALOGUE.get(fn)
    if figure is None:
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


def view_as(p: Principal, result: Any, fn: Callable, con) -> Any:
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
    return cut(CATALOGUE[monthly_bulletin.bulletin], b, p, bound_jpcs)

