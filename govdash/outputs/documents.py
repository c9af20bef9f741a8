"""The monthly bulletin as Excel (.xlsx) and Word (.docx) files, in Chinese, ready to circulate."""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from govdash.core import textsafe
from govdash.core.formatting import pct
from govdash.core.periods import month_label

FONT = "Noto Sans CJK SC"  # a Simplified Chinese face; Word falls back to its own CJK font when absent

DEPT_COLUMNS = [
    ("rank", "排名", "int"), ("dept_name", "部门", "text"), ("dispatched", "派单数", "int"),
    ("handled", "处置数", "int"), ("handling_rate", "处置率", "pct"), ("timely_handling_rate", "及时处置率", "pct"),
    ("closed_on_time", "按期办结", "int"), ("closed_late", "超期办结", "int"), ("open_overdue", "超期未办结", "int"),
    ("open_in_time", "未到期在办", "int"), ("closure_rate", "办结率", "pct"),
    ("on_time_closure_rate", "按期办结率", "pct"), ("satisfaction_rate", "满意率", "pct"),
    ("returned", "退单数", "int"), ("escalated", "升级数", "int"),
]
OVERDUE_COLUMNS = [("event_id", "事件编号", "text"), ("dept_name", "部门", "text"), ("community_id", "社区编号", "text"),
                   ("deadline", "办结期限", "text"), ("working_days_overdue", "超期工作日", "int")]
SETTING_LABELS = {
    "offsite_response_hours": "非现场类受理时限（小时）",
    "onsite_response_hours": "现场类到场时限（小时）",
    "offsite_closure_working_days": "非现场类结案反馈时限（工作日）",
    "onsite_closure_working_days": "现场类结案时限（工作日，0 = 当日）",
    "difficult_closure_working_days": "疑难问题结案反馈时限（工作日）",
    "negative_list_threshold": "负面清单阈值（处置率、办结率）",
    "red_black_list_size": "红黑榜名额",
}
VISIT_DEPT_COLUMNS = [
    ("dept_name", "部门", "text"), ("bindings", "捆绑联合党委数", "int"), ("required_weeks", "应走访周数", "int"),
    ("covered_weeks", "已走访周数", "int"), ("visit_compliance", "走访达标率", "pct"), ("visits", "走访次数", "int"),
    ("leader_led_visits", "市领导带队次数", "int"), ("problems_raised", "发现问题", "int"),
    ("problems_solved", "解决问题", "int"), ("missed", "缺访周次", "int"),
]
VISIT_BINDING_COLUMNS = [
    ("dept_name", "部门", "text"), ("jpc_name", "联合党委", "text"), ("required_weeks", "应走访周数", "int"),
    ("covered_weeks", "已走访周数", "int"), ("visit_compliance", "走访达标率", "pct"), ("visits", "走访次数", "int"),
    ("leader_led_visits", "市领导带队次数", "int"), ("problems_raised", "发现问题", "int"),
    ("problems_solved", "解决问题", "int"), ("missed_weeks_text", "缺访周", "text"),
]
REPORT_COLUMNS = [
    ("jpc_name", "联合党委", "text"), ("weeks_required", "应报周数", "int"), ("on_time", "按时", "int"),
    ("late", "迟报", "int"), ("missing", "漏报", "int"), ("pending", "未到期", "int"), ("on_time_rate", "按时上报率", "pct"),
    ("items", "负面事项数", "int"), ("rectified_share", "整改率", "pct"), ("clauses_text", "涉及条款", "text"),
    ("missing_weeks_text", "漏报周", "text"),
]
CLAUSE_COLUMNS = [("clause_code", "条款", "text"), ("items", "事项数", "int"), ("jpcs", "涉及联合党委数", "int"),
                  ("clause_text", "条款内容", "text")]
