"""五级双向: the appeal funnel, the two-way flow, dwell times, community resolution, the whistle ladder."""
import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from govdash.core.labels import OUTCOME_LABELS
from govdash.core.periods import moment_label, month_bounds, month_label, month_label_expr
from govdash.figures import catalogue
from govdash.web import chrome, data, period, tables

OUTCOMES = OUTCOME_LABELS

chrome.start_page("five-level")
month = period.month()
as_of = period.cutoff()
labels = data.settings()["appeals"]["level_labels"]
c1, c2 = st.columns(2)
scope = c1.radio("统计范围", ["本月", "本年"], horizontal=True, key="funnel_scope")
start, end = month_bounds(month)
if scope == "本年":
    start, end = start.replace(month=1), month_bounds(f"{month[:4]}-12")[1]
span = month_label(month) if scope == "本月" else f"{month[:4]}年"
funnel = data.figure(catalogue.funnel_section, start, end, as_of)
categories = [c["category"] for c in funnel["by_category"]]
category = c2.selectbox("诉求类别", ["全部"] + categories, key="funnel_category")
outcomes = data.figure(catalogue.appeal_outcomes, start, end, as_of)
zero = {"appeals": 0, "resolved": 0, "withdrawn": 0, "open": 0, "in_transit": 0}
if category == "全部":
    levels, share, counts = funnel["levels"], funnel["community_resolution_share"], outcomes["city"]
else:
    chosen = next(c for c in funnel["by_category"] if c["category"] == category)
    levels, share = chosen["levels"], chosen["community_resolution_share"]
    counts = outcomes["by_category"].get(category, zero)
st.caption(f"{span}提出的居民诉求 · 截止 {moment_label(as_of)} · 层级自下而上逐级上交（004 5.2）")

m = st.columns(5)
m[0].metric("诉求数", int(counts["appeals"]))
m[1].metric("已解决", int(counts["resolved"]))
m[2].metric("已撤回", int(counts["withdrawn"]))
m[3].metric("在办", int(counts["open"]))
m[4].metric("社区内解决占比", tables.fmt_rate(share))
entered, escalated = sum(lv["entered"] for lv in levels), sum(lv["escalated"] for lv in levels)
st.caption(f"诉求数 {counts['appeals']:d} = 已解决 {counts['resolved']:d} + 已撤回 {counts['withdrawn']:d}"
           f" + 在办 {counts['open']:d}" + (f" + 上交途中 {counts['in_transit']:d}" if counts["in_transit"] else "")
           + "。每件诉求按截止时所在的最高层级计一次结果（解决、撤回或在办）"
           + ("；上交途中：已上交、上一层级截止时尚未接收" if counts["in_transit"] else "")
           + f"。上交的诉求在上一层级再计一次“进入”，所以各层级“进入”合计 {entered:d} = 诉求数 {counts['appeals']:d}"
           + f" + 上交 {escalated:d}" + (f" − 上交途中 {counts['in_transit']:d}" if counts["in_transit"] else "")
           + "。")
if counts["appeals"] + escalated - counts["in_transit"] != entered:
    st.warning("诉求数与各层级进入数对不上，请检查诉求流转记录（数据质量页）。")

st.subheader("诉求漏斗")
frame = pl.DataFrame(levels).with_columns(
    pl.when(pl.col("entered") == pl.col("resolved") + pl.col("escalated") + pl.col("withdrawn") + pl.col("open"))
    .then(pl.lit("✓"))
    .otherwise(pl.format("✗ 差 {}", pl.col("entered") - pl.col("resolved") - pl.col("escalated") - pl.col("withdrawn")
                         - pl.col("open")))
    .alias("check"))
fig = go.Figure(go.Funnel(y=[f"{lv['level']} {lv['label']}" for lv in levels], x=[lv["entered"] for lv in levels],
                          textinfo="value"))
fig.update_layout(height=360)
tables.plot(fig)
tables.table(frame.select("level", "label", "entered", "resolved", "escalated", "withdrawn", "open", "check",
                      "conversion", "median_dwell_hours", "p90_dwell_hours")
         .rename({"level": "层级", "label": "层级名称", "entered": "进入", "resolved": "解决", "escalated": "上交",
                  "withdrawn": "撤回", "open": "在办", "check": "核对", "conversion": "上交率",
                  "median_dwell_hours": "停留中位数（小时）", "p90_dwell_hours": "停留 90 分位（小时）"}),
         rates=["上交率"])
st.caption("每一层级：进入 = 解决 + 上交 + 撤回 + 在办（“核对”列）；上交的诉求进入上一层级。"
           f"合计：解决 {sum(lv['resolved'] for lv in levels):d} + 撤回 {sum(lv['withdrawn'] for lv in levels):d}"
           f" + 在办 {sum(lv['open'] for lv in levels):d} = 各层级最终结果 "
           f"{sum(lv['resolved'] + lv['withdrawn'] + lv['open'] for lv in levels):d}。")

