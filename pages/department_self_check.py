"""部门自查: one department's open work by deadline, its rates against the city, rank history, what it takes."""
import datetime as dt

import plotly.express as px
import polars as pl
import streamlit as st

from govdash.core.formatting import pct
from govdash.core.labels import STATUS_LABELS
from govdash.core.periods import (
    deadline_label,
    moment_label,
    month_bounds,
    month_label,
    month_label_expr,
    previous_month,
)
from govdash.documents.delivery import CHANNEL_LABELS
from govdash.figures import catalogue
from govdash.figures.negative_lists import needed_off_the_list
from govdash.web import case_panel, chrome, data, dispute_panel, period, tables, widgets

chrome.start_page("self-check")
month = period.month()
as_of = period.cutoff()
dept_names = data.department_names()
names = dept_names
dept = st.selectbox("部门", list(names), format_func=names.get, key="self_dept")
b = data.figure(catalogue.bulletin, month, as_of)
mine = next(d for d in b["departments"] if d["dept_id"] == dept)
city = b["city"]
st.caption(f"{month_label(month)} · 截止 {moment_label(b['as_of'])}")
# the month's key figures as the bulletin states them: the department's, then the city's
widgets.key_figures(names.get(dept, dept), mine)
widgets.key_figures("全市", city)

cols = st.columns(5)
for col, (key, label) in zip(cols, [("handling_rate", "处置率"), ("timely_handling_rate", "及时处置率"),
                                    ("closure_rate", "办结率"),
                                    ("on_time_closure_rate", "按期办结率"), ("satisfaction_rate", "满意率")]):
    delta = (None if mine[key] is None or city[key] is None
             else f"{(mine[key] - city[key]) * 100:+.1f} 个百分点（对比全市）")
    col.metric(label, tables.fmt_rate(mine[key]), delta=delta)
st.write(f"本月排名：第 {mine['rank']} 名（共 {b['department_count']} 个部门）；派单 {mine['dispatched']} 件，退单 "
         f"{mine['returned']} 件，升级 {mine['escalated']} 件。")

threshold = b["settings"]["whistle"]["negative_list_threshold"]
# the assessment negative list judges the rates from January to the month (4.1.1.1), so the way off it is counted
# on those assignments, at the bulletin's cut-off, by the list's own rule
st.subheader(f"离开考核负面清单还差多少（阈值 {pct(threshold)}，1 月至本月累计）")
ytd = data.figure(catalogue.year_to_date_departments, month, as_of).filter(pl.col("dept_id") == dept)
row = ytd.row(0, named=True) if ytd.height else None
if row is None or not row["dispatched"]:
    st.info("本年 1 月至本月没有派单，累计处置率和办结率无法计算（显示为“—”），不列入考核负面清单。")
else:
    st.write(f"本年 1 月至{month_label(month)}累计派单 {row['dispatched']} 件，处置率 {pct(row['handling_rate'])}、"
             f"办结率 {pct(row['closure_rate'])}；考核负面清单按此累计数判定。")
    needs = needed_off_the_list(row, threshold)
    if not needs:
        st.write("累计处置率、办结率均已达到阈值。")
    for n in needs:
        verb = n["word"].removesuffix("率")
        if n["possible"]:
            st.write(f"{n['word']} {pct(n['value'])}：在已派的 {row['dispatched']} 件中还需再{verb} {n['need']} 件"
                     f"（尚未{verb}的还有 {n['remaining']} 件；超过时限才{verb}的也计入），才能达到阈值。")
        else:
            st.write(f"{n['word']} {pct(n['value'])}：即使尚未{verb}的 {n['remaining']} 件全部{verb}，"
                     f"也达不到阈值，本年无法以已派任务离开考核负面清单。")
    if needs:
        st.caption("此后新派的任务也计入累计派单，须同样处置、办结。")

st.subheader("在办事项（按期限排序）")
# every open case of the department at the cut-off, whatever month it was dispatched in
a = data.figure(catalogue.department_open_cases, dept, as_of)
today = as_of.date()
week_end = today + dt.timedelta(days=6 - today.weekday())
a = a.with_columns(
    pl.when(pl.col("status") == "open_overdue").then(pl.lit("已超期"))
    .when(pl.col("closure_deadline_date") == today).then(pl.lit("今日到期"))
    .when(pl.col("closure_deadline_date") <= week_end).then(pl.lit("本周到期"))
    .otherwise(pl.lit("未到期")).alias("紧急程度")
).sort("closure_deadline", "dispatched_at", "event_id")
overdue = int((a["status"] == "open_overdue").sum())
if a.height == 0:
    st.success("截至截止时点没有在办事项。")
else:
    st.markdown(f"截至 {moment_label(as_of)}：超期未办结 {overdue:d} 件（不论派单月份，全部列出，最早到期的在前），"
                f"未超期在办 {a.height - overdue:d} 件。")
    shown = a.select(pl.col("紧急程度"), pl.col("event_id").alias("事件编号"), pl.col("category").alias("类别"),
                     pl.col("dispatched_at").alias("派单时间"), pl.col("closure_deadline").alias("办结期限"),
                     pl.col("working_days_overdue").alias("超期工作日"), pl.col("community_id").alias("社区编号"))
    sel = tables.table(shown, on_select="rerun", selection_mode="single-row", key="open_table")
    if sel and sel.selection.rows:
        case_panel.show_case(shown["事件编号"][sel.selection.rows[0]], as_of)