ASSESSMENT_NEGATIVE_COLUMNS = [
    ("dept_name", "部门", "text"), ("dispatched", "年度累计派单", "int"), ("handling_rate", "年度处置率", "pct"),
    ("closure_rate", "年度办结率", "pct"), ("reasons_text", "列入原因", "text"),
]
BURDEN_COLUMNS = [
    ("dept_name", "部门", "text"), ("tasks_onto_communities", "当月下派社区事项", "int"),
    ("tasks_off_list", "当月清单外事项", "int"), ("certificates_off_list", "当月清单外证明", "int"),
    ("tasks_off_list_ytd", "年度累计清单外事项", "int"), ("certificates_off_list_ytd", "年度累计清单外证明", "int"),
]
FUNNEL_COLUMNS = [
    ("level", "层级", "int"), ("label", "层级名称", "text"), ("entered", "进入", "int"), ("resolved", "解决", "int"),
    ("escalated", "上交", "int"), ("withdrawn", "撤回", "int"), ("open", "在办", "int"), ("conversion", "上交率", "pct"),
    ("median_dwell_hours", "停留时长中位数（小时）", "float"), ("p90_dwell_hours", "停留时长 90 分位（小时）", "float"),
]
FUNNEL_GROUP_COLUMNS = [("group", "社区/类别", "text")] + FUNNEL_COLUMNS + [
    ("community_resolution_share", "社区内解决占比", "pct")]
SECTION_SETTING_LABELS = {
    ("visits", "exempt_weeks"): "走访豁免周",
    ("negative_reports", "due_weekday"): "负面清单周报截止：周后第几天（1 = 周一）",
    ("negative_reports", "due_time"): "负面清单周报截止时间",
    ("appeals", "level_labels"): "五级层级名称",
}

DEFINITIONS = [
    ("派单数", "当月派出、未被退回的部门任务数（一件事多部门派单，每个部门各计一次）"),
    ("处置数 / 处置率", "截止时点前已受理（非现场）或已到场（现场）的任务 / 派单数"),
    ("及时处置率", "在受理或到场时限内响应的任务 / 派单数"),
    ("办结率", "（按期办结 + 超期办结）/ 派单数；以最后一次未被退回重办的结案为准"),
    ("按期办结率", "按期办结 / （派单数 − 未到期在办）"),
    ("满意率", "（满意 + 基本满意）/ 已评价任务数"),
    ("退单数", "部门退回且已改派其他部门的任务数，不计入该部门分母"),
    ("升级数", "在办期间被提交日调度、周协调或市委市政府协调的任务数"),
    ("走访达标率", "已走访周数 / 应走访周数；ISO 周（周一至周日）归属其周四所在月份，捆绑关系在该周任一天有效即应走访，该周内该部门到该联合党委走访一次即达标"),
    ("按时上报率", "按时上报周数 / 已到期周数；周报截止为该周结束后的周一 12:00（设置），截止时点前未报且已到期为漏报"),
    ("整改率", "标记已整改的负面事项数 / 负面事项数（按每行数量计）"),
    ("考核负面清单", "1 月至本月累计处置率或办结率低于阈值的部门（4.1.1.1）"),
    ("减负负面清单", "下派到社区（层级 ≤ 3）且准入事项为空或不在附录 B 准入清单的事项，及不在附录 C 证明清单的证明事项，按部门计"),
    ("五级诉求漏斗", "当月提出的居民诉求在各层级的进入、解决、上交、撤回、在办数；上交率 = 上交 / 进入；停留时长按截止时点前已离开该层级的记录计算（插值分位数）"),
    ("社区内解决占比", "在第 1–3 级（居民、居民小组、社区）解决的诉求 / 全部已解决诉求（004 4.3 g）"),
    ("“—”", "分母为零，无法计算"),
]


def _dept_names(b: dict) -> dict:
    return {d["dept_id"]: d["dept_name"] for d in b["departments"]}


def _listed(b: dict, key: str) -> list[dict]:
    """The rows of a bulletin list (computed on the whole city, see figures.honour_lists) that this bulletin shows."""
    by_id = {d["dept_id"]: d for d in b["departments"]}
    return [by_id[i] for i in b["lists"][key] if i in by_id]


def red_black_lists(b: dict) -> tuple[list[dict], list[dict]]:
    return _listed(b, "red"), _listed(b, "black")


def below_threshold(b: dict) -> list[dict]:
    return _listed(b, "below_threshold")


