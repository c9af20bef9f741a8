"""govdash dashboard: signs the user in, routes the pages the user's role allows, holds the shared sidebar."""
import time

import streamlit as st

from govdash import access, ui

RUN_STARTED, RUN_CPU_STARTED = time.perf_counter(), time.thread_time()

st.set_page_config(page_title="社区治理绩效评价看板", page_icon=":material/analytics:", layout="wide")

PAGES = {
    "吹哨报到": [
        ("pages/monthly_bulletin.py", "月度通报", ":material/newspaper:", "bulletin"),
        ("pages/whistle_analysis.py", "吹哨报到分析", ":material/monitoring:", "whistle"),
        ("pages/department_self_check.py", "部门自查", ":material/manage_search:", "self-check"),
    ],
    "走访、清单与诉求": [
        ("pages/visits.py", "联系捆绑走访", ":material/handshake:", "visits"),
        ("pages/negative_lists.py", "负面清单", ":material/block:", "negative-lists"),
        ("pages/five_level.py", "五级双向", ":material/swap_vert:", "five-level"),
    ],
    "考核": [
        ("pages/assessment.py", "年度考核", ":material/military_tech:", "assessment"),
    ],
    "数据": [
        ("pages/data_quality.py", "数据导入与质量", ":material/database:", "data"),
    ],
}

principal = access.sign_in_from_oidc() or access.current_principal()
allowed = principal.allowed_pages()
if not allowed:
    # signed out, or signed in with a role that matches nothing: the sign-in page only (deny by default)
    if principal.role == "none" and principal.username:
        st.session_state.pop("principal", None)
        st.error(f"账号“{principal.username}”没有可用的角色，无法查看任何内容。请联系管理员。")
    st.navigation([st.Page("pages/sign_in.py", title="登录", icon=":material/login:", url_path="sign-in", default=True)],
                  position="hidden").run()
    st.stop()

pages = {}
for section, entries in PAGES.items():
    visible = [st.Page(path, title=title, icon=icon, url_path=url, default=(url == "bulletin"))
               for path, title, icon, url in entries if url in allowed]
    if visible:
        pages[section] = visible
navigation = st.navigation(pages, position="hidden")
with st.sidebar:
    for section, entries in pages.items():
        st.markdown(f"**{section}**")
        for page in entries:
            st.page_link(page, label=page.title, icon=page.icon)
    st.divider()
    st.caption(f"已登录：{principal.label}")
    if st.button("退出登录", key="sign_out"):
        st.session_state.pop("principal", None)
        if access.oidc_configured() and getattr(st.user, "is_logged_in", False):
            st.logout()
        st.rerun()
ui.sidebar_period()
try:
    navigation.run()
finally:
    ui.log_script_run(navigation.url_path or "bulletin", time.perf_counter() - RUN_STARTED,
                      time.thread_time() - RUN_CPU_STARTED)
