"""负面清单: weekly report submission, items by Appendix E clause, rectification, the assessment and burden lists."""
import plotly.express as px
import polars as pl
import streamlit as st

from govdash.core.labels import REPORT_STATUS_LABELS
from govdash.core.periods import moment_label, month_bounds, month_label, week_range_label_expr
from govdash.figures import catalogue
from govdash.web import chrome, data, period, tables

STATUS = REPORT_STATUS_LABELS
STATUS_COLOURS = {"按时": "#2e7d32", "迟报": "#f9a825", "漏报": "#c62828", "未到期": "#bdbdbd"}

chrome.start_page("negative-lists")
month = period.month()
year = int(month[:4])
as_of = period.cutoff()
nr = data.settings()["negative_reports"]
st.caption(f"{month_label(month)} · 截止 {moment_label(as_of)} · 周报截止：周结束后第 {nr['due_weekday']} 天 "
           f"{nr['due_time']}")

b = data.figure(catalogue.bulletin, month, as_of)
jpc_names = b["reference"]["jpc_names"]
clause_texts = b["reference"]["clause_texts"]
tab_reports, tab_assessment, tab_burden = st.tabs(["负面清单周报", "考核负面清单", "减负负面清单"])

with tab_reports:
    # the week lists are typed here: in a month where no bound JPC missed a week they are all empty,
    # and an untyped empty list column cannot be joined into text (the department users' crash)
    summary = pl.DataFrame(b["negative_reports"], schema_overrides={
        "missing_weeks": pl.List(pl.Utf8), "late_weeks": pl.List(pl.Utf8)}) if b["negative_reports"] else None
    if summary is None:
        st.info("本月没有联合党委。")
    else:
        # every JPC's totals (a department user: its bound JPCs'), summed and divided in SQL as the bulletin does
        totals = data.figure(catalogue.negative_report_totals, month, as_of)
        c = st.columns(5)
        c[0].metric("应报（已到期）", int(totals["weeks_due"]))
        c[1].metric("按时", int(totals["on_time"]))
        c[2].metric("迟报", int(totals["late"]))
        c[3].metric("漏报", int(totals["missing"]))
        c[4].metric("按时上报率", tables.fmt_rate(totals["on_time_rate"]))

        st.subheader("联合党委 × 周 上报情况（全年）")
        grid = data.figure(catalogue.negative_report_year, year, as_of).with_columns(
            pl.col("status").replace_strict(STATUS).alias("状态"),
            # shown as local times in the hover text (one dtype per hover column for plotly)
            pl.col("submitted_at", "due_at").dt.strftime("%Y-%m-%d %H:%M").fill_null("—"),
            week_range_label_expr("week_id").alias("周次"))
        only_problems = st.toggle("只看迟报和漏报", key="only_problems")
        if only_problems:
            bad = grid.filter(pl.col("status").is_in(["late", "missing"]))["jpc_id"].unique()
            grid = grid.filter(pl.col("jpc_id").is_in(bad))
        # weeks in calendar order, named 第49周（12.2–12.8）
        week_order = grid.select("week_id", "周次").unique().sort("week_id")["周次"].to_list()
        fig = px.scatter(grid, x="周次", y="jpc_name", color="状态", symbol_sequence=["square"],
                         color_discrete_map=STATUS_COLOURS, category_orders={"状态": list(STATUS.values()),
                                                                             "周次": week_order},
                         hover_data={"submitted_at": True, "due_at": True, "items": True},
                         labels={"week_id": "周", "jpc_name": "联合党委", "submitted_at": "上报时间",
                                 "due_at": "截止时间", "items": "负面事项"})
        fig.update_traces(marker_size=9)
        fig.update_layout(height=max(400, 18 * grid["jpc_id"].n_unique()))
        tables.plot(fig)

        st.subheader("本月各联合党委")
        table = summary.with_columns(
            pl.col("jpc_id").replace_strict(jpc_names, default=pl.col("jpc_id")).alias("联合党委"),
            pl.col("missing_weeks").alias("漏报周"),
            pl.col("late_weeks").alias("迟报周"),
        ).select("jpc_id", "联合党委", "weeks_required", "on_time", "late", "missing", "pending", "on_time_rate",
                 "items", "rectified_share", "漏报周", "迟报周")
        tables.table(table.rename({"jpc_id": "联合党委编号", "weeks_required": "应报周数", "on_time": "按时",
                               "late": "迟报",
                                   "missing": "漏报", "pending": "未到期", "on_time_rate": "按时上报率",
                                   "items": "负面事项", "rectified_share": "整改率"}), rates=["按时上报率", "整改率"])

        st.subheader("负面事项按条款（附录 E）")
        by_clause = data.figure(catalogue.negative_report_clauses, month, as_of)
        if by_clause.height == 0:
            st.info("本月没有报告负面事项。")
        else:
            # each clause named by its code and the start of its text (the whole text in the hover)
            by_clause = by_clause.with_columns(pl.concat_str([
                pl.col("clause_code"), pl.lit(" "), pl.col("clause_text").fill_null("").str.slice(0, 8)]
            ).alias("clause"))
            fig = px.bar(by_clause, x="clause", y="items", color="clause_group",
                         hover_data={"clause_text": True},
                         labels={"clause": "条款", "items": "事项数", "clause_group": "类别",
                                 "clause_text": "条款内容"})
            tables.plot(fig)
            tables.table(by_clause.drop("clause").rename({"clause_code": "条款", "clause_group": "类别",
                                                      "clause_text": "条款内容",
                                           "items": "事项数", "rectified_items": "已整改", "jpcs": "涉及联合党委",
                                           "rectified_share": "整改率"}), rates=["整改率"])

        jpc = st.selectbox("查看联合党委的周报明细", list(summary["jpc_id"]), format_func=lambda j: jpc_names.get(j, j),
                           key="report_jpc")
        lines = data.figure(catalogue.negative_report_lines, month, as_of, jpc)
        tables.table(lines.rename({"report_id": "报告编号", "jpc_id": "联合党委编号", "week_id": "周",
                               "submitted_at": "上报时间",
                                   "clause_code": "条款", "clause_text": "条款内容", "items": "事项数",
                                   "description": "情况描述", "rectified": "已整改"}), hide_index=True, width="stretch")