st.subheader("双向流动：工作下派与诉求上交")
tasks = data.figure(catalogue.task_flow, start, end)
nodes = [f"下派·{x}" for x in labels] + [f"诉求·{x}" for x in labels] + ["解决", "撤回", "在办"]
src, dst, val, colour = [], [], [], []
for r in tasks.iter_rows(named=True):
    src.append(r["from_level"] - 1)
    dst.append(5 + r["to_level"] - 1)
    val.append(r["tasks"])
    colour.append("rgba(31,119,180,0.4)")
for lv in funnel["levels"]:
    k = lv["level"] - 1
    for key, target in (("escalated", 5 + k + 1), ("resolved", 10), ("withdrawn", 11), ("open", 12)):
        if lv[key] and target < len(nodes):
            src.append(5 + k)
            dst.append(target)
            val.append(lv[key])
            colour.append("rgba(214,39,40,0.35)" if key == "escalated" else "rgba(127,127,127,0.3)")
fig = go.Figure(go.Sankey(node=dict(label=nodes, pad=14), link=dict(source=src, target=dst, value=val, color=colour)))
fig.update_layout(height=460)
tables.plot(fig)
st.caption("蓝色：上级部门下派到社区及以下的工作事项（004 5.1）；红色：诉求逐级上交；"
           "灰色：在各层级解决、撤回或仍在办。")

st.subheader("各层级停留时长分布")
dwell = data.figure(catalogue.appeal_dwell_times, start, end, as_of)
if dwell.height:
    dwell = dwell.with_columns(pl.col("level").replace_strict({i + 1: f"{i + 1} {x}" for i,
                                                               x in enumerate(labels)}).alias("层级"))
    fig = px.box(dwell, x="层级", y="dwell_hours", points=False, labels={"dwell_hours": "停留时长（小时）"},
                 category_orders={"层级": [f"{i + 1} {x}" for i, x in enumerate(labels)]})
    tables.plot(fig)

st.subheader("社区内解决占比（按月）")
year_start, year_end = month_bounds(f"{month[:4]}-01")[0], month_bounds(f"{month[:4]}-12")[1]
by_month = data.figure(catalogue.appeal_resolution_by_month, year_start, year_end,
                     as_of).with_columns(month_label_expr("month"))
fig = px.line(by_month, x="month", y="community_resolution_share", markers=True,
              labels={"month": "月份", "community_resolution_share": "社区内解决占比"})
fig.update_yaxes(tickformat=".0%", range=[0, 1])
fig.update_xaxes(type="category")
tables.plot(fig)

st.subheader("向上推送较多的社区")
push = data.figure(catalogue.community_push_up, start, end, as_of)
tables.table(push.head(20).select("rank", "community_id", "community_name", "appeals", "carried_up", "carried_up_share",
                                  "resolved_in_community")
             .rename({"rank": "排名", "community_id": "社区编号", "community_name": "社区",
                      "appeals": "社区及以下进入的诉求",
                      "carried_up": "上交到街道及以上", "carried_up_share": "上交占比",
                      "resolved_in_community": "社区内解决"}), rates=["上交占比"])

st.subheader("吹哨事件协调阶梯（龙港 4.2–4.3）")
ladder = data.figure(catalogue.whistle_ladder, start, end, as_of)
fig = go.Figure(go.Funnel(y=ladder["label"].to_list(), x=ladder["events"].to_list(), textinfo="value+percent initial"))
fig.update_layout(height=300)
tables.plot(fig)
st.caption("每一级计入至少升级到该级的事件（直接提交周协调的事件也计入日调度）。")

st.subheader("查看诉求明细与流转轨迹")
d1, d2, d3 = st.columns(3)
level = d1.selectbox("层级", [lv["level"] for lv in levels], format_func=lambda k: f"{k} {labels[k - 1]}",
                     key="drill_level")
outcome = d2.selectbox("结果", list(OUTCOMES), format_func=OUTCOMES.get, key="drill_outcome")
records = data.figure(catalogue.appeal_records, start, end, as_of, level, outcome, None)
if category != "全部":
    records = records.filter(pl.col("category") == category)
d3.metric("符合条件的诉求", records.height)
tables.table(records.rename({"appeal_id": "诉求编号", "community_id": "社区编号", "community_name": "社区",
                         "category": "类别",
                             "raised_at": "提出时间", "origin_level": "起始层级", "level": "层级",
                         "entered_at": "进入时间",
                             "exited_at": "离开时间", "outcome": "结果", "dwell_hours": "停留（小时）"}))
if records.height:
    appeal = st.selectbox("诉求流转轨迹", records["appeal_id"].unique(maintain_order=True).to_list(),
                          key="drill_appeal")
    trail = data.figure(catalogue.appeal_trail, appeal)
    tables.table(trail.with_columns(pl.col("outcome").replace_strict(OUTCOMES, default=pl.col("outcome")),
                                    pl.col("level").replace_strict({i + 1: x for i,
                                                                    x in enumerate(labels)}).alias("层级名称"))
                 .rename({"appeal_id": "诉求编号", "level": "层级", "entered_at": "进入时间", "exited_at": "离开时间",
                          "outcome": "结果"}))
