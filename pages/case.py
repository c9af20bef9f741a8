"""事件查询: one whistle event as a case — its classification, every assignment with deadlines, status and working
days overdue at the cut-off, and its full log in Chinese. Reached from the sidebar's search on any page."""
import streamlit as st

from govdash.web import case_panel, chrome, widgets

chrome.start_page("case")
as_of = widgets.cutoff_picker()
query = st.session_state.get("case_event") or ""   # set by the sidebar's search (govdash.web.case_panel.case_search)
event_id = st.text_input("事件编号", value=query, key=f"case_event_{query}", placeholder="例如 E20240000094").strip()
if not event_id:
    st.info("输入事件编号（菜单中的“按事件编号查询”在任何页面都可用），查看该事件的派单、期限、状态和完整流转记录。")
    st.stop()
case_panel.show_case(event_id, as_of)
