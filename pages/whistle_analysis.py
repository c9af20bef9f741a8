"""吹哨报到分析: the sidebar's month (or the year to it), filters, response/closure times against deadlines, SLA
compliance, returns and reopens, and the events themselves (a row opens the case)."""
import plotly.express as px
import polars as pl
import streamlit as st

from govdash.core.labels import STATUS_LABELS
from govdash.core.periods import moment_label, month_bounds, month_label, month_label_expr
from govdash.figures import catalogue
from govdash.web import case_panel, chrome, data, period, tables, widgets

chrome.start_page("whistle")
month = period.month()
as_of = period.cutoff()
c1, c2 = st.columns(2)
# the period follows the sidebar's month: that month, or the year up to it
scope = c1.radio("统计范围", ["本月", "本年至本月"], horizontal=True, key="whistle_scope")
first, last = (month, month) if scope == "本月" else (f"{month[:4]}-01", month)
st.caption(f"{month_label(first)}" + ("" if first == last else f"至{month_label(last)}")
           + f"派出的任务 · 截止 {moment_label(as_of)}")
dept_names = data.department_names()
chosen_depts = c2.multiselect("部门", list(dept_names), format_func=dept_names.get, key="depts", placeholder="全部部门")
# the month's key figures as the bulletin states them (one computation, the same cut-off): the city's, then the
# department's own (a department account) or the one department chosen
month_figures = data.figure(catalogue.bulletin, month, as_of)
st.markdown(f"**{month_label(month)}主要指标**（截止 {moment_label(as_of)}，与月度通报一致）")
widgets.key_figures("全市", month_figures["city"])
own = data.principal().dept_id if data.principal().is_department else (
    chosen_depts[0] if len(chosen_depts) == 1 else None)
for row in month_figures["departments"]:
    if row["dept_id"] == own:
        widgets.key_figures(dept_names.get(own, own), row)
f1, f2, f3, f4, f5 = st.columns(5)
communities = data.figure(catalogue.communities)
comm_names = dict(zip(communities["community_id"], communities["community_name"]))
chosen_comms = f1.multiselect("社区", list(comm_names), format_func=comm_names.get, key="comms", placeholder="全部社区")
cats = data.figure(catalogue.categories)["category"].to_list()
chosen_cats = f2.multiselect("类别", cats, key="cats", placeholder="全部类别")
mode = f3.selectbox("处置方式", ["全部", "现场", "非现场"], key="mode")
difficult = f4.selectbox("疑难", ["全部", "疑难", "非疑难"], key="difficult")
status = f5.selectbox("状态", [None, *STATUS_LABELS], format_func=lambda s: STATUS_LABELS.get(s, "全部"),
                      key="status")

a = data.figure(catalogue.assignments, month_bounds(first)[0], month_bounds(last)[1], as_of)
if chosen_depts:
    a = a.filter(pl.col("dept_id").is_in(chosen_depts))
if chosen_comms:
    a = a.filter(pl.col("community_id").is_in(chosen_comms))
if chosen_cats:
    a = a.filter(pl.col("category").is_in(chosen_cats))
if mode != "全部":
    a = a.filter(pl.col("handling_mode") == ("onsite" if mode == "现场" else "offsite"))
if difficult != "全部":
    a = a.filter(pl.col("is_difficult") == (difficult == "疑难"))
if status:
    a = a.filter(pl.col("status") == status)
st.metric("符合条件的派单（含退回）", a.height)
if a.height == 0:
    st.info("没有符合条件的派单。")
    st.stop()

live = a.filter(pl.col("status") != "returned")
st.subheader("响应用时与时限")
resp = live.filter(pl.col("responded_at").is_not_null()).with_columns(
    ((pl.col("responded_at") - pl.col("dispatched_at")).dt.total_minutes()).alias("响应用时（分钟）"),
    pl.when(pl.col("handling_mode") == "onsite").then(pl.lit("现场（时限 2 小时）"))
    .otherwise(pl.lit("非现场（时限 1 小时）")).alias("方式"),
)
fig = px.histogram(resp, x="响应用时（分钟）", color="方式", nbins=60, barmode="overlay")
fig.update_yaxes(title_text="任务数")
for m in (60, 120):
    fig.add_vline(x=m, line_dash="dash")
