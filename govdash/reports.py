"""The monthly bulletin as Excel (.xlsx) and Word (.docx) files, in Chinese, ready to circulate."""
from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

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
DEFINITIONS = [
    ("派单数", "当月派出、未被退回的部门任务数（一件事多部门派单，每个部门各计一次）"),
    ("处置数 / 处置率", "截止时点前已受理（非现场）或已到场（现场）的任务 / 派单数"),
    ("及时处置率", "在受理或到场时限内响应的任务 / 派单数"),
    ("办结率", "（按期办结 + 超期办结）/ 派单数；以最后一次未被退回重办的结案为准"),
    ("按期办结率", "按期办结 / （派单数 − 未到期在办）"),
    ("满意率", "（满意 + 基本满意）/ 已评价任务数"),
    ("退单数", "部门退回且已改派其他部门的任务数，不计入该部门分母"),
    ("升级数", "在办期间被提交日调度、周协调或市委市政府协调的任务数"),
    ("“—”", "分母为零，无法计算"),
]


def pct(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _month_title(month: str) -> str:
    return f"{month[:4]}年{int(month[5:])}月"


def _dept_names(b: dict) -> dict:
    return {d["dept_id"]: d["dept_name"] for d in b["departments"]}


def red_black_lists(b: dict) -> tuple[list[dict], list[dict]]:
    n = int(b["settings"]["whistle"].get("red_black_list_size", 5))
    ranked = [d for d in b["departments"] if d["on_time_closure_rate"] is not None]
    return ranked[:n], list(reversed(ranked[-n:])) if len(ranked) > n else list(reversed(ranked[n:]))


def below_threshold(b: dict) -> list[dict]:
    t = b["settings"]["whistle"]["negative_list_threshold"]
    return [d for d in b["departments"]
            if (d["handling_rate"] is not None and d["handling_rate"] < t) or (d["closure_rate"] is not None and d["closure_rate"] < t)]


def summary_text(b: dict, previous: dict | None) -> str:
    c = b["city"]
    title = _month_title(b["month"])
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


# ---------------------------------------------------------------- Excel

def bulletin_xlsx(b: dict, out: Path | io.BytesIO) -> None:
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "font_name": FONT})
    text = wb.add_format({"border": 1, "font_name": FONT})
    num = wb.add_format({"border": 1, "num_format": "0", "font_name": FONT})
    pctf = wb.add_format({"border": 1, "num_format": "0.0%", "font_name": FONT})
    fmt = {"text": text, "int": num, "pct": pctf}
    names = _dept_names(b)

    def sheet(name, columns, rows):
        ws = wb.add_worksheet(name)
        for j, (_, label, _) in enumerate(columns):
            ws.write(0, j, label, head)
            ws.set_column(j, j, max(10, len(label) * 2 + 2))
        for i, r in enumerate(rows, 1):
            for j, (key, _, kind) in enumerate(columns):
                v = r.get(key)
                if v is None:
                    ws.write_string(i, j, "—", text) if kind == "pct" else ws.write_blank(i, j, None, text)
                else:
                    ws.write(i, j, v, fmt[kind])
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
    ws = wb.add_worksheet("设置与口径")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 70)
    rows = [("统计月份", b["month"]), ("截止时点", b["as_of"])]
    rows += [(SETTING_LABELS.get(k, k), v) for k, v in b["settings"]["whistle"].items()]
    rows += [(k, v) for k, v in DEFINITIONS]
    for i, (k, v) in enumerate(rows):
        ws.write(i, 0, k, text)
        ws.write(i, 1, v, text)
    wb.close()


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
            cells[j].text = pct(v) if kind == "pct" else ("" if v is None else str(v))


def bulletin_docx(b: dict, previous: dict | None, out: Path | io.BytesIO) -> None:
    doc = Document()
    _set_font(doc)
    title = doc.add_heading(f"{_month_title(b['month'])}“社区吹哨、部门报到”工作情况通报", level=0)
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
    doc.add_heading("四、低于阈值的部门", level=1)
    low = below_threshold(b)
    t = pct(b["settings"]["whistle"]["negative_list_threshold"])
    doc.add_paragraph(
        f"处置率或办结率低于 {t} 的部门：" + ("、".join(
            f"{d['dept_name']}（处置率 {pct(d['handling_rate'])}，办结率 {pct(d['closure_rate'])}）" for d in low) or "无") + "。")
    doc.add_heading("五、超期未办结事项", level=1)
    names = _dept_names(b)
    overdue = [{**o, "dept_name": names.get(o["dept_id"], o["dept_id"])} for o in b["overdue"]]
    if overdue:
        if len(overdue) > 50:
            doc.add_paragraph(f"共 {len(overdue)} 件，以下列出超期最久的 50 件，完整清单见 Excel 通报。")
        _table(doc, OVERDUE_COLUMNS, overdue[:50])
    else:
        doc.add_paragraph("无。")
    doc.add_heading("六、口径与设置", level=1)
    for k, v in DEFINITIONS:
        doc.add_paragraph(f"{k}：{v}", style="List Bullet")
    for k, v in b["settings"]["whistle"].items():
        doc.add_paragraph(f"{SETTING_LABELS.get(k, k)}：{v}", style="List Bullet")
    doc.add_paragraph("期限按国家法定节假日及调休安排的工作日计算；小时时限按自然时间计算；"
                      "截止时点之后的记录不计入，历史时点的通报数字不会改变。")
    doc.save(out)
