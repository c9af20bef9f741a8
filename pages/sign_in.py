"""登录: username and password against the hashed accounts file, or OpenID Connect when configured."""
import streamlit as st

from govdash import access

st.title("登录")
st.caption("社区治理绩效评价看板 · 请使用分配给您的账号登录")
if access.oidc_configured():
    if st.button("使用单位统一身份认证登录", key="oidc_login"):
        st.login()
    st.divider()
if not access.accounts_path().exists():
    st.warning("尚未创建任何账号。请管理员运行：govdash user add <用户名> --role committee")
with st.form("sign_in"):
    username = st.text_input("用户名", key="username")
    password = st.text_input("密码", type="password", key="password")
    submitted = st.form_submit_button("登录")
if submitted:
    principal = access.authenticate(username.strip(), password)
    if principal is None:
        st.error("用户名或密码不正确。")
    else:
        st.session_state["principal"] = principal
        st.rerun()

# While the form waits for the user, load what the first page needs (plotly, the figures, the report
# writers), so the bulletin after signing in does not pay for these imports.
import plotly.express  # noqa: E402,F401

import govdash.figures  # noqa: E402,F401
import govdash.reports  # noqa: E402,F401