tables.plot(fig)

st.subheader("结案时间相对期限")
closed = live.filter(pl.col("closed_at").is_not_null()).with_columns(
    ((pl.col("closed_at") - pl.col("closure_deadline")).dt.total_hours() / 24).round(1)
    .alias("相对期限（天，负数为提前）"))
fig = px.histogram(closed, x="相对期限（天，负数为提前）", nbins=60)
fig.update_yaxes(title_text="任务数")
fig.add_vline(x=0, line_dash="dash")
tables.plot(fig)

st.subheader("时限达标情况（按月，本年至本月）")
# the rates come from the figure (one definition with the bulletin), over the same filters as above
by_month = data.figure(catalogue.whistle_rates, f"{month[:4]}-01", month, as_of, tuple(chosen_depts),
                       tuple(chosen_comms),
                     tuple(chosen_cats), None if mode == "全部" else ("onsite" if mode == "现场" else "offsite"),
                     None if difficult == "全部" else difficult == "疑难").rename(
    {"month": "月份", "timely_handling_rate": "及时处置率", "on_time_closure_rate": "按期办结率"}).with_columns(
    month_label_expr("月份"))
fig = px.line(by_month.unpivot(index="月份", on=["及时处置率", "按期办结率"], variable_name="指标", value_name="比率"),
              x="月份", y="比率", color="指标", markers=True)
fig.update_yaxes(tickformat=".0%")
fig.update_xaxes(type="category")
tables.plot(fig)

st.subheader("退单与重办（按部门）")
reopens = data.figure(catalogue.reopen_counts, first, last, as_of)
ret = a.group_by("dept_id").agg((pl.col("status") == "returned").sum().alias("退单数"))
rr = ret.join(reopens.rename({"reopens": "重办数"}), on="dept_id", how="left").fill_null(0).with_columns(
    pl.col("dept_id").replace_strict(dept_names, default=pl.col("dept_id")).alias("部门"))
fig = px.bar(rr.unpivot(index="部门", on=["退单数", "重办数"], variable_name="类型", value_name="件数"),
             x="部门", y="件数", color="类型", barmode="group")
tables.plot(fig)
st.caption("状态口径：" + "；".join(f"{v}" for v in STATUS_LABELS.values()))

st.subheader("派单明细")
names = data.code_names()
events = a.sort("dispatched_at", "event_id").select(
    pl.col("event_id").alias("事件编号"), pl.col("dept_id").alias("部门编号"), pl.col("community_id").alias("社区编号"),
    pl.col("category").alias("类别"), pl.col("handling_mode").alias("处置方式"), pl.col("is_difficult").alias("疑难"),
    pl.col("dispatched_at").alias("派单时间"), pl.col("closure_deadline").alias("办结期限"),
    pl.col("closed_at").alias("结案时间"),
    pl.col("status").alias("状态"), pl.col("working_days_overdue").alias("超期工作日"), pl.col("rating").alias("评价"))
sel = tables.table(events, on_select="rerun", selection_mode="single-row", key="whistle_events")
if sel and sel.selection.rows:
    case_panel.show_case(events["事件编号"][sel.selection.rows[0]], as_of)
else:
    st.caption(f"共 {events.height} 条派单（一件事派给多个部门时每个部门一条）。"
               "点选一行查看该事件的派单、期限和完整流转记录。")
if status == "open_overdue" and scope == "本月":
    # the bulletin's overdue list is this month's dispatches overdue at the bulletin's cut-off: the same rows
    # when the cut-off is the same, as the sentence says; otherwise it names both cut-offs
    bulletin_cutoff = period.default_for()
    if as_of == bulletin_cutoff:
        st.caption(f"以上超期未办结派单与{month_label(month)}月度通报的超期未办结清单相同（同一截止时点 "
                   f"{moment_label(as_of)}）。")
    else:
        st.caption(f"以上按本页截止时点 {moment_label(as_of)} 判定；{month_label(month)}月度通报的超期未办结清单"
                   f"按其截止时点 {moment_label(bulletin_cutoff)} 判定，两者可能不同。把“截止时点”设为该时点即与通报"
                   "清单相同。")