def summary_text(b: dict, previous: dict | None) -> str:
    c = b["city"]
    title = month_label(b["month"])
    if c["dispatched"] == 0:
        return f"{title}，全市无吹哨派单。"
    text = (f"{title}，全市共派出吹哨任务 {c['dispatched']} 件，处置 {c['handled']} 件，处置率 {pct(c['handling_rate'])}，"
            f"及时处置率 {pct(c['timely_handling_rate'])}；办结 {c['closed_on_time'] + c['closed_late']} 件，办结率 "
            f"{pct(c['closure_rate'])}，按期办结率 {pct(c['on_time_closure_rate'])}，满意率 {pct(c['satisfaction_rate'])}；"
            f"部门退单 {c['returned']} 件，升级协调 {c['escalated']} 件，截至 {b['as_of']} 仍有 {c['open_overdue']} 件超期未办结。")
    if previous and previous["city"]["dispatched"]:
        p = previous["city"]
        diff = c["dispatched"] - p["dispatched"]
        text += f"派单数较上月{'增加' if diff >= 0 else '减少'} {abs(diff)} 件"
        if c["on_time_closure_rate"] is not None and p["on_time_closure_rate"] is not None:
            d = (c["on_time_closure_rate"] - p["on_time_closure_rate"]) * 100
            text += f"，按期办结率{'上升' if d >= 0 else '下降'} {abs(d):.1f} 个百分点"
        text += "。"
    red, black = red_black_lists(b)
    if red:
        text += f"按期办结率最高的是{red[0]['dept_name']}（{pct(red[0]['on_time_closure_rate'])}）"
    if black:
        text += f"，最低的是{black[0]['dept_name']}（{pct(black[0]['on_time_closure_rate'])}）。"
    low = below_threshold(b)
    if low:
        text += f"处置率或办结率低于 {pct(b['settings']['whistle']['negative_list_threshold'])} 的部门有 {len(low)} 个。"
    if b.get("calendar_provisional"):
        text += "注意：部分期限所在年份尚无官方节假日安排，按周一至周五暂定计算。"
    return text


# ---------------------------------------------------------------- visits and negative lists, shaped for tables

def visit_rows(b: dict) -> tuple[list[dict], list[dict]]:
    """(per department, per binding) rows of the visit section, with names."""
    import polars as pl

    from govdash.figures import visit_department_summary

    names, jpcs = _dept_names(b), b.get("reference", {}).get("jpc_names", {})
    bindings = [{**v, "dept_name": names.get(v["dept_id"], v["dept_id"]), "jpc_name": jpcs.get(v["jpc_id"], v["jpc_id"]),
                 "missed_weeks_text": "、".join(v["missed_weeks"])} for v in b.get("visits", [])]
    if not bindings:
        return [], []
    depts = visit_department_summary(pl.DataFrame(bindings).drop("missed_weeks")).to_dicts()
    return depts, bindings


def report_rows(b: dict) -> tuple[list[dict], list[dict]]:
    """(per JPC, per clause) rows of the weekly negative-report section."""
    jpcs = b.get("reference", {}).get("jpc_names", {})
    texts = b.get("reference", {}).get("clause_texts", {})
    per_jpc, per_clause = [], {}
    for r in b.get("negative_reports", []):
        per_jpc.append({**r, "jpc_name": jpcs.get(r["jpc_id"], r["jpc_id"]),
                        "clauses_text": "、".join(f"{k}×{v}" for k, v in r["items_by_clause"].items()),
                        "missing_weeks_text": "、".join(r["missing_weeks"])})
        for code, n in r["items_by_clause"].items():
            c = per_clause.setdefault(code, {"clause_code": code, "items": 0, "jpcs": 0, "clause_text": texts.get(code, "")})
            c["items"] += n
            c["jpcs"] += 1
    return per_jpc, [per_clause[k] for k in sorted(per_clause, key=lambda c: [int(x) for x in c[2:].split(".")])]


def negative_list_rows(b: dict) -> tuple[list[dict], list[dict]]:
    assessment = [{**r, "reasons_text": "；".join(r["reasons"])} for r in b.get("assessment_negative_list", [])]
    return assessment, list(b.get("burden_negative_list", []))


def funnel_group_rows(b: dict) -> list[dict]:
    """The funnel per community and per category, one row per (group, level)."""
    f = b.get("funnel") or {}
    out = []
    for kind, key, prefix in (("by_community", "community_id", "社区 "), ("by_category", "category", "类别 ")):
        for g in f.get(kind, []):
            for lv in g["levels"]:
                if lv["entered"]:
                    out.append({**lv, "group": prefix + str(g[key]), "community_resolution_share": g["community_resolution_share"]})
    return out


