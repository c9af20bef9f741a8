"""The monthly bulletin as an official document: a GB/T 9704 通报 in Word (.docx) and PDF, and a print-ready
Excel workbook (.xlsx); the quarterly/annual scoring sheet in Excel. In Chinese, ready to circulate.

Empty values: a figure that cannot be computed (no data, or a zero denominator) is "—" in every file, in
text and in numeric columns alike; rates are numbers in a percent format in Excel, "12.3%" in Word.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from govdash.core import textsafe
from govdash.core.formatting import EMPTY, entered_percent_format, json_text, pct, pct_entered
from govdash.core.labels import DEDUCTION_SETTING_LABELS, METRIC_UNITS, scoring_version_label, target_label
from govdash.core.periods import day_label, moment_label, month_bounds, month_label, parse_as_of, week_range_label
from govdash.core.principal import ROLE_LABELS
from govdash.documents.bulletin_body import (
    EXTRACT_TITLE,
    Heading,
    Notes,
    Para,
    Table,
    body,
    extract_blocks,
    extract_name,
    sub_heading,
    table_intro,
)
from govdash.documents.bulletin_text import (
    APPROVED_DISPUTE_COLUMNS,
    ASSESSMENT_NEGATIVE_COLUMNS,
    BURDEN_COLUMNS,
    CLAUSE_COLUMNS,
    DEFINITIONS,
    DEPT_COLUMNS,
    DISPUTE_COLUMNS,
    FUNNEL_COLUMNS,
    FUNNEL_GROUP_COLUMNS,
    OVERDUE_COLUMNS,
    REPORT_COLUMNS,
    SETTING_LABELS,
    VISIT_BINDING_COLUMNS,
    VISIT_DEPT_COLUMNS,
    approved_dispute_rows,
    below_threshold,
    dispute_rows,
    funnel_group_rows,
    named_weeks,
    negative_list_rows,
    overdue_rows,
    red_black_lists,
    report_rows,
    section_settings,
    visit_rows,
)

FONT = "Noto Sans CJK SC"  # the workbooks' face (a Simplified Chinese face; Excel/WPS substitute their own)

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


NOT_NUMBERED = "（未定稿，尚未编号）"


def issue_moment(b: dict) -> dt.datetime:
    """When the document is issued: a publication's time; a bulletin not published is issued as it is rendered."""
    pub = b.get("publication") or {}
    return parse_as_of(pub.get("published_at") if pub.get("published_at") else None)


def running_number_year(s: dict, issued: dt.datetime) -> int | None:
    """The year whose documents the issuer's running number counts ([bulletin] sequence: "year", the default,
    restarts every year; "continuous" never does, None)."""
    return None if s.get("sequence", "year") == "continuous" else issued.year


def format_number(s: dict, issued: dt.datetime, number: int | None) -> str:
    """发文字号: the year of issue and the issuer's running number; no number yet (a draft): said so."""
    if number is None:
        return s["document_number"].format(year=issued.year, number="—") + NOT_NUMBERED
    return s["document_number"].format(year=issued.year, number=number)


def document_number(b: dict, s: dict) -> str:
    """A publication's number as it was frozen when published; else (a draft) not numbered yet. A publication
    stored before numbers were frozen keeps its old rule's number (the setting's, or the month) in its year."""
    pub = b.get("publication") or {}
    if pub.get("document_number"):
        return pub["document_number"]
    if pub.get("published_at"):
        start, _ = month_bounds(b["month"])
        return format_number(s, issue_moment(b), int(s.get("number") or 0) or start.month)
    return format_number(s, issue_moment(b), None)


def title_lines(month: str, mark: str) -> list[str]:
    """The title broken only between words (GB/T 9704 7.3.1: a title of several lines keeps its words whole):
    the month, the quoted name, 工作情况通报 and its mark, as many on a line as a 2号 line of the type area holds."""
    from govdash.documents.gongwen import TITLE_CHARS, text_width

    words = [month_label(month), BULLETIN_TITLE[:BULLETIN_TITLE.index("”") + 1],
             BULLETIN_TITLE[BULLETIN_TITLE.index("”") + 1:] + mark]
    lines = [words[0]]
    for word in words[1:]:
        if text_width(lines[-1] + word) <= TITLE_CHARS:
            lines[-1] += word
        else:
            lines.append(word)
    return lines


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


