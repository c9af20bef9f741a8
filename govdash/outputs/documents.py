"""The monthly bulletin as an official document: a GB/T 9704 通报 in Word (.docx) and PDF, and a print-ready
Excel workbook (.xlsx); the quarterly/annual scoring sheet in Excel. In Chinese, ready to circulate.

Empty values: a figure that cannot be computed (no data, or a zero denominator) is "—" in every file, in
text and in numeric columns alike; rates are numbers in a percent format in Excel, "12.3%" in Word.
"""
from __future__ import annotations

import io
from pathlib import Path

from govdash.core import textsafe
from govdash.core.formatting import EMPTY, pct
from govdash.core.periods import day_label, deadline_label, month_bounds, month_label, moment_label, week_range_label

FONT = "Noto Sans CJK SC"  # the workbooks' face (a Simplified Chinese face; Excel/WPS substitute their own)

DEPT_COLUMNS = [
    ("rank", "排名", "int"), ("dept_name", "部门", "text"), ("dispatched", "派单数", "int"),
    ("handled", "处置数", "int"), ("handling_rate", "处置率", "pct"), ("timely_handling_rate", "及时处置率", "pct"),
    ("closed_on_time", "按期办结", "int"), ("closed_late", "超期办结", "int"), ("open_overdue", "超期未办结", "int"),
    ("open_in_time", "未到期在办", "int"), ("closure_rate", "办结率", "pct"),
    ("on_time_closure_rate", "按期办结率", "pct"), ("satisfaction_rate", "满意率", "pct"),
    ("returned", "退单数", "int"), ("escalated", "升级数", "int"),
]
OVERDUE_COLUMNS = [("event_id", "事件编号", "text"), ("dept_name", "部门", "text"), ("community_name", "社区", "text"),
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
    ("考核负面清单", "1 月至本月累计处置率或办结率低于阈值的部门"),
    ("减负负面清单", "下派到社区（层级 ≤ 3）且准入事项为空或不在附录 B 准入清单的事项，及不在附录 C 证明清单的证明事项，按部门计"),
    ("五级诉求漏斗", "当月提出的居民诉求在各层级的进入、解决、上交、撤回、在办数；上交率 = 上交 / 进入；停留时长按截止时点前已离开该层级的记录计算（插值分位数）"),
    ("社区内解决占比", "在第 1–3 级（居民、居民小组、社区）解决的诉求 / 全部已解决诉求"),
    ("“—”", "无数据或分母为零，无法计算（各文件一律如此表示）"),
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
            f"部门退单 {c['returned']} 件，升级协调 {c['escalated']} 件，截至 {moment_label(b['as_of'])} 仍有 {c['open_overdue']} 件超期未办结。")
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
        name = f"“{top['clause_text']}”" if top["clause_text"] else top["clause_code"]
        text += f"，最多的是{name}（{top['items']} 项），整改率 {pct(done / items)}"
    return text + "。"


# ---------------------------------------------------------------- the document's identity (settings, status)

DOCUMENT_DEFAULTS = {"issuer": "社区治理委员会办公室", "document_number": "〔{year}〕{number}号", "number": 0,
                     "recipients": "", "copy_to": ""}
BULLETIN_TITLE = "“社区吹哨、部门报到”工作情况通报"


def document_settings(b: dict | None = None) -> dict:
    """[bulletin] of config/settings.toml (issuer, number pattern, recipients, copy-to); a bulletin may carry
    its own (b["settings"]["bulletin"], e.g. an archived one)."""
    from govdash.core.settings import load_settings

    out = {**DOCUMENT_DEFAULTS, **load_settings().get("bulletin", {})}
    out.update(((b or {}).get("settings") or {}).get("bulletin") or {})
    return out


def document_number(b: dict, s: dict) -> str:
    start, _ = month_bounds(b["month"])
    return s["document_number"].format(year=start.year, number=int(s.get("number") or 0) or start.month)


def document_date(b: dict) -> str:
    """成文日期: the publication date of a published bulletin, else the date of the cut-off."""
    pub = b.get("publication") or {}
    return day_label(pub.get("published_at") or b["as_of"])


def title_mark(b: dict) -> str:
    """What follows the title: "（初步）" before the cut-off rule's moment, "（更正）" for a correction."""
    pub = b.get("publication") or {}
    if pub.get("status") == "correction":
        return "（更正）"
    return "（初步）" if b.get("provisional") else ""