def funnel_text(b: dict) -> str:
    f = b.get("funnel") or {}
    levels = f.get("levels", [])
    if not levels or not any(lv["entered"] for lv in levels):
        return "本月没有新提出的居民诉求。"
    resolved = sum(lv["resolved"] for lv in levels)
    parts = "，".join(f"{lv['label']} {lv['resolved']} 件" for lv in levels if lv["resolved"])
    text = (f"本月提出的居民诉求共解决 {resolved} 件（{parts}），撤回 {sum(lv['withdrawn'] for lv in levels)} 件，"
            f"仍在办 {sum(lv['open'] for lv in levels)} 件；社区内（第 1–3 级）解决占比 {pct(f['community_resolution_share'])}。")
    top = levels[4]
    if top["open"]:
        text += f"有 {top['open']} 件诉求已上交至{top['label']}仍未办结。"
    return text


def visits_text(b: dict) -> str:
    depts, bindings = visit_rows(b)
    req = sum(d["required_weeks"] for d in depts)
    if not req:
        return "本月无应走访的捆绑关系。"
    cov = sum(d["covered_weeks"] for d in depts)
    full = [d["dept_name"] for d in depts if d["visit_compliance"] == 1]
    low = [f"{d['dept_name']}（{pct(d['visit_compliance'])}）" for d in depts
           if d["visit_compliance"] is not None and d["visit_compliance"] < 1]
    text = (f"本月各捆绑部门应走访 {req} 个联合党委周次，实际走访 {cov} 个，走访达标率 {pct(cov / req)}；"
            f"共走访 {sum(d['visits'] for d in depts)} 次，其中市领导带队 {sum(d['leader_led_visits'] for d in depts)} 次，"
            f"发现问题 {sum(d['problems_raised'] for d in depts)} 个，解决 {sum(d['problems_solved'] for d in depts)} 个。")
    if full:
        text += f"全部达标的部门 {len(full)} 个。"
    if low:
        text += "未全部达标：" + "、".join(low) + "。"
    return text


def reports_text(b: dict) -> str:
    per_jpc, per_clause = report_rows(b)
    if not per_jpc:
        return "本月无负面清单周报数据。"
    n = sum(r["weeks_required"] - r["pending"] for r in per_jpc)
    on_time = sum(r["on_time"] for r in per_jpc)
    late = sum(r["late"] for r in per_jpc)
    missing = sum(r["missing"] for r in per_jpc)
    items = sum(r["items"] for r in per_jpc)
    text = (f"{len(per_jpc)} 个联合党委本月应报周报 {n} 份（已到期），按时 {on_time} 份，迟报 {late} 份，漏报 {missing} 份，"
            f"按时上报率 {pct(on_time / n) if n else '—'}；报告负面事项 {items} 项")
    if per_clause:
        top = max(per_clause, key=lambda c: c["items"])
        done = sum(r["rectified_items"] for r in per_jpc)
        text += f"，最多的条款是 {top['clause_code']}（{top['items']} 项），整改率 {pct(done / items)}"
    return text + "。"


# ---------------------------------------------------------------- Excel

