"""事件查询: one whistle event as a case — its classification, every assignment with deadlines, status and working
days overdue at the cut-off, and its full log in Chinese. Its address names the event, /case?event=EVENT_ID (the
sidebar's search on any page opens it), with the period's cut-off of every page."""
import streamlit as st

from govdash.web import case_panel, chrome, period

chrome.start_page("case")
as_of = period.cutoff()


def look_up() -> None:   # the box writes the address: a link or F5 shows the same event
    event_id = case_panel.normalize_event_id(st.session_state.get("case_event_box"))
    if event_id:
        st.query_params["event"] = event_id
    elif "event" in st.query_params:
        del st.query_params["event"]


event_id = case_panel.normalize_event_id(st.query_params.get("event"))
st.session_state["case_event_box"] = event_id
st.text_input("事件编号", key="case_event_box", placeholder="例如 E20240000094", on_change=look_up)
if not event_id:
    st.info("输入事件编号（菜单中的“按事件编号查询”在任何页面都可用），查看该事件的派单、期限、状态和完整流转记录。")
    st.stop()
if case_panel.show_case(event_id, as_of):
    case_panel.dispute_form(event_id, as_of)