def utc(local: dt.datetime) -> dt.datetime:
    """A local China time as the naive UTC time the Word and Excel files' properties state (their 'Z')."""
    from govdash.core.periods import TZ

    return local.replace(tzinfo=TZ).astimezone(dt.timezone.utc).replace(tzinfo=None)


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

    def __init__(self, out, title: str, meta: str, note: str | None, author: str = "",
                 issued: dt.datetime | None = None, blank_numbers: bool = False):
        """`blank_numbers`: an empty value of a number column is an empty cell (else "—")."""
        self.wb = textsafe.Workbook(out)
        # the file's properties: the issuer and the time of issue (not the library's name and the render's clock)
        self.wb.set_properties({"title": title, "author": author, "created": utc(issued or parse_as_of(None))})
        self.title, self.meta, self.note, self.blank_numbers = title, meta, note, blank_numbers
        self._row_formats: dict[str, object] = {}
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        add = self.wb.add_format
        self.f_title = add({**base, "bold": True, "font_size": 14, "text_wrap": True})
        self.f_meta = add({**base, "font_color": "#404040", "text_wrap": True})
        self.f_note = add({**base, "font_color": "#C00000", "text_wrap": True})
        self.f_head = add({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                           "align": "center"})
        num = self._num = {**base, "border": 1, "align": "right"}
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

    def _format(self, kind: str, row: dict):
        """A column's cell format; a kind "@key" takes the row's own Excel number format from row[key] (a column
        whose unit differs row by row: a rate in percent, the two-way rating in points)."""
        if not kind.startswith("@"):
            return self.fmt[kind]
        num = row.get(kind[1:]) or "General"
        if num not in self._row_formats:
            self._row_formats[num] = self.wb.add_format({**self._num, "num_format": num})
        return self._row_formats[num]

    def _empty(self, kind: str):
        return None if self.blank_numbers and (kind in NUMERIC or kind.startswith("@")) else EMPTY

    def table(self, name: str, columns, rows: list[dict], fixed_widths: list[float] | None = None) -> None:
        ws = self.wb.add_worksheet(name)
        h = TITLE_ROWS
        widths = []
        for j, (key, label, _kind) in enumerate(columns):
            self.wb.cell(ws, h, j, label, self.f_head)
            values = [r.get(key) for r in rows if r.get(key) is not None]
            longest = max([_excel_width(v) for v in values] or [0])
            head = _excel_width(label)
            widths.append(fixed_widths[j] if fixed_widths else max(min(longest, 40), head / 2 if head > 12 else head, 6)
                          + 2)
            ws.set_column(j, j, widths[-1])
        self._title_block(ws, name, widths)
        ws.set_row(h, 30)
        for i, r in enumerate(rows, h + 1):
            for j, (key, _, kind) in enumerate(columns):
                v = r.get(key)
                self.wb.cell(ws, i, j, self._empty(kind) if v is None else v, self._format(kind, r))
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


def _workbook_meta(doc: dict, period: str, issuer: str | None = None) -> str:
    """Period, cut-off, issuer (the bulletin's: [bulletin] issuer) and status: a workbook's second line."""
    issuer = issuer or document_settings(doc)["issuer"]
    return f"{period}　　截止时点：{moment_label(doc['as_of'])}　　发布单位：{issuer}　　状态：{status_text(doc)}"


