"""The monthly bulletin's body, section by section, as blocks (headings, sentences, tables) that the Word 通报
(govdash.documents.documents.bulletin_docx) and the bulletin page (pages/monthly_bulletin.py) both draw: one
text, one order, one numbering, whoever reads it.

A section is a title and a function of (bulletin, previous month's bulletin) returning its blocks (one that does
not compare with the month before takes it as `_previous`). The sections are numbered 一、二、… in BODY's order
and their sub-headings （一）（二）… in the section's, so adding a section is one entry in BODY (with the bulletin
section it shows, govdash.figures.bulletin.SECTIONS).
The Word file attaches long tables as numbered 附件; the page shows every table where it stands, and may draw a
block its own way (a block's `key` names it: the ranking's sortable table, the overdue list's case view).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from govdash.core.formatting import pct
from govdash.core.periods import moment_label
from govdash.documents.bulletin_text import (
    APPROVED_DISPUTE_COLUMNS,
    ASSESSMENT_NEGATIVE_COLUMNS,
    BURDEN_COLUMNS,
    DEFINITIONS,
    DEPT_COLUMNS,
    FUNNEL_COLUMNS,
    OVERDUE_COLUMNS,
    REPORT_COLUMNS,
    SETTING_LABELS,
    VISIT_BINDING_COLUMNS,
    VISIT_DEPT_COLUMNS,
    approved_dispute_rows,
    below_threshold,
    disputes_text,
    funnel_text,
    named_weeks,
    negative_list_rows,
    overdue_rows,
    red_black_lists,
    report_rows,
    reports_text,
    section_settings,
    summary_text,
    visit_rows,
    visits_text,
)

NUMERALS = "一二三四五六七八九"


@dataclass(frozen=True)
class Heading:
    """A sub-heading of a section, numbered （一）（二）… in its section."""
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    key: str = ""


@dataclass(frozen=True)
class Table:
    """A table introduced by a sentence. No rows: the sentence ends "无。". The Word file attaches it as the next
    附件 when it is long (or always, `attach`), titled `title`."""
    intro: str
    title: str
    columns: list
    rows: list
    attach: bool = False
    key: str = ""


@dataclass(frozen=True)
class Notes:
    """The definitions and settings: a 附件 in the Word file, an expander on the page, with the sentence after."""
    definitions: list
    settings: list[str]
    text: str


Block = Heading | Para | Table | Notes


@dataclass(frozen=True)
class BodySection:
    title: str
    blocks: Callable[[dict, dict | None], list[Block]]


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九 (section numbers)."""
    if not 1 <= n <= 99:
        raise ValueError(f"section number {n} out of range")
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else NUMERALS[tens - 1]) + "十" if tens else "") + (NUMERALS[ones - 1] if ones else "")


def numbered_title(n: int, title: str) -> str:
    """一、总体情况 (n counts from 1)."""
    return f"{chinese_number(n)}、{title}"


def sub_heading(n: int, text: str) -> str:
    """（一）走访达标情况: the n-th sub-heading of a section."""
    return f"（{chinese_number(n)}）{text}"


def table_intro(intro: str, rows: list, attachment: int | None = None) -> str:
    """The sentence before a table: no rows, "…无。"; attached as 附件 n, "…详见附件n。"; inline, ending in a colon
    (a sentence that ends in a full stop keeps it). Empty when there is no sentence and nothing to say."""
    if not rows:
        return intro + "无。" if intro else ""
    if attachment is not None:
        return f"{intro}详见附件{attachment}。"
    if not intro or intro.endswith("。"):
        return intro
    return intro.rstrip("：:") + "："


def _general(b, previous):
    return [Para(summary_text(b, previous), key="summary")]


RANK_SHORT = ("rank", "dept_name", "dispatched", "handling_rate", "timely_handling_rate", "closure_rate",
              "on_time_closure_rate", "satisfaction_rate", "returned")


def _ranking(b, _previous):
    return [Table("按按期办结率、办结率、派单数依次从高到低排名，并列者名次相同。",
                  "各部门“社区吹哨、部门报到”工作排名",
                  [c for c in DEPT_COLUMNS if c[0] in RANK_SHORT], b["departments"], key="ranking")]


def _honour_lists(b, _previous):
    red, black = red_black_lists(b)
    return [Para("红榜（按期办结率前列）：" + ("、".join(f"{d['dept_name']}（{pct(d['on_time_closure_rate'])}）"
                                            for d in red) or "无")),
            Para("黑榜（按期办结率后列）：" + ("、".join(f"{d['dept_name']}（{pct(d['on_time_closure_rate'])}）"
                                            for d in black) or "无"))]