def bulletin_title(b: dict) -> str:
    return f"{month_label(b['month'])}{BULLETIN_TITLE}{title_mark(b)}"


def status_text(doc: dict) -> str:
    """初步 / 已发布 / 更正 / 未发布, with the publication's version, time and publisher."""
    pub = doc.get("publication") or {}
    if pub.get("status") in ("published", "correction"):
        label = "更正" if pub["status"] == "correction" else "已发布"
        parts = [f"第 {pub['version']} 版" if pub.get("version") is not None else "",
                 moment_label(pub["published_at"]) if pub.get("published_at") else "",
                 f"发布人 {pub['published_by']}" if pub.get("published_by") else ""]
        detail = "，".join(p for p in parts if p)
        return f"{label}（{detail}）" if detail else label
    return "初步（数据尚未到截止规则规定的时点，可能变动）" if doc.get("provisional") else "未发布"


# ---------------------------------------------------------------- Excel

TITLE_ROWS = 3          # title, month/cut-off/issuer/status, data note (or empty)
HEADER_ROW = TITLE_ROWS + 1   # the column headers' row in Excel's numbering (1-based)
NUMERIC = ("int", "pct", "float", "float2", "float4")


def _excel_width(value) -> float:
    text = pct(value) if isinstance(value, float) and 0 <= value <= 1 else str(value)
    return sum(2.1 if ord(c) >= 0x2E80 else 1.1 for c in text)


