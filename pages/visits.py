"""联系捆绑走访: weekly coverage of bound JPCs, compliance by department, city leaders' visits, problems."""
import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from govdash.core.periods import month_label, week_range_label
from govdash.core.textsafe import md
from govdash.figures import catalogue
from govdash.web import chrome, data, period, tables

chrome.start_page("visits")
month = period.month()
year = int(month[:4])
st.caption(f"{month_label(month)} · 每个捆绑部门每周至少走访所捆绑的联合党委一次（4.4 c）；"
           "每周（周一至周日）归属其周四所在的月份。豁免周：" + ("、".join(week_range_label(w)
                                                    for w in data.settings()["visits"]["exempt_weeks"]) or "无"))

visits = data.figure(catalogue.visit_table, month)
if visits is None or visits.height == 0:
    st.info("本月没有捆绑关系或走访记录。")
    st.stop()
depts = data.figure(catalogue.visit_departments, month)
names = dict(zip(depts["dept_id"], depts["dept_name"]))
chosen = st.multiselect("部门", list(names), format_func=names.get, key="visit_depts", placeholder="全部部门")
if chosen:
    visits = visits.filter(pl.col("dept_id").is_in(chosen))
    depts = depts.filter(pl.col("dept_id").is_in(chosen))

# the chosen departments' totals (a department user: its own), summed and divided in SQL as the bulletin does
totals = data.figure(catalogue.visit_totals, month, tuple(chosen))
m = st.columns(5)
m[0].metric("应走访周次", int(totals["required_weeks"]))
m[1].metric("已走访周次", int(totals["covered_weeks"]))
m[2].metric("走访达标率", tables.fmt_rate(totals["visit_compliance"]))
m[3].metric("走访次数", int(totals["visits"]))
m[4].metric("市领导带队", int(totals["leader_led_visits"]))

st.subheader("联合党委 × 周 走访覆盖（全年）")
grid = data.figure(catalogue.binding_weeks_for_year, year)
if chosen:
    grid = grid.filter(pl.col("dept_id").is_in(chosen))
cells = (grid.filter(pl.col("counts_required"))
         .group_by("jpc_name", "week_id")
         .agg(pl.col("covered").mean().alias("覆盖率"), pl.len().alias("应走访部门"),
              pl.col("covered").sum().alias("已走访部门")))
if cells.height:
    # weeks in calendar order (by their Monday), labelled 第49周（12.2–12.8）; a (JPC, week) no binding required
    # stays empty (None), not 0 %
    weeks = grid.select("week_id", "week_start", "week_end").unique("week_id").sort("week_start")
    week_labels = [week_range_label(w) for w in weeks["week_id"]]
    jpcs = sorted(cells["jpc_name"].unique().to_list())
    by_cell = {(r["jpc_name"], r["week_id"]): r for r in cells.iter_rows(named=True)}
    z, text = [], []
    for jpc in jpcs:
        row = [by_cell.get((jpc, w)) for w in weeks["week_id"]]
        z.append([None if r is None else r["覆盖率"] for r in row])
        text.append(["无应走访的捆绑关系" if r is None
                     else f"已走访 {r['已走访部门']} / 应走访 {r['应走访部门']} 个部门"
                     for r in row])
    fig = go.Figure(go.Heatmap(x=week_labels, y=jpcs, z=z, text=text, zmin=0, zmax=1, colorscale="RdYlGn",
                               hoverongaps=False, xgap=1, ygap=1,
                               hovertemplate="%{y}<br>%{x}<br>覆盖率 %{z:.0%}<br>%{text}<extra></extra>",
                               colorbar=dict(title="覆盖率", tickformat=".0%")))
    fig.update_layout(height=max(400, 18 * len(jpcs)), xaxis_title="周", yaxis_title="联合党委",
                      xaxis=dict(type="category", categoryorder="array", categoryarray=week_labels),
                      yaxis=dict(type="category", autorange="reversed"))
    tables.plot(fig)
    st.caption("颜色为该周已走访的捆绑部门占应走访部门的比例；"
               "空白为该周无应走访的捆绑关系（不计为 0%）。周按日历顺序排列。")

st.subheader("各部门走访达标率")
show = depts.select("dept_id", "dept_name", "bindings", "required_weeks", "covered_weeks", "visit_compliance", "missed",
                    "visits", "leader_led_visits", "problems_raised", "problems_solved")
tables.table(show.rename({"dept_id": "部门编号", "dept_name": "部门", "bindings": "捆绑联合党委数",
                      "required_weeks": "应走访周数",
                          "covered_weeks": "已走访周数", "visit_compliance": "走访达标率", "missed": "缺访周次",
                          "visits": "走访次数", "leader_led_visits": "市领导带队", "problems_raised": "发现问题",
                          "problems_solved": "解决问题"}), rates=["走访达标率"])

detail_dept = st.selectbox("查看部门明细", list(depts["dept_id"]), format_func=lambda d: names.get(d, d),
                           key="visit_detail")
rows = visits.filter(pl.col("dept_id") == detail_dept)
tables.table(rows.select("jpc_id", "jpc_name", "required_weeks", "covered_weeks", "visit_compliance", "visits",
                         "leader_led_visits", "problems_raised", "problems_solved", "missed_weeks")
             .rename({"jpc_id": "联合党委编号", "jpc_name": "联合党委", "required_weeks": "应走访周数",
                      "covered_weeks": "已走访周数",
                      "visit_compliance": "走访达标率", "visits": "走访次数", "leader_led_visits": "市领导带队",
                      "problems_raised": "发现问题", "problems_solved": "解决问题", "missed_weeks": "缺访周"}),
         rates=["走访达标率"])
records = data.figure(catalogue.visit_records, month, detail_dept, None)
with st.expander(f"{md(names.get(detail_dept, detail_dept))}本月的走访记录（{records.height} 条）"):
    tables.table(records.rename({"visit_id": "走访编号", "visit_date": "走访日期", "week_id": "周",
                                 "dept_id": "部门编号", "jpc_id": "联合党委编号", "led_by_city_leader": "市领导带队",
                             "team_leader_rank": "组长职级",
                                 "participants": "参加人数", "topics": "走访内容", "problems_raised": "发现问题",
                                 "problems_solved": "解决问题"}))

st.subheader("联系市领导走访")
leaders = data.figure(catalogue.leader_visits, month)
tables.table(leaders.rename({"jpc_id": "联合党委编号", "jpc_name": "联合党委", "leader_name": "联系市领导",
                             "visits": "部门走访次数", "leader_led_visits": "市领导带队次数"}))

st.subheader("发现问题与解决问题")
pr = depts.select("dept_name", "problems_raised", "problems_solved").rename(
    {"dept_name": "部门", "problems_raised": "发现问题", "problems_solved": "解决问题"})
fig = px.bar(pr.unpivot(index="部门", variable_name="类型", value_name="个数"), x="部门", y="个数",
             color="类型", barmode="group")
tables.plot(fig)