def bulletin_xlsx(b: dict, out: Path | io.BytesIO) -> None:
    wb = textsafe.Workbook(out)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "font_name": FONT})
    text = wb.add_format({"border": 1, "font_name": FONT})
    num = wb.add_format({"border": 1, "num_format": "0", "font_name": FONT})
    pctf = wb.add_format({"border": 1, "num_format": "0.0%", "font_name": FONT})
    fmt = {"text": text, "int": num, "pct": pctf,
           "float": wb.add_format({"border": 1, "num_format": "0.0", "font_name": FONT})}
    names = _dept_names(b)

    def sheet(name, columns, rows):
        ws = wb.add_worksheet(name)
        for j, (_, label, _) in enumerate(columns):
            wb.cell(ws, 0, j, label, head)
            ws.set_column(j, j, max(10, len(label) * 2 + 2))
        for i, r in enumerate(rows, 1):
            for j, (key, _, kind) in enumerate(columns):
                v = r.get(key)
                if v is None:
                    wb.cell(ws, i, j, "—" if kind == "pct" else None, text)
                else:
                    wb.cell(ws, i, j, v, fmt[kind])
        ws.freeze_panes(1, 0)
        return ws

    sheet("部门排名", DEPT_COLUMNS, b["departments"])
    city = {**b["city"], "dept_name": "全市合计", "rank": None}
    sheet("全市汇总", [c for c in DEPT_COLUMNS if c[0] != "rank"], [city])
    red, black = red_black_lists(b)
    sheet("红榜", DEPT_COLUMNS, red)
    sheet("黑榜", DEPT_COLUMNS, black)
    sheet("低于阈值", DEPT_COLUMNS, below_threshold(b))
    sheet("超期未办结", OVERDUE_COLUMNS, [{**o, "dept_name": names.get(o["dept_id"], o["dept_id"])} for o in b["overdue"]])
    visit_depts, visit_bindings = visit_rows(b)
    sheet("走访达标（部门）", VISIT_DEPT_COLUMNS, visit_depts)
    sheet("走访明细（捆绑关系）", VISIT_BINDING_COLUMNS, visit_bindings)
    per_jpc, per_clause = report_rows(b)
    sheet("负面清单周报", REPORT_COLUMNS, per_jpc)
    sheet("负面事项按条款", CLAUSE_COLUMNS, per_clause)
    assessment, burden = negative_list_rows(b)
    sheet("考核负面清单", ASSESSMENT_NEGATIVE_COLUMNS, assessment)
    sheet("减负负面清单", BURDEN_COLUMNS, burden)
    sheet("五级诉求漏斗", FUNNEL_COLUMNS, (b.get("funnel") or {}).get("levels", []))
    sheet("漏斗（按社区和类别）", FUNNEL_GROUP_COLUMNS, funnel_group_rows(b))
    ws = wb.add_worksheet("设置与口径")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 70)
    rows = [("统计月份", b["month"]), ("截止时点", b["as_of"])]
    rows += [(SETTING_LABELS.get(k, k), v) for k, v in b["settings"]["whistle"].items()]
    rows += _section_settings(b)
    rows += [(k, v) for k, v in DEFINITIONS]
    for i, (k, v) in enumerate(rows):
        wb.cell(ws, i, 0, k, text)
        wb.cell(ws, i, 1, v, text)
    wb.close()


def _section_settings(b: dict) -> list[tuple[str, str]]:
    out = []
    for (section, key), label in SECTION_SETTING_LABELS.items():
        v = b["settings"].get(section, {}).get(key)
        if v is not None:
            out.append((label, "、".join(v) if isinstance(v, list) and v else ("无" if isinstance(v, list) else str(v))))
    return out


# ---------------------------------------------------------------- Word

