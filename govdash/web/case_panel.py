"""A whistle event as a case: the sidebar's search by event id (from any page: it opens the case page's address,
/case?event=EVENT_ID) and the case itself, shown by the case page and beside the tables of events that open it."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from govdash.core import labels
from govdash.core.periods import moment_label, parse_as_of
from govdash.core.textsafe import md
from govdash.figures import catalogue
from govdash.web import data, dispute_panel, period, tables

CASE_PAGE = "pages/case.py"


def normalize_event_id(text: str | None) -> str:
    """An event id as typed, as the warehouse holds it: spaces around it dropped, letters upper-case (E20240000094;
    a pasted id often carries a space, a typed one a lower-case e)."""
    return (text or "").strip().upper()


def show_case(event_id: str, as_of: dt.datetime | None = None) -> bool:
    """A whistle event as a case: its classification, every assignment with its deadlines, status and working days
    overdue at the cut-off, and its full log, all in Chinese. A department sees only an event dispatched to it (and
    its own assignments). False when there is no such event for this user."""
    as_of = as_of or parse_as_of(None).replace(second=0)
    event_id = normalize_event_id(event_id)
    log = data.figure(catalogue.event_timeline, event_id)  # scoped: empty when the user may not see this event
    header = data.figure(catalogue.event_header, event_id)
    if log is None or log.height == 0 or header is None or header.height == 0:
        st.warning(f"找不到事件 {md(event_id)}，或无权查看")
        return False
    e = header.row(0, named=True)
    community = data.code_names()["社区"].get(e["community_id"], e["community_id"])
    st.markdown(f"**事件 {md(event_id)}**　{md(e['category'])}　"
                f"{labels.HANDLING_MODE_LABELS.get(e['handling_mode'], '—')}"
                f"{'　疑难' if e['is_difficult'] else ''}　上报：{e['reported_at']:%Y-%m-%d %H:%M}"
                f"　社区：{md(community)}")
    st.caption(f"截至 {moment_label(as_of)} 的派单状态；超期工作日按法定工作日计算，与月度通报超期未办结清单的算法相同"
               "（通报按其本月截止时点判定）。")
    assignments = data.figure(catalogue.event_assignments, event_id, as_of)
    if assignments is not None and assignments.height:
        tables.table(assignments.select(
            pl.col("dept_name").alias("部门"), pl.col("dispatched_at").alias("派单时间"),
            pl.col("response_deadline").alias("响应时限"), pl.col("responded_at").alias("响应时间"),
            pl.col("closure_deadline").alias("办结期限"), pl.col("closed_at").alias("结案时间"),
            pl.col("status").alias("状态"), pl.col("working_days_overdue").alias("超期工作日"),
            pl.col("rating").alias("评价")), key=f"case_assignments_{event_id}")
    value_labels = {**labels.RATING_LABELS, **labels.ESCALATION_LABELS}
    tables.table(log.select(
        pl.col("seq").alias("序号"), pl.col("ts").alias("时间"),
        labels.label_expr("action", labels.ACTION_LABELS).alias("动作"),
        pl.col("dept_name").alias("部门"), labels.label_expr("value", value_labels).alias("结果"),
        pl.col("note").alias("备注")), key=f"case_log_{event_id}")
    return True


def dispute_form(event_id: str, as_of: dt.datetime | None = None) -> None:
    """申诉 of the signed-in department's assignment of this event (its rating too, on the ground 误评); nothing for
    anyone else, nor for an event not dispatched to the department."""
    p = data.principal()
    if not p.is_department or not p.dept_id:
        return
    as_of = as_of or parse_as_of(None).replace(second=0)
    assignments = data.figure(catalogue.event_assignments, normalize_event_id(event_id), as_of)
    dispute_panel.filing_form(dispute_panel.assignment_items(assignments, p.dept_id), key="case_dispute")


def case_search() -> None:
    """Search by event id from any page (the sidebar): the case page's own address, /case?event=EVENT_ID, with the
    period of the page it was typed on. The box empties itself, so it never holds the user on the case page."""
    def go() -> None:
        st.session_state["case_goto"] = normalize_event_id(st.session_state.get("case_query"))
        st.session_state["case_query"] = ""

    with st.sidebar:
        st.text_input("按事件编号查询", key="case_query", placeholder="例如 E20240000094", on_change=go)
    event_id = st.session_state.pop("case_goto", "")
    if event_id:
        st.switch_page(CASE_PAGE, query_params={**period.address("case"), "event": event_id})