with tab_assessment:
    threshold = b["settings"]["whistle"]["negative_list_threshold"]
    st.write(f"1 月至本月累计处置率或办结率低于 {threshold:.0%} 的部门，纳入年度考核负面清单（4.1.1.1）。")
    listed = b["assessment_negative_list"]
    if not listed:
        st.success("截至本月没有部门列入考核负面清单。")
    else:
        tables.table(pl.DataFrame(listed).with_columns(pl.col("reasons").list.join("；")).rename(
            {"dept_id": "部门编号", "dept_name": "部门", "dispatched": "年度累计派单", "handling_rate": "年度处置率",
             "closure_rate": "年度办结率", "reasons": "列入原因"}), rates=["年度处置率", "年度办结率"])
        dept = st.selectbox("查看部门未处置、未办结的派单", [d["dept_id"] for d in listed],
                            format_func=lambda d: next(x["dept_name"] for x in listed if x["dept_id"] == d),
                            key="neg_dept")
        a = data.figure(catalogue.assignments, month_bounds(month)[0].replace(month=1), month_bounds(month)[1], as_of)
        a = a.filter((pl.col("dept_id") == dept) & (pl.col("status") != "returned")
                     & (pl.col("responded_at").is_null() | pl.col("closed_at").is_null()))
        tables.table(a.select("event_id", "community_id", "dispatched_at", "response_deadline", "responded_at",
                              "closure_deadline", "closed_at", "status").rename(
            {"event_id": "事件编号", "community_id": "社区编号", "dispatched_at": "派单时间",
             "response_deadline": "响应时限",
             "responded_at": "响应时间", "closure_deadline": "办结期限", "closed_at": "结案时间", "status": "状态"}))

with tab_burden:
    st.write("下派到社区（层级 ≤ 3）且准入事项为空或不在附录 B 准入清单的事项，以及不在附录 C 证明清单的证明事项"
             "（黄石港 §三、温州 §二、长治 §四）。")
    burden = b["burden_negative_list"]
    if not burden:
        st.success("本年度没有清单外事项。")
    else:
        tables.table(pl.DataFrame(burden).rename(
            {"dept_id": "部门编号", "dept_name": "部门", "tasks_off_list": "当月清单外事项",
             "certificates_off_list": "当月清单外证明",
             "tasks_onto_communities": "当月下派社区事项", "tasks_off_list_ytd": "年度累计清单外事项",
             "certificates_off_list_ytd": "年度累计清单外证明"}))
        dept = st.selectbox("查看部门的清单外事项", [d["dept_id"] for d in burden],
                            format_func=lambda d: next(x["dept_name"] for x in burden if x["dept_id"] == d),
                            key="burden_dept")
        start, end = month_bounds(month)
        records = data.figure(catalogue.burden_records, dept, start.replace(month=1), end, as_of).drop("dept_id")
        tables.table(records.rename({"task_id": "事项编号", "issued_at": "下派时间", "community_id": "社区编号",
                                 "category": "类别",
                                     "admission_item": "准入事项", "certificate_item": "证明事项",
                                 "completed_at": "完成时间",
                                     "task_off_list": "清单外事项", "certificate_off_list": "清单外证明"}))
    with st.expander("参考清单：减负负面事项（黄石港 §三）与附录 B、C"):
        for list_id, label in (("burden_negative", "减负负面事项"), ("admission", "准入事项清单（附录 B）"),
                               ("certificate", "证明事项清单（附录 C）")):
            st.markdown(f"**{label}**")
            tables.table(data.figure(catalogue.reference_list, list_id).select("item_id", "item_name", "category",
                                                                         "owner", "source")
                         .rename({"item_id": "编号", "item_name": "内容", "category": "分类", "owner": "主管部门",
                                  "source": "出处"}))