def bulletin_xlsx(b: dict, out: Path | io.BytesIO, extract: dict | None = None) -> None:
    """The city's workbook; a department's (`extract`: the bulletin cut to its rows) adds its extract's tables
    after the city's sheets, each sheet named as the department's own."""
    wb = _PrintSheets(out, bulletin_title(b), _workbook_meta(b, f"统计月份：{month_label(b['month'])}"),
                      b.get("data_note"), document_settings(b)["issuer"], issue_moment(b))
    wb.table("部门排名", DEPT_COLUMNS, b["departments"])
    city = {**b["city"], "dept_name": "全市合计", "rank": None}
    wb.table("全市汇总", [c for c in DEPT_COLUMNS if c[0] != "rank"], [city])
    red, black = red_black_lists(b)
    wb.table("红榜", DEPT_COLUMNS, red)
    wb.table("黑榜", DEPT_COLUMNS, black)
    wb.table("低于阈值", DEPT_COLUMNS, below_threshold(b))
    wb.table("超期未办结", OVERDUE_COLUMNS, overdue_rows(b))
    visit_depts, visit_bindings = visit_rows(b)
    wb.table("走访达标（部门）", VISIT_DEPT_COLUMNS, visit_depts)
    wb.table("走访明细（捆绑关系）", VISIT_BINDING_COLUMNS, named_weeks(visit_bindings))
    per_jpc, per_clause = report_rows(b)
    wb.table("负面清单周报", REPORT_COLUMNS, [{**r, "missing_weeks_text": "、".join(week_range_label(w)
                                                                             for w in r["missing_weeks"])}
                                          for r in per_jpc])
    wb.table("负面事项按条款", CLAUSE_COLUMNS, per_clause)
    assessment, burden = negative_list_rows(b)
    wb.table("考核负面清单", ASSESSMENT_NEGATIVE_COLUMNS, assessment)
    wb.table("减负负面清单", BURDEN_COLUMNS, burden)
    wb.table("五级诉求漏斗", FUNNEL_COLUMNS, (b.get("funnel") or {}).get("levels", []))
    wb.table("漏斗（按社区和类别）", FUNNEL_GROUP_COLUMNS, funnel_group_rows(b))
    wb.table("申诉核减统计", DISPUTE_COLUMNS, dispute_rows(b))
    wb.table("批准的申诉核减事项", APPROVED_DISPUTE_COLUMNS, approved_dispute_rows(b))
    rows = [("统计月份", month_label(b["month"]), "text"), ("截止时点", moment_label(b["as_of"]), "text"),
            ("状态", status_text(b), "text")]
    rows += [(SETTING_LABELS.get(k, k), *_setting_value(k, v)) for k, v in b["settings"]["whistle"].items()]
    rows += [(k, v, "text") for k, v in section_settings(b)]
    rows += [(k, v, "text") for k, v in DEFINITIONS]
    wb.pairs("设置与口径", rows)
    if extract is not None:
        for block in extract_blocks(extract):
            if isinstance(block, Table):
                wb.table(block.title, block.columns, block.rows)
    wb.close()


def _setting_value(key: str, value) -> tuple[object, str]:
    """A whistle setting as a cell: the threshold as a rate (90.0 %), counts as numbers."""
    if key == "negative_list_threshold":
        return value, "pct"
    return value, ("int" if isinstance(value, int) and not isinstance(value, bool) else "text")


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
        from govdash.documents.gongwen import Gongwen

        self.b, self.g = b, Gongwen()
        self.attachments: list[tuple[str, object]] = []   # (title, a function writing its content)

    def attach(self, title: str, build) -> int:
        self.attachments.append((title, build))
        return len(self.attachments)

    def table(self, intro: str, title: str, columns, rows: list[dict], *, always_attach: bool = False) -> None:
        """A paragraph introducing a table, and the table inline when short, else as the next 附件."""
        if rows and (always_attach or len(rows) > ATTACH_OVER):
            n = self.attach(title, lambda: self.put(columns, rows))
            self.g.para(table_intro(intro, rows, attachment=n))
            return
        if text := table_intro(intro, rows):
            self.g.para(text)
        if rows:
            self.put(columns, rows)

    def put(self, columns, rows: list[dict]) -> None:
        self.g.table([label for _, label, _ in columns],
                     [[_cell_text(r.get(key), kind) for key, _, kind in columns] for r in rows],
                     [kind in NUMERIC for _, _, kind in columns])


DEFINITION_GROUPS = (("吹哨报到", 0, 8), ("走访与周报", 8, 11), ("负面清单", 11, 13), ("五级诉求", 13, 15),
                     ("其他", 15, 16))


