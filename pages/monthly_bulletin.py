"""月度通报: the Word bulletin on screen, section by section in the same order with the same figures (一 to 十, from
govdash.outputs.documents' own helpers), plus the screen's trend, hotspots and a case view of each overdue event."""
import re

import plotly.express as px
import polars as pl
import streamlit as st

from govdash import publish_panel, ui
from govdash.core.formatting import pct
from govdash.core.labels import DEPT_LABELS
from govdash.core.periods import moment_label, month_label, month_label_expr, previous_month, week_range_label
from govdash.core.textsafe import md
from govdash.figures import catalogue
from govdash.outputs.documents import (
    ASSESSMENT_NEGATIVE_COLUMNS, BURDEN_COLUMNS, CLAUSE_COLUMNS, DEFINITIONS, DEPT_COLUMNS, FUNNEL_COLUMNS, REPORT_COLUMNS,
    SETTING_LABELS, VISIT_BINDING_COLUMNS, VISIT_DEPT_COLUMNS, below_threshold, funnel_text, negative_list_rows,
    red_black_lists, report_rows, reports_text, summary_text, visit_rows, visits_text)

# the Word bulletin's section headings (govdash.outputs.documents.bulletin_docx), in its order
SECTIONS = ["一、总体情况", "二、部门排名", "三、红黑榜", "四、考核负面清单（年度累计）", "五、超期未办结事项", "六、联系捆绑走访",
            "七、负面清单周报", "八、减负负面清单", "九、五级双向诉求", "十、口径与设置"]


# the columns of the Word bulletin's ranking table (bulletin_docx's short table)
WORD_RANK_COLUMNS = ("rank", "dept_name", "dispatched", "handling_rate", "timely_handling_rate", "closure_rate",
                     "on_time_closure_rate", "satisfaction_rate", "returned")


def doc_table(columns, rows, **kwargs) -> None:
    """Rows shaped for the Word bulletin, shown with the Word bulletin's columns and labels."""
    keys = [k for k, _, _ in columns]
    frame = pl.DataFrame([{k: r.get(k) for k in keys} for r in rows], infer_schema_length=None)
    ui.table(frame.rename({k: label for k, label, _ in columns}), rates=[label for _, label, kind in columns if kind == "pct"],
             **kwargs)


def name_clauses(text: str) -> str:
    """The Word bulletin's sentence with each Appendix E clause named after its code: E.2.1「严禁…」."""
    texts = b["reference"]["clause_texts"]

    def named(m):
        name = texts.get(m.group(0))
        return m.group(0) if not name else f"{m.group(0)}「{name[:12]}{'…' if len(name) > 12 else ''}」"
    return re.sub(r"E\.\d+(?:\.\d+)+", named, text)


def weeks_text(weeks) -> str:
    return "、".join(week_range_label(w) for w in weeks or [])


ui.start_page("月度通报", "bulletin")
month = ui.current_month()
# published: served from the archive; else at the month's default cut-off; 初步 / 数据截至 / 定稿发布 / 更正
view = publish_panel.bulletin_view(month)
as_of, b, prev = view.as_of, view.b, view.prev
st.caption(f"{month_label(month)} · 截止 {moment_label(b['as_of'])}（在左侧“截止时点”修改）")
if b["calendar_provisional"]:
    st.warning("部分期限所在年份尚无官方节假日安排，按周一至周五暂定计算。")

c, p = b["city"], prev["city"]


def delta_pts(key):
    if c[key] is None or p[key] is None:
        return None
    return f"{(c[key] - p[key]) * 100:+.1f} 个百分点"


cols = st.columns(6)
cols[0].metric("派单数", c["dispatched"], delta=c["dispatched"] - p["dispatched"] if p["dispatched"] else None)
cols[1].metric("处置率", ui.fmt_rate(c["handling_rate"]), delta=delta_pts("handling_rate"))
cols[2].metric("及时处置率", ui.fmt_rate(c["timely_handling_rate"]), delta=delta_pts("timely_handling_rate"))
cols[3].metric("办结率", ui.fmt_rate(c["closure_rate"]), delta=delta_pts("closure_rate"))
cols[4].metric("按期办结率", ui.fmt_rate(c["on_time_closure_rate"]), delta=delta_pts("on_time_closure_rate"))
cols[5].metric("超期未办结", c["open_overdue"], delta=c["open_overdue"] - p["open_overdue"], delta_color="inverse")

publish_panel.downloads(view)
department_user = ui.principal().is_department
if department_user:
    st.info(b["scope"]["note"])
threshold = b["settings"]["whistle"]["negative_list_threshold"]

st.subheader(SECTIONS[0])
st.write(md(summary_text(b, prev)))
st.markdown("**近 12 个月趋势**" + ("（本部门）" if department_user else ""))
first = month
for _ in range(11):
    first = previous_month(first)
trend = ui.figure(catalogue.monthly_rates, first, month, as_of, None)
long = trend.unpivot(index="month", on=["handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate"],
                     variable_name="指标", value_name="比率").with_columns(
    pl.col("指标").replace_strict(DEPT_LABELS), month_label_expr("month").alias("月份"))
fig = px.line(long, x="月份", y="比率", color="指标", markers=True)
fig.update_yaxes(tickformat=".0%")
fig.update_xaxes(type="category")
ui.plot(fig)
if not department_user:
    st.markdown("**吹哨最多的社区**")
    hot = ui.figure(catalogue.community_hotspots, month, 10)
    ui.table(hot.rename({"community_name": "社区", "jpc_name": "联合党委", "events": "吹哨事件数",
                         "top_category": "最多的类别", "top_category_events": "该类别事件数"}))

