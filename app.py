"""govdash dashboard: routes the pages and holds the shared sidebar (period picker)."""
import streamlit as st

from govdash import ui

st.set_page_config(page_title="社区治理绩效评价看板", page_icon="📊", layout="wide")

pages = [
    st.Page("pages/data_quality.py", title="数据导入与质量", icon="🗂️", url_path="data", default=True),
]
navigation = st.navigation(pages)
ui.sidebar_period()
navigation.run()
