"""月度通报: the Word bulletin on screen, section by section in the same order with the same sentences and tables
(both draw govdash.documents.bulletin_body), plus the screen's trend, hotspots, a sortable ranking and a case view
of each overdue event."""
import plotly.express as px
import polars as pl
import streamlit as st

from govdash.core.labels import DEPT_LABELS
from govdash.core.periods import moment_label, month_label, month_label_expr
from govdash.core.textsafe import md
from govdash.documents.bulletin_body import (
    EXTRACT_NOTE,
    EXTRACT_TITLE,
    Heading,
    Notes,
    Para,
    Table,
    body,
    extract_blocks,
    sub_heading,
    table_intro,
)
from govdash.documents.bulletin_text import DEPT_COLUMNS
from govdash.figures import catalogue
from govdash.web import case_panel, chrome, data, period, publish_panel, tables, widgets


def doc_table(columns, rows, **kwargs):
    """Rows shaped for the Word bulletin, shown with the Word bulletin's columns and labels (`export`: the table's
    title, which names its Excel export and tells its button from another table's of the same shape)."""
    keys = [k for k, _, _ in columns]
    frame = pl.DataFrame([{k: r.get(k) for k in keys} for r in rows], infer_schema_length=None)
    return tables.table(frame.rename({k: label for k, label, _ in columns}),
                        rates=[label for _, label, kind in columns if kind == "pct"], **kwargs)


chrome.start_page("bulletin")
month = period.month()
# published: served from the archive; else at the month's default cut-off; 初步 / 数据截至 / 定稿发布 / 更正
view = None
with chrome.section(f"{month_label(month)}通报"):
    view = publish_panel.bulletin_view(month)
if view is None:   # the message names the cause; the sidebar (another month, the data page) stays usable
    st.stop()
as_of, b, prev = view.as_of, view.b, view.prev
st.caption(f"{month_label(month)} · 截止 {moment_label(b['as_of'])}（在“统计期间”的“截止时点”中修改）")
if b["calendar_provisional"]:
    st.warning("部分期限所在年份尚无官方节假日安排，按周一至周五暂定计算。")

c, p = b["city"], prev["city"]


def delta_pts(key):
    if c[key] is None or p[key] is None:
        return None
    return f"{(c[key] - p[key]) * 100:+.1f} 个百分点"


cols = st.columns(6)
cols[0].metric("派单数", c["dispatched"], delta=c["dispatched"] - p["dispatched"] if p["dispatched"] else None)
cols[1].metric("处置率", tables.fmt_rate(c["handling_rate"]), delta=delta_pts("handling_rate"))
cols[2].metric("及时处置率", tables.fmt_rate(c["timely_handling_rate"]), delta=delta_pts("timely_handling_rate"))
cols[3].metric("办结率", tables.fmt_rate(c["closure_rate"]), delta=delta_pts("closure_rate"))
cols[4].metric("按期办结率", tables.fmt_rate(c["on_time_closure_rate"]), delta=delta_pts("on_time_closure_rate"))
cols[5].metric("超期未办结", c["open_overdue"], delta=c["open_overdue"] - p["open_overdue"], delta_color="inverse")

department_user = data.principal().is_department
if department_user:   # the department's own key figures beside the city's (its extract's row)
    own = data.principal().dept_id
    for row in (view.extract or {}).get("departments", []):
        if row["dept_id"] == own:
            widgets.key_figures(data.department_names().get(own, own), row)
publish_panel.downloads(view)
if department_user:
    st.info(EXTRACT_NOTE)
threshold = b["settings"]["whistle"]["negative_list_threshold"]


def trend_and_hotspots() -> None:
    """Under the summary: the city's last 12 months' rates as the bulletin shows them (a publication's as stored
    with it), the city's hotspots."""
    st.markdown("**近 12 个月趋势**")
    trend = pl.DataFrame(view.trend, infer_schema_length=None)
    long = trend.unpivot(index="month", on=["handling_rate", "timely_handling_rate", "closure_rate",
                                            "on_time_closure_rate"],
                         variable_name="指标", value_name="比率").with_columns(
        pl.col("指标").replace_strict(DEPT_LABELS), month_label_expr("month").alias("月份"))
    fig = px.line(long, x="月份", y="比率", color="指标", markers=True)
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category")
    tables.plot(fig)
    if not department_user:
        st.markdown("**吹哨最多的社区**")
        hot = data.figure(catalogue.community_hotspots, month, 10)
        tables.table(hot.rename({"community_name": "社区", "jpc_name": "联合党委", "events": "吹哨事件数",
                                 "top_category": "最多的类别", "top_category_events": "该类别事件数"}))


def ranking(block: Table) -> None:
    """Every count of the department table, sortable: the Word table's columns first (visible without scrolling
    at 1440 px; 排名 and 部门 stay pinned), a ⚠ where a rate is below the negative-list threshold."""
    st.caption(md(block.intro))
    word = [k for k, _, _ in block.columns]
    key_first = sorted(DEPT_COLUMNS, key=lambda c: c[0] not in word)
    doc_table(key_first, b["departments"], breaches={"处置率": threshold, "办结率": threshold}, export=block.title)


def overdue(block: Table) -> None:
    """The overdue list with a case view of the chosen event."""
    st.write(md(block.intro))
    sel = doc_table(block.columns, block.rows, on_select="rerun", selection_mode="single-row", key="overdue_table",
                    export=block.title)
    rows = sel.selection.rows if sel else []
    if rows:
        case_panel.show_case(block.rows[rows[0]]["event_id"], as_of)
    else:
        st.caption(f"共 {len(block.rows)} 件。点选一行查看该事件的派单、期限和完整流转记录。")


def notes(block: Notes) -> None:
    with st.expander("指标口径与时限设置", expanded=False):
        st.markdown("\n".join(f"- **{md(k)}**：{md(v)}" for k, v in block.definitions))
        st.markdown("\n".join(f"- {md(line)}" for line in block.settings))
        st.caption(md(block.text))


SCREEN = {"ranking": ranking, "overdue": overdue}   # blocks the page draws its own way
AFTER = {"summary": trend_and_hotspots}            # what the page adds after a block


def draw(blocks) -> None:
    sub = 0
    for block in blocks:
        if isinstance(block, Heading):
            sub += 1
            st.markdown(f"**{md(sub_heading(sub, block.text))}**")
        elif isinstance(block, Para):
            st.write(md(block.text))
        elif isinstance(block, Table) and block.key in SCREEN:
            SCREEN[block.key](block)
        elif isinstance(block, Table):
            if intro := table_intro(block.intro, block.rows):
                st.write(md(intro))
            if block.rows:
                doc_table(block.columns, block.rows, export=block.title)
        elif isinstance(block, Notes):
            notes(block)
        if getattr(block, "key", "") in AFTER:
            with chrome.section("近 12 个月趋势与热点社区"):
                AFTER[block.key]()


for title, blocks in body(b, prev):   # each section on its own: one that fails leaves the others on the page
    st.subheader(title)
    with chrome.section(title):
        draw(blocks)
if view.extract is not None:   # a department: after the city's bulletin, its own rows, marked as an extract
    st.subheader(EXTRACT_TITLE)
    with chrome.section(EXTRACT_TITLE):
        draw(extract_blocks(view.extract))