st.subheader(SECTIONS[1])
st.caption("按按期办结率、办结率、派单数依次从高到低排名，并列者名次相同。")
rate_names = {key: label for key, label, kind in DEPT_COLUMNS if kind == "pct"}
# the Word table's columns first (visible without scrolling at 1440 px; 排名 and 部门 stay pinned), then the other counts
key_first = sorted(DEPT_COLUMNS, key=lambda c: c[0] not in WORD_RANK_COLUMNS)
ranking = pl.DataFrame(b["departments"]).select([k for k, _, _ in key_first]).rename({k: lb for k, lb, _ in key_first})
ui.table(ranking, rates=list(rate_names.values()), breaches={"处置率": threshold, "办结率": threshold})

st.subheader(SECTIONS[2])
red, black = red_black_lists(b)
r1, r2 = st.columns(2)
r1.markdown("**红榜**（按期办结率前列）\n\n" + ("\n".join(f"1. {md(d['dept_name'])}　{ui.fmt_rate(d['on_time_closure_rate'])}" for d in red) or "无"))
r2.markdown("**黑榜**（按期办结率后列）\n\n" + ("\n".join(f"1. {md(d['dept_name'])}　{ui.fmt_rate(d['on_time_closure_rate'])}" for d in black) or "无"))

st.subheader(SECTIONS[3])
assessment, burden = negative_list_rows(b)
st.write(f"1 月至本月累计处置率或办结率低于 {pct(threshold)} 的部门，纳入年度考核负面清单（4.1.1.1）：" + ("无。" if not assessment else ""))
if assessment:
    doc_table(ASSESSMENT_NEGATIVE_COLUMNS, assessment)
low = below_threshold(b)
if low:
    st.write("本月单月处置率或办结率低于阈值：" + "、".join(
        f"{md(d['dept_name'])}（处置率 {pct(d['handling_rate'])}，办结率 {pct(d['closure_rate'])}）" for d in low) + "。")

st.subheader(SECTIONS[4])
names = {d["dept_id"]: d["dept_name"] for d in b["departments"]}
overdue = pl.DataFrame(b["overdue"], schema={"event_id": pl.Utf8, "dept_id": pl.Utf8, "community_id": pl.Utf8,
                                             "deadline": pl.Utf8, "working_days_overdue": pl.Int64})
if overdue.height == 0:
    st.write("无。")
else:
    shown = overdue.rename({"event_id": "事件编号", "dept_id": "部门编号", "community_id": "社区编号", "deadline": "办结期限",
                            "working_days_overdue": "超期工作日"})
    sel = ui.table(shown, on_select="rerun", selection_mode="single-row", key="overdue_table")
    rows = sel.selection.rows if sel else []
    if rows:
        ui.show_case(shown["事件编号"][rows[0]], as_of)
    else:
        st.caption(f"共 {overdue.height} 件。点选一行查看该事件的派单、期限和完整流转记录。")

st.subheader(SECTIONS[5])
st.write(md(visits_text(b)))
visit_depts, visit_bindings = visit_rows(b)
if visit_depts:
    doc_table(VISIT_DEPT_COLUMNS, visit_depts)
missed = [{**v, "missed_weeks_text": weeks_text(v["missed_weeks"])} for v in visit_bindings if v["missed_weeks"]]
if missed:
    st.markdown("**缺访明细**")
    doc_table([c for c in VISIT_BINDING_COLUMNS if c[0] in ("dept_name", "jpc_name", "required_weeks", "covered_weeks",
                                                             "missed_weeks_text")], missed)

st.subheader(SECTIONS[6])
st.write(md(name_clauses(reports_text(b))))
per_jpc, per_clause = report_rows(b)
if per_jpc:
    doc_table([c for c in REPORT_COLUMNS if c[0] != "clauses_text"],
              [{**r, "missing_weeks_text": weeks_text(r["missing_weeks"])} for r in per_jpc])
if per_clause:
    st.markdown("**负面事项按条款（附录 E）**")
    doc_table(CLAUSE_COLUMNS, per_clause)

st.subheader(SECTIONS[7])
st.write("下派到社区的清单外事项（准入事项为空或不在附录 B）及清单外证明事项（不在附录 C），按部门统计：" + ("无。" if not burden else ""))
if burden:
    doc_table(BURDEN_COLUMNS, burden)

st.subheader(SECTIONS[8])
if b.get("funnel") is None:
    st.write("居民诉求按社区和层级统计，部门账号不显示（见市级通报）。")
else:
    st.write(md(funnel_text(b)))
    if b["funnel"].get("levels"):
        doc_table(FUNNEL_COLUMNS, b["funnel"]["levels"])

st.subheader(SECTIONS[9])
with st.expander("指标口径与时限设置", expanded=False):
    st.markdown("\n".join(f"- **{md(k)}**：{md(v)}" for k, v in DEFINITIONS))
    w = b["settings"]["whistle"]
    st.markdown("\n".join(f"- {md(SETTING_LABELS.get(k, k))}：{pct(v) if k == 'negative_list_threshold' else md(v)}"
                          for k, v in w.items()))
    st.caption("期限按国家法定节假日及调休安排的工作日计算；小时时限按自然时间计算；截止时点之后的记录不计入，历史时点的通报数字不会改变。")