def _assessment_negative_list(b, _previous):
    threshold = b["settings"]["whistle"]["negative_list_threshold"]
    assessment, _ = negative_list_rows(b)
    out: list[Block] = [Table(f"1 月至本月累计处置率或办结率低于 {pct(threshold)} 的部门，纳入年度考核负面清单：",
                              "年度考核负面清单", ASSESSMENT_NEGATIVE_COLUMNS, assessment)]
    low = below_threshold(b)
    if low:
        out.append(Para(f"本月单月处置率或办结率低于 {pct(threshold)} 的部门：" + "、".join(
            f"{d['dept_name']}（处置率 {pct(d['handling_rate'])}，办结率 {pct(d['closure_rate'])}）" for d in low)
                        + "。"))
    return out


def _overdue(b, _previous):
    overdue = overdue_rows(b)
    if not overdue:
        return [Para("无。")]
    by_dept: dict[str, int] = {}
    for o in overdue:
        by_dept[o["dept_name"]] = by_dept.get(o["dept_name"], 0) + 1
    most = sorted(by_dept.items(), key=lambda kv: -kv[1])[:3]
    intro = (f"截至 {moment_label(b['as_of'])}，本月派出的任务中有 {len(overdue)} 件超期未办结，涉及 {len(by_dept)} "
             "个部门，其中较多的是" + "、".join(f"{n}（{k} 件）" for n, k in most) + "。")
    return [Table(intro, "超期未办结事项清单", OVERDUE_COLUMNS, overdue, attach=True, key="overdue")]


MISSED_COLUMNS = ("dept_name", "jpc_name", "required_weeks", "covered_weeks", "missed_weeks_text")


def _visits(b, _previous):
    visit_depts, visit_bindings = visit_rows(b)
    missed = [v for v in named_weeks(visit_bindings) if v["missed_weeks"]]
    out: list[Block] = [Heading("走访达标情况"), Para(visits_text(b))]
    if visit_depts:
        out.append(Table("", "各部门联系捆绑走访情况", VISIT_DEPT_COLUMNS, visit_depts))
    out += [Heading("缺访明细"),
            Table(f"有缺访的捆绑关系 {len(missed)} 个。" if missed else "本月没有缺访的捆绑关系。",
                  "联系捆绑走访缺访明细",
                  [c for c in VISIT_BINDING_COLUMNS if c[0] in MISSED_COLUMNS], missed, attach=True)]
    return out


CLAUSE_TABLE_COLUMNS = [("clause_text", "条款内容", "text"), ("items", "事项数", "int"),
                        ("jpcs", "涉及联合党委数", "int")]


def _weekly_reports(b, _previous):
    per_jpc, per_clause = report_rows(b)
    out: list[Block] = [Heading("上报情况"), Para(reports_text(b))]
    if per_jpc:
        out.append(Table("", "各联合党委负面清单周报上报情况",
                         [c for c in REPORT_COLUMNS if c[0] not in ("clauses_text", "missing_weeks_text")], per_jpc))
    out += [Heading("负面事项按条款"),
            Table("负面事项按负面清单条款统计：", "负面事项按条款统计", CLAUSE_TABLE_COLUMNS,
                  [{**c, "clause_text": c["clause_text"] or c["clause_code"]} for c in per_clause])]
    return out


def _burden(b, _previous):
    _, burden = negative_list_rows(b)
    return [Table("下派到社区的清单外事项（准入事项为空或不在社区工作事项准入清单）"
                  "及清单外证明事项（不在证明事项清单），按部门统计：",
                  "减负负面清单", BURDEN_COLUMNS, burden)]


def _appeals(b, _previous):
    if b.get("funnel") is None:   # a department's view: community appeals are the committee's
        return [Para("居民诉求按社区和层级统计，部门账号不显示（见市级通报）。")]
    out: list[Block] = [Para(funnel_text(b))]
    levels = b["funnel"].get("levels") or []
    if levels:
        out.append(Table("", "五级双向诉求漏斗", [c for c in FUNNEL_COLUMNS if c[0] != "level"], levels))
    return out


def _disputes(b, _previous):
    """申诉核减情况: one sentence of the month's disputes, then the approved ones with their effect (SPEC §9.5)."""
    approved = approved_dispute_rows(b)
    out: list[Block] = [Para(disputes_text(b))]
    if approved:
        out.append(Table("批准的申诉核减事项如下：", "批准的申诉核减事项", APPROVED_DISPUTE_COLUMNS, approved,
                         key="approved_disputes"))
    return out