def bulletin_docx(b: dict, previous: dict | None, out: Path | io.BytesIO, extract: dict | None = None) -> None:
    """The 通报: its head, then the body's sections (govdash.documents.bulletin_body, which the page draws too),
    long tables as numbered 附件 after the 落款. A department's (`extract`: the bulletin cut to its rows) is the
    city's 通报 unchanged, then, on a page of its own before the 版记, 本部门情况摘要: no 版头 or 文号 of its own."""
    # every string the document is given, without the characters no Word file can hold or should show (a
    # right-to-left override reverses what follows it): the one entry of all the Word file's text
    b, previous, extract = textsafe.output_tree((b, previous, extract))
    s = textsafe.output_tree(document_settings(b))
    t = _Tongbao(b)
    g = t.g
    g.masthead(s["issuer"], document_number(b, s))
    g.title("\n".join(title_lines(b["month"], title_mark(b))))
    g.subtitle(f"（统计截止：{moment_label(b['as_of'])}）")
    if b.get("data_note"):
        g.subtitle(str(b["data_note"]))
    if s.get("recipients"):
        g.recipients(s["recipients"])
    for title, blocks in body(b, previous):
        g.heading(1, title)
        sub = 0
        for block in blocks:
            if isinstance(block, Heading):
                sub += 1
                g.heading(2, sub_heading(sub, block.text))
            elif isinstance(block, Para):
                g.para(block.text)
            elif isinstance(block, Table):
                t.table(block.intro, block.title, block.columns, block.rows, always_attach=block.attach)
            elif isinstance(block, Notes):
                n = t.attach("统计口径与计算设置", lambda block=block: _definitions(g, block))
                g.para(f"本通报的统计口径与计算设置详见附件{n}。{block.text}")
            else:
                raise TypeError(f"unknown bulletin block {block!r}")
    g.attachment_note([title for title, _ in t.attachments])
    g.signature(s["issuer"], document_date(b))
    for n, (title, build) in enumerate(t.attachments, 1):
        g.attachment(n, title)
        build()
    if extract is not None:
        _extract(t, extract)
    g.imprint(s.get("copy_to") or "", s["issuer"], document_date(b))
    g.properties(s["issuer"], bulletin_title(b), utc(issue_moment(b)))
    g.save(out)


def _extract(t: _Tongbao, extract: dict) -> None:
    """本部门情况摘要 on a new page: its title, whose extract it is, then its blocks, every table inline."""
    g = t.g
    g.extract_title(EXTRACT_TITLE, f"（{extract_name(extract)}记录摘录，不是通报正文）")
    sub = 0
    for block in extract_blocks(extract):
        if isinstance(block, Heading):
            sub += 1
            g.heading(2, sub_heading(sub, block.text))
        elif isinstance(block, Para):
            g.para(block.text)
        elif isinstance(block, Table):
            if text := table_intro(block.intro, block.rows):
                g.para(text)
            if block.rows:
                t.put(block.columns, block.rows)


def _definitions(g, notes) -> None:
    g.heading(2, "（一）统计口径")
    for n, (group, first, last) in enumerate(DEFINITION_GROUPS, 1):
        g.heading(3, f"{n}. {group}")
        for m, (k, v) in enumerate(notes.definitions[first:last], 1):
            g.heading(4, f"（{m}）{k}：{v}")
    g.heading(2, "（二）计算设置")
    for n, line in enumerate(notes.settings, 1):
        g.heading(3, f"{n}. {line}")


# ---------------------------------------------------------------- assessment (Excel)