st.subheader("今日提醒与发送记录")
# the digest a reminder sends at this cut-off: the same lists (catalogue.self_check), and what was sent before
lists = data.figure(catalogue.self_check, dept, as_of)
st.write(f"截至 {moment_label(as_of)}：临期（{deadline_label(lists['due_by'])}结束前到期）{len(lists['due_soon'])} 件，"
         f"超期 {len(lists['overdue'])} 件，可申请复核的申诉 {len(lists['disputes'])} 件"
         + ("；没有需要提醒的事项，不发送提醒。" if not (lists["due_soon"] or lists["overdue"] or lists["disputes"])
            else "。"))
if lists["disputes"]:
    tables.table(pl.DataFrame([{"申诉编号": d["dispute_id"], "事件编号": d["event_id"], "申诉理由": d["ground"],
                                "复核申请截止": deadline_label(d["deadline"])} for d in lists["disputes"]]))
history = data.reminder_history(dept)
SEND_STATUS = {"sent": "已发送", "failed": "发送失败", "sending": "发送中"}
if history:
    tables.table(pl.DataFrame([{"日期": h["day"], "渠道": CHANNEL_LABELS.get(h["channel"], h["channel"]),
                                "状态": SEND_STATUS.get(h["status"], h["status"]),
                                "已送达": f"{h['parts_sent']}/{len(h['parts'])} 条",
                                "尝试次数": len(h["tries"]),
                                "最后应答": h["tries"][-1]["answer"] if h["tries"] else "—"} for h in history]))
else:
    st.caption("尚无发送记录（提醒渠道由基层治理委员会在“数据导入与质量”页配置）。")

st.subheader("排名与按期办结率走势（近 12 个月）")
first = month
for _ in range(11):
    first = previous_month(first)
hist = data.figure(catalogue.department_rank_history, first, month, as_of).filter(pl.col("dept_id") == dept).select(
    pl.col("month").alias("月份"), pl.col("rank").alias("排名"), pl.col("on_time_closure_rate").alias("本部门"),
    pl.col("city_on_time_closure_rate").alias("全市")).with_columns(month_label_expr("月份"))
c1, c2 = st.columns(2)
fig = px.line(hist, x="月份", y="排名", markers=True)
fig.update_yaxes(autorange="reversed")
fig.update_xaxes(type="category")
tables.plot(fig, c1)
fig = px.line(hist.unpivot(index="月份", on=["本部门", "全市"], variable_name="对象", value_name="按期办结率"),
              x="月份", y="按期办结率", color="对象", markers=True)
fig.update_yaxes(tickformat=".0%")
fig.update_xaxes(type="category")
tables.plot(fig, c2)

st.subheader("退单与重办")
allm = data.figure(catalogue.assignments, month_bounds(first)[0], month_bounds(month)[1],
                 as_of).filter(pl.col("dept_id") == dept)
# the open ones (overdue or not) are counted once, in the list of open cases above, whatever their month
ended = allm.filter(~pl.col("status").is_in(["open_overdue", "open_in_time"]))
st.write(f"近 12 个月退单 {int((allm['status'] == 'returned').sum())} 件；已结束的派单：" +
         "，".join(f"{STATUS_LABELS[s]} {n} 件" for s, n in ended.group_by("status").len().sort("status").iter_rows())
         + "（在办和超期未办结的见上方“在办事项”）。")

st.subheader("联系捆绑走访：本月缺访")
visits = data.figure(catalogue.visit_table, month).filter(pl.col("dept_id") == dept)
missed = visits.filter(pl.col("required_weeks") > pl.col("covered_weeks"))
if visits.height == 0:
    st.info("本月没有捆绑的联合党委。")
elif missed.height == 0:
    st.success(f"本月捆绑的 {visits.height} 个联合党委每周都已走访。")
else:
    tables.table(missed.select(pl.col("jpc_name").alias("联合党委"), pl.col("required_weeks").alias("应走访周数"),
                               pl.col("covered_weeks").alias("已走访周数"),
                               pl.col("missed_weeks").alias("缺访周")))

st.subheader("负面清单")
listed = [d for d in b["assessment_negative_list"] if d["dept_id"] == dept]
burden = [d for d in b["burden_negative_list"] if d["dept_id"] == dept]
if listed:
    st.warning("列入考核负面清单（1 月至本月累计）：" + "；".join(listed[0]["reasons"]))
else:
    st.success("未列入考核负面清单（1 月至本月累计处置率、办结率均不低于阈值）。")
if burden:
    r = burden[0]
    st.warning(f"减负负面清单：本月向社区下派清单外事项 {r['tasks_off_list']} 件、要求清单外证明 "
               f"{r['certificates_off_list']} 件；本年累计 {r['tasks_off_list_ytd']} 件、"
               f"{r['certificates_off_list_ytd']} 件。明细见“负面清单”页。")

if data.principal().dept_id == dept:
    # 申诉核减 of the department's own items of the month: its assignments (their ratings on the ground 误评) and its
    # burden-list entries
    st.subheader("申诉核减")
    start, end = month_bounds(month)
    items = {**dispute_panel.assignment_items(data.figure(catalogue.assignments, start, end, as_of), dept),
             **dispute_panel.burden_items(data.figure(catalogue.burden_records, dept, start, end, as_of))}
    if items:
        st.caption("对本月派给本部门的派单（含其评价）或本部门的负担清单事项有异议的，可在期限内提出申诉；"
                   "办理进度见“申诉核减”页面。")
        dispute_panel.filing_form(items, key="self_dispute")
    else:
        st.info("本月没有可申诉的本部门事项。")