class _PrintSheets:
    """A print-ready workbook: on every sheet a title block, frozen headers, an autofilter, widths and
    wrapping, landscape A4 fitted to the page width with the header row repeated on every page."""

    def __init__(self, out, title: str, meta: str, note: str | None):
        self.wb = textsafe.Workbook(out)
        self.title, self.meta, self.note = title, meta, note
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        add = self.wb.add_format
        self.f_title = add({**base, "bold": True, "font_size": 14, "text_wrap": True})
        self.f_meta = add({**base, "font_color": "#404040", "text_wrap": True})
        self.f_note = add({**base, "font_color": "#C00000", "text_wrap": True})
        self.f_head = add({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "align": "center"})
        num = {**base, "border": 1, "align": "right"}
        self.fmt = {"text": add({**base, "border": 1, "text_wrap": True}), "int": add({**num, "num_format": "0"}),
                    "pct": add({**num, "num_format": "0.0%"}), "float": add({**num, "num_format": "0.0"}),
                    "float2": add({**num, "num_format": "0.00"}), "float4": add({**num, "num_format": "0.0000"})}

    def _title_block(self, ws, name: str, widths: list[float]) -> None:
        """Title, month/cut-off/issuer/status and the data note, each across the sheet's columns (merged,
        wrapped, the row as high as its lines) so all of it prints within the page's width."""
        last = len(widths) - 1
        for row, text, fmt, line_height in ((0, f"{self.title} — {name}", self.f_title, 22),
                                            (1, self.meta, self.f_meta, 15), (2, self.note, self.f_note, 15)):
            if not text:
                continue
            if last > 0:
                ws.merge_range(row, 0, row, last, "", fmt)
            self.wb.cell(ws, row, 0, text, fmt)
            lines = -(-_excel_width(text) * (14 / 10 if row == 0 else 1) // max(sum(widths) - 2, 1))
            ws.set_row(row, line_height * max(lines, 1))

    @staticmethod
    def _print_setup(ws, last_row: int, ncol: int) -> None:
        ws.set_landscape()
        ws.set_paper(9)                      # A4
        ws.fit_to_pages(1, 0)                # the width of one page, as many pages down as the rows need
        ws.repeat_rows(TITLE_ROWS)           # the header row on every page
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.print_area(0, 0, max(last_row, TITLE_ROWS), ncol - 1)

    def table(self, name: str, columns, rows: list[dict], fixed_widths: list[float] | None = None) -> None:
        ws = self.wb.add_worksheet(name)
        h = TITLE_ROWS
        widths = []
        for j, (key, label, kind) in enumerate(columns):
            self.wb.cell(ws, h, j, label, self.f_head)
            values = [r.get(key) for r in rows if r.get(key) is not None]
            longest = max([_excel_width(v) for v in values] or [0])
            head = _excel_width(label)
            widths.append(fixed_widths[j] if fixed_widths else max(min(longest, 40), head / 2 if head > 12 else head, 6) + 2)
            ws.set_column(j, j, widths[-1])
        self._title_block(ws, name, widths)
        ws.set_row(h, 30)
        for i, r in enumerate(rows, h + 1):
            for j, (key, _, kind) in enumerate(columns):
                v = r.get(key)
                self.wb.cell(ws, i, j, EMPTY if v is None else v, self.fmt[kind])
        last = h + len(rows)
        ws.freeze_panes(h + 1, 0)
        ws.autofilter(h, 0, last, len(columns) - 1)
        self._print_setup(ws, last, len(columns))

    def pairs(self, name: str, rows: list[tuple[str, object, str]]) -> None:
        """A two-column sheet (setting or definition, value)."""
        self.table(name, [("k", "项目", "text"), ("v", "内容", "text")], [], fixed_widths=[36, 80])
        ws = self.wb.get_worksheet_by_name(name)
        for i, (k, v, kind) in enumerate(rows, TITLE_ROWS + 1):
            self.wb.cell(ws, i, 0, k, self.fmt["text"])
            self.wb.cell(ws, i, 1, EMPTY if v is None else v, self.fmt[kind])
        last = TITLE_ROWS + len(rows)
        ws.autofilter(TITLE_ROWS, 0, last, 1)
        self._print_setup(ws, last, 2)

    def close(self) -> None:
        self.wb.close()


def _workbook_meta(doc: dict, period: str) -> str:
    s = document_settings(doc)
    return f"{period}　　截止时点：{moment_label(doc['as_of'])}　　发布单位：{s['issuer']}　　状态：{status_text(doc)}"


def _overdue_rows(b: dict) -> list[dict]:
    names, communities = _dept_names(b), b.get("reference", {}).get("community_names", {})
    return [{**o, "dept_name": names.get(o["dept_id"], o["dept_id"]),
             "community_name": communities.get(o["community_id"], o["community_id"]),
             "deadline": deadline_label(o["deadline"])} for o in b["overdue"]]


def _named_weeks(bindings: list[dict]) -> list[dict]:
    return [{**v, "missed_weeks_text": "、".join(week_range_label(w) for w in v["missed_weeks"])} for v in bindings]


def bulletin_xlsx(b: dict, out: Path | io.BytesIO) -> None:
    wb = _PrintSheets(out, bulletin_title(b), _workbook_meta(b, f"统计月份：{month_label(b['month'])}"), b.get("data_note"))
    wb.table("部门排名", DEPT_COLUMNS, b["departments"])
    city = {**b["city"], "dept_name": "全市合计", "rank": None}
    wb.table("全市汇总", [c for c in DEPT_COLUMNS if c[0] != "rank"], [city])
    red, black = red_black_lists(b)
    wb.table("红榜", DEPT_COLUMNS, red)
    wb.table("黑榜", DEPT_COLUMNS, black)
    wb.table("低于阈值", DEPT_COLUMNS, below_threshold(b))
    wb.table("超期未办结", OVERDUE_COLUMNS, _overdue_rows(b))
    visit_depts, visit_bindings = visit_rows(b)
    wb.table("走访达标（部门）", VISIT_DEPT_COLUMNS, visit_depts)
    wb.table("走访明细（捆绑关系）", VISIT_BINDING_COLUMNS, _named_weeks(visit_bindings))
    per_jpc, per_clause = report_rows(b)
    wb.table("负面清单周报", REPORT_COLUMNS, [{**r, "missing_weeks_text": "、".join(week_range_label(w) for w in r["missing_weeks"])}
                                          for r in per_jpc])
    wb.table("负面事项按条款", CLAUSE_COLUMNS, per_clause)
    assessment, burden = negative_list_rows(b)
    wb.table("考核负面清单", ASSESSMENT_NEGATIVE_COLUMNS, assessment)
    wb.table("减负负面清单", BURDEN_COLUMNS, burden)
    wb.table("五级诉求漏斗", FUNNEL_COLUMNS, (b.get("funnel") or {}).get("levels", []))
    wb.table("漏斗（按社区和类别）", FUNNEL_GROUP_COLUMNS, funnel_group_rows(b))
    rows = [("统计月份", month_label(b["month"]), "text"), ("截止时点", moment_label(b["as_of"]), "text"),
            ("状态", status_text(b), "text")]
    rows += [(SETTING_LABELS.get(k, k), *_setting_value(k, v)) for k, v in b["settings"]["whistle"].items()]
    rows += [(k, v, "text") for k, v in _section_settings(b)]
    rows += [(k, v, "text") for k, v in DEFINITIONS]
    wb.pairs("设置与口径", rows)
    wb.close()


def _setting_value(key: str, value) -> tuple[object, str]:
    """A whistle setting as a cell: the threshold as a rate (90.0 %), counts as numbers."""
    if key == "negative_list_threshold":
        return value, "pct"
    return value, ("int" if isinstance(value, int) and not isinstance(value, bool) else "text")


def _section_settings(b: dict) -> list[tuple[str, str]]:
    out = []
    for (section, key), label in SECTION_SETTING_LABELS.items():
        v = b["settings"].get(section, {}).get(key)
        if v is not None:
            if key == "exempt_weeks":
                v = [week_range_label(w) for w in v]
            out.append((label, "、".join(v) if isinstance(v, list) and v else ("无" if isinstance(v, list) else str(v))))
    return out


# ---------------------------------------------------------------- Word: the 通报 (GB/T 9704)

ATTACH_OVER = 8   # a table of more rows than this goes to a numbered 附件 after the body


def _cell_text(v, kind: str) -> str:
    if v is None:
        return EMPTY
    if kind == "pct":
        return pct(v)
    if kind == "float":
        return f"{v:.1f}"
    return str(v)


class _Tongbao:
    """The bulletin's body with its long tables (and the definitions) collected as numbered 附件."""

    def __init__(self, b: dict):
        from govdash.outputs.gongwen import Gongwen

        self.b, self.g = b, Gongwen()
        self.attachments: list[tuple[str, object]] = []   # (title, a function writing its content)

    def attach(self, title: str, build) -> int:
        self.attachments.append((title, build))
        return len(self.attachments)

    def table(self, intro: str, title: str, columns, rows: list[dict], *, always_attach: bool = False) -> None:
        """A paragraph introducing a table, and the table inline when short, else as the next 附件."""
        if not rows:
            if intro:
                self.g.para(intro + "无。")
            return
        if always_attach or len(rows) > ATTACH_OVER:
            n = self.attach(title, lambda: self.put(columns, rows))
            self.g.para(f"{intro}详见附件{n}。")
            return
        if intro:
            self.g.para(intro.rstrip("：:") + "：")
        self.put(columns, rows)

    def put(self, columns, rows: list[dict]) -> None:
        self.g.table([label for _, label, _ in columns],
                     [[_cell_text(r.get(key), kind) for key, _, kind in columns] for r in rows],
                     [kind in NUMERIC for _, _, kind in columns])


RANK_SHORT = ("rank", "dept_name", "dispatched", "handling_rate", "timely_handling_rate", "closure_rate",
              "on_time_closure_rate", "satisfaction_rate", "returned")
DEFINITION_GROUPS = (("吹哨报到", 0, 8), ("走访与周报", 8, 11), ("负面清单", 11, 13), ("五级诉求", 13, 15), ("其他", 15, 16))


def bulletin_docx(b: dict, previous: dict | None, out: Path | io.BytesIO) -> None:
    s = document_settings(b)
    t = _Tongbao(b)
    g = t.g
    g.masthead(s["issuer"], document_number(b, s))
    g.title(f"{month_label(b['month'])}{BULLETIN_TITLE}{title_mark(b)}")
    g.subtitle(f"（统计截止：{moment_label(b['as_of'])}）")
    if b.get("data_note"):
        g.subtitle(str(b["data_note"]))
    if s.get("recipients"):
        g.recipients(s["recipients"])
    threshold = b["settings"]["whistle"]["negative_list_threshold"]

    g.heading(1, "一、总体情况")
    g.para(summary_text(b, previous))

    g.heading(1, "二、部门排名")
    t.table("按按期办结率、办结率、派单数依次从高到低排名，并列者名次相同。", "各部门“社区吹哨、部门报到”工作排名",
            [c for c in DEPT_COLUMNS if c[0] in RANK_SHORT], b["departments"])

    g.heading(1, "三、红黑榜")
    red, black = red_black_lists(b)
    g.para("红榜（按期办结率前列）：" + ("、".join(f"{d['dept_name']}（{pct(d['on_time_closure_rate'])}）" for d in red) or "无"))
    g.para("黑榜（按期办结率后列）：" + ("、".join(f"{d['dept_name']}（{pct(d['on_time_closure_rate'])}）" for d in black) or "无"))

    g.heading(1, "四、考核负面清单（年度累计）")
    assessment, burden = negative_list_rows(b)
    t.table(f"1 月至本月累计处置率或办结率低于 {pct(threshold)} 的部门，纳入年度考核负面清单：", "年度考核负面清单",
            ASSESSMENT_NEGATIVE_COLUMNS, assessment)
    low = below_threshold(b)
    if low:
        g.para(f"本月单月处置率或办结率低于 {pct(threshold)} 的部门：" + "、".join(
            f"{d['dept_name']}（处置率 {pct(d['handling_rate'])}，办结率 {pct(d['closure_rate'])}）" for d in low) + "。")

    g.heading(1, "五、超期未办结事项")
    overdue = _overdue_rows(b)
    if overdue:
        by_dept: dict[str, int] = {}
        for o in overdue:
            by_dept[o["dept_name"]] = by_dept.get(o["dept_name"], 0) + 1
        most = sorted(by_dept.items(), key=lambda kv: -kv[1])[:3]
        intro = (f"截至 {moment_label(b['as_of'])}，本月派出的任务中有 {len(overdue)} 件超期未办结，涉及 {len(by_dept)} 个部门，"
                 f"其中较多的是" + "、".join(f"{n}（{k} 件）" for n, k in most) + "。")
        t.table(intro, "超期未办结事项清单", OVERDUE_COLUMNS, overdue, always_attach=True)
    else:
        g.para("无。")

    g.heading(1, "六、联系捆绑走访")
    visit_depts, visit_bindings = visit_rows(b)
    g.heading(2, "（一）走访达标情况")
    g.para(visits_text(b))
    if visit_depts:
        t.table("", "各部门联系捆绑走访情况", VISIT_DEPT_COLUMNS, visit_depts)
    missed = [v for v in _named_weeks(visit_bindings) if v["missed_weeks"]]
    g.heading(2, "（二）缺访明细")
    t.table(f"有缺访的捆绑关系 {len(missed)} 个。" if missed else "本月没有缺访的捆绑关系。", "联系捆绑走访缺访明细",
            [c for c in VISIT_BINDING_COLUMNS if c[0] in ("dept_name", "jpc_name", "required_weeks", "covered_weeks",
                                                          "missed_weeks_text")], missed, always_attach=True)

    g.heading(1, "七、负面清单周报")
    per_jpc, per_clause = report_rows(b)
    g.heading(2, "（一）上报情况")
    g.para(reports_text(b))
    if per_jpc:
        t.table("", "各联合党委负面清单周报上报情况", [c for c in REPORT_COLUMNS if c[0] not in ("clauses_text",
                                                                                    "missing_weeks_text")], per_jpc)
    g.heading(2, "（二）负面事项按条款")
    clause_columns = [("clause_text", "条款内容", "text"), ("items", "事项数", "int"), ("jpcs", "涉及联合党委数", "int")]
    t.table("负面事项按负面清单条款统计：", "负面事项按条款统计",
            clause_columns, [{**c, "clause_text": c["clause_text"] or c["clause_code"]} for c in per_clause])

    g.heading(1, "八、减负负面清单")
    t.table("下派到社区的清单外事项（准入事项为空或不在社区工作事项准入清单）及清单外证明事项（不在证明事项清单），按部门统计：",
            "减负负面清单", BURDEN_COLUMNS, burden)

    g.heading(1, "九、五级双向诉求")
    g.para(funnel_text(b))
    levels = (b.get("funnel") or {}).get("levels") or []
    if levels:
        t.table("", "五级双向诉求漏斗", [c for c in FUNNEL_COLUMNS if c[0] != "level"], levels)

    g.heading(1, "十、口径与设置")
    settings_lines = [f"{SETTING_LABELS.get(k, k)}：{pct(v) if k == 'negative_list_threshold' else v}"
                      for k, v in b["settings"]["whistle"].items()] + [f"{k}：{v}" for k, v in _section_settings(b)]

    def definitions() -> None:
        g.heading(2, "（一）统计口径")
        for n, (group, first, last) in enumerate(DEFINITION_GROUPS, 1):
            g.heading(3, f"{n}. {group}")
            for m, (k, v) in enumerate(DEFINITIONS[first:last], 1):
                g.heading(4, f"（{m}）{k}：{v}")
        g.heading(2, "（二）计算设置")
        for n, line in enumerate(settings_lines, 1):
            g.heading(3, f"{n}. {line}")

    n = t.attach("统计口径与计算设置", definitions)
    g.para(f"本通报的统计口径与计算设置详见附件{n}。期限按国家法定节假日及调休安排的工作日计算；小时时限按自然时间计算；"
           "截止时点之后的记录不计入，历史时点的通报数字不会改变。")

    g.attachment_note([title for title, _ in t.attachments])
    g.signature(s["issuer"], document_date(b))
    for n, (title, build) in enumerate(t.attachments, 1):
        g.attachment(n, title)
        build()
    g.imprint(s.get("copy_to") or "", s["issuer"], document_date(b))
    g.save(out)


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
    s = a["settings"]
    wb = _PrintSheets(out, f"{a['period']}部门考核评分表{title_mark(a)}", _workbook_meta(a, f"考核期间：{a['period']}"),
                   a.get("data_note"))
    ranking, components, deductions = assessment_rows(a)
    wb.table("排名", ASSESSMENT_RANK_COLUMNS, ranking)
    wb.table("考核项", ASSESSMENT_COMPONENT_COLUMNS, components)
    wb.table("扣分明细", ASSESSMENT_DEDUCTION_COLUMNS, deductions)
    rows = [("考核期间", a["period"], "text"), ("截止时点", moment_label(a["as_of"]), "text"),
            ("对比期间", a["previous_period"], "text"), ("状态", status_text(a), "text"), ("设置文件", s["source"], "text"),
            ("考核负面清单阈值（处置率、办结率）", s["negative_list_threshold"], "pct")]
    rows += [(f"考核项：{c['label']}", f"权重 {c['weight']:g}，目标 {c['target']:g}", "text") for c in s["components"].values()]
    labels = {"assessment_negative_list": "每次列入考核负面清单扣分", "burden_negative_list": "每月列入减负负面清单扣分",
              "jpc_negative_item_points": "联合党委每项负面事项分值", "shared_penalty_share": "同奖同罚：捆绑部门分担比例"}
    rows += [(labels.get(k, k), v, "pct" if k == "shared_penalty_share" else "float2") for k, v in s["deductions"].items()]
    rows += [(f"等次：{k}", f"≥ {v:g} 分", "text") for k, v in s["grades"].items()] + [("等次：不合格", "低于最低分数线", "text")]
    rows += [("计分方法", "得分 = Σ 权重 × min(实际值 / 目标值, 1) − 扣分，最低 0 分；无数据的考核项不计，其权重按比例分配给其他考核项", "text"),
             ("排名", "按得分从高到低，同分同名次", "text")]
    wb.pairs("评分设置", rows)
    wb.close()


# ---------------------------------------------------------------- the one render path (CLI and pages)

BULLETIN_FORMATS = ("docx", "xlsx", "pdf", "json")


def render_bulletin(kind: str, b: dict, previous: dict | None = None) -> bytes:
    """The monthly bulletin as a Word, PDF or Excel file, from a bulletin already cut to its reader's view.
    The PDF is the Word file as LibreOffice prints it (govdash.outputs.pdf; raises DocumentError)."""
    if kind not in BULLETIN_FORMATS:
        raise ValueError(f"不支持的通报格式“{kind}”，应为 docx、pdf、xlsx 或 json")
    if kind == "json":   # as `govdash report bulletin --format json` writes it
        import json

        return json.dumps(b, ensure_ascii=False, indent=2).encode("utf-8")
    buf = io.BytesIO()
    if kind == "xlsx":
        bulletin_xlsx(b, buf)
        return buf.getvalue()
    bulletin_docx(b, previous, buf)
    if kind == "pdf":
        from govdash.outputs.pdf import docx_to_pdf

        return docx_to_pdf(buf.getvalue())
    return buf.getvalue()


def render_assessment(a: dict) -> bytes:
    """The quarterly or annual scoring sheet (Excel), from an assessment already cut to its reader's view."""
    buf = io.BytesIO()
    assessment_xlsx(a, buf)
    return buf.getvalue()