def _notes(b, _previous):
    settings = [f"{SETTING_LABELS.get(k, k)}：{pct(v) if k == 'negative_list_threshold' else v}"
                for k, v in b["settings"]["whistle"].items()] + [f"{k}：{v}" for k, v in section_settings(b)]
    return [Notes(DEFINITIONS, settings, "期限按国家法定节假日及调休安排的工作日计算；小时时限按自然时间计算；"
                                         "截止时点之后的记录不计入，历史时点的通报数字不会改变。")]


BODY: tuple[BodySection, ...] = (
    BodySection("总体情况", _general),
    BodySection("部门排名", _ranking),
    BodySection("红黑榜", _honour_lists),
    BodySection("考核负面清单（年度累计）", _assessment_negative_list),
    BodySection("超期未办结事项", _overdue),
    BodySection("联系捆绑走访", _visits),
    BodySection("负面清单周报", _weekly_reports),
    BodySection("减负负面清单", _burden),
    BodySection("五级双向诉求", _appeals),
    BodySection("申诉核减情况", _disputes),
    BodySection("口径与设置", _notes),
)


def body(b: dict, previous: dict | None):
    """(numbered title, blocks) of every section of BODY in order."""
    return [(numbered_title(n, s.title), s.blocks(b, previous)) for n, s in enumerate(BODY, 1)]


# ---------------------------------------------------------------- a department's reading (SPEC 8.1)
# A department reads the city's bulletin as the committee published it (the body above, unchanged), then its
# own rows under this heading, marked as an extract; none of its sentences ranks or lists over its rows alone.

EXTRACT_TITLE = "本部门情况摘要"
EXTRACT_NOTE = ("部门账号：以上为全市通报全文，与基层治理委员会办公室印发的一致；“本部门情况摘要”为本部门记录的摘录，"
                "不是通报正文。")


def extract_name(e: dict) -> str:
    """The department an extract is of, by name (its row in the ranking), else by its id."""
    rows = e.get("departments") or []
    return rows[0]["dept_name"] if rows else (e.get("scope") or {}).get("dept_id") or "本部门"


def _on_lists(e: dict) -> str:
    lists = e.get("lists") or {}
    red, black, low = (bool(lists.get(k)) for k in ("red", "black", "below_threshold"))
    text = "本部门" + ("列入红榜" if red else "列入黑榜" if black else "未列入红黑榜")
    if low:
        text += f"，本月处置率或办结率低于 {pct(e['settings']['whistle']['negative_list_threshold'])}"
    return text + "（红黑榜和阈值按全市各部门判定，见通报正文）。"


def extract_blocks(e: dict) -> list[Block]:
    """A department's extract (`e`: the bulletin cut to its rows): its rows of each section, each table introduced
    as the department's own; its rank is its place among every department of the city."""
    assessment, burden = negative_list_rows(e)
    visit_depts, visit_bindings = visit_rows(e)
    missed = [v for v in named_weeks(visit_bindings) if v["missed_weeks"]]
    per_jpc, _ = report_rows(e)
    return [
        Para(f"以下为{extract_name(e)}在本期通报中的记录摘录，供本部门核对，不是通报正文；"
             f"名次为在全市 {e.get('department_count', len(e.get('departments') or []))} "
             "个部门中的名次，以上文通报为准。"),
        Heading("吹哨报到"),
        Table("本部门派单与办结情况：", "本部门吹哨报到情况", [c for c in DEPT_COLUMNS if c[0] in RANK_SHORT],
              e.get("departments") or []),
        Para(_on_lists(e)),
        Table("本部门超期未办结事项：", "本部门超期未办结事项", OVERDUE_COLUMNS, overdue_rows(e)),
        Heading("联系捆绑走访"),
        Table("本部门走访情况：", "本部门联系捆绑走访", VISIT_DEPT_COLUMNS, visit_depts),
        Table("本部门有缺访的捆绑关系：", "本部门缺访明细", [c for c in VISIT_BINDING_COLUMNS
                                          if c[0] in MISSED_COLUMNS],
              missed),
        Table("本部门捆绑的联合党委负面清单周报：", "本部门捆绑联合党委周报",
              [c for c in REPORT_COLUMNS if c[0] not in ("clauses_text", "missing_weeks_text")], per_jpc),
        Heading("负面清单"),
        Table("本部门列入年度考核负面清单的记录：", "本部门年度考核负面清单", ASSESSMENT_NEGATIVE_COLUMNS, assessment),
        Table("本部门减负负面清单记录：", "本部门减负负面清单", BURDEN_COLUMNS, burden),
        Heading("申诉核减"),
        Table("本部门获批准的申诉核减事项：", "本部门申诉核减事项", APPROVED_DISPUTE_COLUMNS, approved_dispute_rows(e)),
    ]
