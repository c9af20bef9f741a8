"""月度通报: city KPIs, department ranking, red/black lists, trends, hotspots, overdue list, downloads."""
import plotly.express as px
import polars as pl
import streamlit as st

from govdash import publish_panel, ui
from govdash.figures import catalogue
from govdash.core.periods import month_label, previous_month
from govdash.core.labels import DEPT_LABELS, RATE_LABELS
from govdash.outputs.documents import below_threshold, red_black_lists
from govdash.core.textsafe import md

ui.start_page("月度通报", "bulletin")
month = ui.current_month()
# published: served from the archive; else at the month's default cut-off; 初步 / 数据截至 / 定稿发布 / 更正
view = publish_panel.bulletin_view(month)
as_of, b, prev = view.as_of, view.b, view.prev
st.caption(f"{month_label(month)} · 截止 {b['as_of']} · 时限设置：非现场 {b['settings']['whistle']['offsite_response_hours']} 小时受理、"
           f"{b['settings']['whistle']['offsite_closure_working_days']} 个工作日结案；现场 {b['settings']['whistle']['onsite_response_hours']} 小时到场；"
           f"疑难 {b['settings']['whistle']['difficult_closure_working_days']} 个工作日")
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

st.subheader("部门排名")
threshold = b["settings"]["whistle"]["negative_list_threshold"]
low = {d["dept_id"] for d in below_threshold(b)}
ranking = pl.DataFrame(b["departments"]).with_columns(
    pl.col("dept_id").is_in(list(low)).alias("below")
).with_columns(pl.when(pl.col("below")).then(pl.lit(f"低于 {threshold:.0%}")).otherwise(pl.lit("")).alias("阈值提示")).drop("below")
ui.table(ranking.rename(DEPT_LABELS), rates=RATE_LABELS)
red, black = red_black_lists(b)
r1, r2 = st.columns(2)
r1.markdown("**红榜**（按期办结率前列）\n\n" + ("\n".join(f"1. {md(d['dept_name'])}　{ui.fmt_rate(d['on_time_closure_rate'])}" for d in red) or "无"))
r2.markdown("**黑榜**（按期办结率后列）\n\n" + ("\n".join(f"1. {md(d['dept_name'])}　{ui.fmt_rate(d['on_time_closure_rate'])}" for d in black) or "无"))

department_user = ui.principal().is_department
if department_user:
    st.info(b["scope"]["note"])
st.subheader("近 12 个月趋势" + ("（本部门）" if department_user else ""))
first = month
for _ in range(11):
    first = previous_month(first)
trend = ui.figure(catalogue.monthly_rates, first, month, as_of, None)
long = trend.unpivot(index="month", on=["handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate"],
                     variable_name="指标", value_name="比率").with_columns(pl.col("指标").replace_strict(DEPT_LABELS))
fig = px.line(long, x="month", y="比率", color="指标", markers=True, labels={"month": "月份"})
fig.update_yaxes(tickformat=".0%")
ui.plot(fig)

if not department_user:
    st.subheader("吹哨最多的社区")
    hot = ui.figure(catalogue.community_hotspots, month, 10)
    ui.table(hot.rename({"community_name": "社区", "jpc_name": "联合党委", "events": "吹哨事件数",
                             "top_category": "最多的类别", "top_category_events": "该类别事件数"}))

st.subheader("超期未办结清单")
names = {d["dept_id"]: d["dept_name"] for d in b["departments"]}
overdue = pl.DataFrame(b["overdue"], schema={"event_id": pl.Utf8, "dept_id": pl.Utf8, "community_id": pl.Utf8,
                                             "deadline": pl.Utf8, "working_days_overdue": pl.Int64})
if overdue.height == 0:
    st.success("没有超期未办结的事项。")
else:
    shown = overdue.with_columns(pl.col("dept_id").replace_strict(names, default=pl.col("dept_id")).alias("部门")).rename(
        {"event_id": "事件编号", "dept_id": "部门编号", "community_id": "社区编号", "deadline": "办结期限", "working_days_overdue": "超期工作日"})
    sel = ui.table(shown, on_select="rerun", selection_mode="single-row", key="overdue_table")
    rows = sel.selection.rows if sel else []
    if rows:
        ui.show_timeline(shown["事件编号"][rows[0]])
    else:
        st.caption("点选一行查看该事件的完整流转记录。")
