"""govdash dashboard: routes the pages and holds the shared sidebar (period picker)."""
import streamlit as st

from govdash import ui

st.set_page_config(page_title="社区治理绩效评价看板", page_icon="📊", layout="wide")

pages = {
    "吹哨报到": [
        st.Page("pages/monthly_bulletin.py", title="月度通报", icon="📰", url_path="bulletin", default=True),
        st.Page("pages/whistle_analysis.py", title="吹哨报到分析", icon="📈", url_path="whistle"),
        st.Page("pages/department_self_check.py", title="部门自查", icon="🔎", url_path="self-check"),
    ],
    "走访、清单与诉求": [
        st.Page("pages/visits.py", title="联系捆绑走访", icon="🤝", url_path="visits"),
        st.Page("pages/negative_lists.py", title="负面清单", icon="🚫", url_path="negative-lists"),
        st.Page("pages/five_level.py", title="五级双向", icon="🔁", url_path="five-level"),
    ],
    "数据": [
        st.Page("pages/data_quality.py", title="数据导入与质量", icon="🗂️", url_path="data"),
    ],
}
navigation = st.navigation(pages)
ui.sidebar_period()
navigation.run()