def _set_font(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        st = doc.styles[name]
        st.font.name = FONT
        rpr = st.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _table(doc: Document, columns, rows) -> None:
    t = doc.add_table(rows=1, cols=len(columns))
    t.style = "Table Grid"
    for j, (_, label, _) in enumerate(columns):
        t.rows[0].cells[j].text = label
    for r in rows:
        cells = t.add_row().cells
        for j, (key, _, kind) in enumerate(columns):
            v = r.get(key)
            cells[j].text = pct(v) if kind == "pct" else ("—" if v is None and kind == "float" else ("" if v is None else str(v)))


def bulletin_docx(b: dict, previous: dict | None, out: Path | io.BytesIO) -> None:
    doc = Document()
    _set_font(doc)
    title = doc.add_heading(f"{month_label(b['month'])}“社区吹哨、部门报到”工作情况通报", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"统计截止：{b['as_of']}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(summary_text(b, previous))
    doc.add_heading("二、部门排名", level=1)
    doc.add_paragraph("按按期办结率、办结率、派单数依次从高到低排名，并列者名次相同。")
    short = [c for c in DEPT_COLUMNS if c[0] in ("rank", "dept_name", "dispatched", "handling_rate", "timely_handling_rate",
                                                  "closure_rate", "on_time_closure_rate", "satisfaction_rate", "returned")]
    _table(doc, short, b["departments"])
    red, black = red_black_lists(b)
    doc.add_heading("三、红黑榜", level=1)
    doc.add_paragraph("红榜（按期办结率前列）：" + ("、".join(f"{d['dept_name']}（{pct(d['on_time_closure_rate'])}）" for d in red) or "无"))
    doc.add_paragraph("黑榜（按期办结率后列）：" + ("、".join(f"{d['dept_name']}（{pct(d['on_time_closure_rate'])}）" for d in black) or "无"))
    doc.add_heading("四、考核负面清单（年度累计）", level=1)
    assessment, burden = negative_list_rows(b)
    t = pct(b["settings"]["whistle"]["negative_list_threshold"])
    doc.add_paragraph(f"1 月至本月累计处置率或办结率低于 {t} 的部门，纳入年度考核负面清单（4.1.1.1）：" + ("无。" if not assessment else ""))
    if assessment:
        _table(doc, ASSESSMENT_NEGATIVE_COLUMNS, assessment)
    low = below_threshold(b)
    if low:
        doc.add_paragraph("本月单月处置率或办结率低于阈值：" + "、".join(
            f"{d['dept_name']}（处置率 {pct(d['handling_rate'])}，办结率 {pct(d['closure_rate'])}）" for d in low) + "。")
    doc.add_heading("五、超期未办结事项", level=1)
    names = _dept_names(b)
    overdue = [{**o, "dept_name": names.get(o["dept_id"], o["dept_id"])} for o in b["overdue"]]
    if overdue:
        if len(overdue) > 50:
            doc.add_paragraph(f"共 {len(overdue)} 件，以下列出超期最久的 50 件，完整清单见 Excel 通报。")
        _table(doc, OVERDUE_COLUMNS, overdue[:50])
    else:
        doc.add_paragraph("无。")
    doc.add_heading("六、联系捆绑走访", level=1)
    doc.add_paragraph(visits_text(b))
    visit_depts, visit_bindings = visit_rows(b)
    if visit_depts:
        _table(doc, VISIT_DEPT_COLUMNS, visit_depts)
    missed = [v for v in visit_bindings if v["missed_weeks"]]
    if missed:
        doc.add_paragraph("缺访明细：")
        _table(doc, [c for c in VISIT_BINDING_COLUMNS if c[0] in ("dept_name", "jpc_name", "required_weeks",
                                                                    "covered_weeks", "missed_weeks_text")], missed)
    doc.add_heading("七、负面清单周报", level=1)
    doc.add_paragraph(reports_text(b))
    per_jpc, per_clause = report_rows(b)
    if per_jpc:
        _table(doc, [c for c in REPORT_COLUMNS if c[0] != "clauses_text"], per_jpc)
    if per_clause:
        doc.add_paragraph("负面事项按条款（附录 E）：")
        _table(doc, CLAUSE_COLUMNS, per_clause)
    doc.add_heading("八、减负负面清单", level=1)
    doc.add_paragraph("下派到社区的清单外事项（准入事项为空或不在附录 B）及清单外证明事项（不在附录 C），按部门统计："
                      + ("无。" if not burden else ""))
    if burden:
        _table(doc, BURDEN_COLUMNS, burden)
    doc.add_heading("九、五级双向诉求", level=1)
    doc.add_paragraph(funnel_text(b))
    if (b.get("funnel") or {}).get("levels"):
        _table(doc, FUNNEL_COLUMNS, b["funnel"]["levels"])
    doc.add_heading("十、口径与设置", level=1)
    for k, v in DEFINITIONS:
        doc.add_paragraph(f"{k}：{v}", style="List Bullet")
    for k, v in b["settings"]["whistle"].items():
        doc.add_paragraph(f"{SETTING_LABELS.get(k, k)}：{v}", style="List Bullet")
    for k, v in _section_settings(b):
        doc.add_paragraph(f"{k}：{v}", style="List Bullet")
    doc.add_paragraph("期限按国家法定节假日及调休安排的工作日计算；小时时限按自然时间计算；"
                      "截止时点之后的记录不计入，历史时点的通报数字不会改变。")
    doc.save(out)


# ---------------------------------------------------------------- assessment (Excel)

def assessment_rows(a: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(ranking, components, deductions) rows of an assessment result."""
    ranking, components, deductions = [], [], []
    for d in a["departments"]:
        ranking.append({**d, "deduction_count": len(d["deductions"])})
        for name, c in d["components"].items():
            components.append({"dept_name": d["dept_name"], "component": c["label"], **c})
        for x in d["deductions"]:
            deductions.append({"dept_name": d["dept_name"], **x})
    return ranking, components, deductions


ASSESSMENT_RANK_COLUMNS = [
    ("rank", "排名", "int"), ("dept_name", "部门", "text"), ("score", "得分", "float2"), ("grade", "等次", "text"),
    ("gross_points", "考核项得分", "float2"), ("deduction_points", "扣分", "float2"), ("deduction_count", "扣分条数", "int"),
    ("previous_score", "上期得分", "float2"), ("change", "较上期", "float2"), ("note", "说明", "text"),
]
ASSESSMENT_COMPONENT_COLUMNS = [
    ("dept_name", "部门", "text"), ("component", "考核项", "text"), ("actual", "实际值", "float4"),
    ("target", "目标值", "float4"), ("weight", "权重", "float2"), ("effective_weight", "实际计分权重", "float2"),
    ("points", "得分", "float2"),
]
ASSESSMENT_DEDUCTION_COLUMNS = [("dept_name", "部门", "text"), ("reason", "扣分原因", "text"), ("points", "扣分", "float2"),
                                ("source", "依据记录", "text")]


def assessment_xlsx(a: dict, out) -> None:
    wb = textsafe.Workbook(out)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "font_name": FONT})
    fmt = {"text": wb.add_format({"border": 1, "font_name": FONT}),
           "int": wb.add_format({"border": 1, "num_format": "0", "font_name": FONT}),
           "float2": wb.add_format({"border": 1, "num_format": "0.00", "font_name": FONT}),
           "float4": wb.add_format({"border": 1, "num_format": "0.0000", "font_name": FONT})}
    ranking, components, deductions = assessment_rows(a)
    for name, columns, rows in (("排名", ASSESSMENT_RANK_COLUMNS, ranking), ("考核项", ASSESSMENT_COMPONENT_COLUMNS, components),
                                ("扣分明细", ASSESSMENT_DEDUCTION_COLUMNS, deductions)):
        ws = wb.add_worksheet(name)
        for j, (_, label, _) in enumerate(columns):
            wb.cell(ws, 0, j, label, head)
            ws.set_column(j, j, 40 if label in ("扣分原因", "依据记录", "说明") else max(10, len(label) * 2 + 2))
        for i, r in enumerate(rows, 1):
            for j, (key, _, kind) in enumerate(columns):
                v = r.get(key)
                if v is None:
                    wb.cell(ws, i, j, "—", fmt["text"])
                else:
                    wb.cell(ws, i, j, v, fmt[kind])
        ws.freeze_panes(1, 0)
    ws = wb.add_worksheet("评分设置")
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 60)
    s = a["settings"]
    rows = [("考核期间", a["period"]), ("截止时点", a["as_of"]), ("对比期间", a["previous_period"]),
            ("设置文件", s["source"]), ("考核负面清单阈值（处置率、办结率）", s["negative_list_threshold"])]
    rows += [(f"考核项：{c['label']}（{c['metric']}）", f"权重 {c['weight']:g}，目标 {c['target']:g}") for c in s["components"].values()]
    labels = {"assessment_negative_list": "每次列入考核负面清单扣分", "burden_negative_list": "每月列入减负负面清单扣分",
              "jpc_negative_item_points": "联合党委每项负面事项分值", "shared_penalty_share": "同奖同罚：捆绑部门分担比例"}
    rows += [(labels.get(k, k), v) for k, v in s["deductions"].items()]
    rows += [(f"等次：{k}", f"≥ {v:g} 分") for k, v in s["grades"].items()] + [("等次：不合格", "低于最低分数线")]
    rows += [("计分方法", "得分 = Σ 权重 × min(实际值 / 目标值, 1) − 扣分，最低 0 分；无数据的考核项不计，其权重按比例分配给其他考核项"),
             ("排名", "按得分从高到低，同分同名次")]
    for i, (k, v) in enumerate(rows):
        wb.cell(ws, i, 0, k, fmt["text"])
        wb.cell(ws, i, 1, v, fmt["text"])
    wb.close()


# ---------------------------------------------------------------- the one render path (CLI and pages)

BULLETIN_FORMATS = ("docx", "xlsx")


def render_bulletin(kind: str, b: dict, previous: dict | None = None) -> bytes:
    """The monthly bulletin as a Word or Excel file, from a bulletin already cut to its reader's view."""
    if kind not in BULLETIN_FORMATS:
        raise ValueError(f"不支持的通报格式“{kind}”，应为 docx 或 xlsx")
    buf = io.BytesIO()
    if kind == "docx":
        bulletin_docx(b, previous, buf)
    else:
        bulletin_xlsx(b, buf)
    return buf.getvalue()


def render_assessment(a: dict) -> bytes:
    """The quarterly or annual scoring sheet (Excel), from an assessment already cut to its reader's view."""
    buf = io.BytesIO()
    assessment_xlsx(a, buf)
    return buf.getvalue()