def assessment_rows(a: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(ranking, components, deductions) rows of an assessment result."""
    metrics = {name: c["metric"] for name, c in a["settings"]["components"].items()}
    ranking, components, deductions = [], [], []
    for d in a["departments"]:
        ranking.append({**d, "deduction_count": len(d["deductions"])})
        for name, c in d["components"].items():
            metric = metrics.get(name, "")
            rate = metric not in METRIC_UNITS
            components.append({"dept_name": d["dept_name"], "component": c["label"], **c,
                               "actual_format": "0.0%" if rate else f'0.0" {METRIC_UNITS[metric]}"',
                               "target_format": entered_percent_format(c["target"]) if rate
                               else f'0.##" {METRIC_UNITS[metric]}"'})
        for x in d["deductions"]:
            deductions.append({"dept_name": d["dept_name"], **x})
    return ranking, components, deductions


ASSESSMENT_RANK_COLUMNS = [
    ("rank", "排名", "int"), ("dept_name", "部门", "text"), ("score", "得分", "float2"), ("grade", "等次", "text"),
    ("gross_points", "考核项得分", "float2"), ("deduction_points", "扣分", "float2"),
    ("deduction_count", "扣分条数", "int"),
    ("previous_score", "上期得分", "float2"), ("change", "较上期", "float2"), ("note", "说明", "text"),
]
ASSESSMENT_COMPONENT_COLUMNS = [
    ("dept_name", "部门", "text"), ("component", "考核项", "text"), ("actual", "实际值", "@actual_format"),
    ("target", "目标值", "@target_format"), ("weight", "权重", "float2"), ("effective_weight", "实际计分权重",
                                                                      "float2"),
    ("points", "得分", "float2"),
]
ASSESSMENT_DEDUCTION_COLUMNS = [("dept_name", "部门", "text"), ("reason", "扣分原因", "text"),
                                ("points", "扣分", "float2"), ("source", "依据记录", "text")]


def assessment_xlsx(a: dict, out) -> None:
    """The scoring workbook: issued by the assessment office (a["issuer"]), names and dates in its texts (the result
    carries them so), numbers as numbers and an empty cell where a number is missing."""
    s = a["settings"]
    issuer = a.get("issuer") or ROLE_LABELS["assessment"]
    wb = _PrintSheets(out, f"{a['period']}部门考核评分表{title_mark(a)}",
                      _workbook_meta(a, f"考核期间：{a['period']}", issuer), a.get("data_note"), author=issuer,
                      blank_numbers=True)
    ranking, components, deductions = assessment_rows(a)
    wb.table("排名", ASSESSMENT_RANK_COLUMNS, ranking)
    wb.table("考核项", ASSESSMENT_COMPONENT_COLUMNS, components)
    wb.table("扣分明细", ASSESSMENT_DEDUCTION_COLUMNS, deductions)
    rows = [("考核期间", a["period"], "text"), ("截止时点", moment_label(a["as_of"]), "text"),
            ("对比期间", a["previous_period"], "text"), ("状态", status_text(a), "text"),
            ("评分设置版本", scoring_version_label(s["version"]), "text"),
            ("考核负面清单阈值（处置率、办结率）", pct_entered(s["negative_list_threshold"]), "text")]
    rows += [(f"考核项：{c['label']}", f"权重 {c['weight']:g}，目标 {target_label(c['metric'], c['target'])}", "text")
             for c in s["components"].values()]
    rows += [(DEDUCTION_SETTING_LABELS.get(k, k), pct_entered(v) if k == "shared_penalty_share" else f"{v:g} 分",
              "text")
             for k, v in s["deductions"].items()]
    rows += [(f"等次：{k}", f"≥ {v:g} 分", "text") for k, v in s["grades"].items()] + [("等次：不合格",
                                                                                    "低于最低分数线", "text")]
    rows += [("计分方法",
              "得分 = Σ 权重 × min(实际值 / 目标值, 1) − 扣分，最低 0 分；"
              "无数据的考核项不计，其权重按比例分配给其他考核项", "text"),
             ("排名", "按得分从高到低，同分同名次", "text")]
    wb.pairs("评分设置", rows)
    wb.close()


# ---------------------------------------------------------------- the one render path (CLI and pages)

BULLETIN_FORMATS = ("docx", "xlsx", "pdf", "json")


def render_bulletin(kind: str, b: dict, previous: dict | None = None, extract: dict | None = None) -> bytes:
    """The monthly bulletin as a Word, PDF or Excel file: the city's (`b`, whole), and for a department, its
    extract after it (`extract`: the bulletin cut to its rows; SPEC 8.1, a department reads the city's bulletin).
    The PDF is the Word file as LibreOffice prints it (govdash.documents.pdf; raises DocumentError)."""
    if kind not in BULLETIN_FORMATS:
        raise ValueError(f"不支持的通报格式“{kind}”，应为 docx、pdf、xlsx 或 json")
    if kind == "json":   # as `govdash report bulletin --format json` writes it; a department's extract as one more key
        return json_text(b if extract is None else department_reading(b, extract)).encode("utf-8")
    buf = io.BytesIO()
    if kind == "xlsx":
        bulletin_xlsx(b, buf, extract)
        return buf.getvalue()
    bulletin_docx(b, previous, buf, extract)
    if kind == "pdf":
        from govdash.documents.pdf import docx_to_pdf

        return docx_to_pdf(buf.getvalue())
    return buf.getvalue()


EXTRACT_KEY = "department_extract"


def department_reading(b: dict, extract: dict) -> dict:
    """What a department reads as data: the city's bulletin unchanged, its extract under one more key."""
    return {**b, EXTRACT_KEY: extract}


def render_assessment(a: dict) -> bytes:
    """The quarterly or annual scoring sheet (Excel), from an assessment already cut to its reader's view."""
    buf = io.BytesIO()
    assessment_xlsx(a, buf)
    return buf.getvalue()
