"""登录: what a session shows when it is not (or no longer) signed in. Signing in itself is the
server's form at /account/sign-in (govdash.web.server), which sets the session cookie; page loads without
a valid cookie are sent there directly, so this page is seen when a session expired or was signed out
in another tab while this one stayed open."""
from urllib.parse import quote, urlsplit

import streamlit as st

from govdash.web.server import SIGN_IN

st.title("登录")
st.caption("社区治理绩效评价看板 · 请使用分配给您的账号登录")
st.info("您尚未登录，或登录已过期、已在别处退出。请重新登录。")
here = urlsplit(st.context.url or "/").path or "/"
st.html(f'<a href="{SIGN_IN}?next={quote(here, safe="/")}" data-testid="govdashSignIn" style="display:inline-block;'
        'padding:8px 18px;border-radius:8px;background:#1f4e79;color:#fff;text-decoration:none">前往登录</a>')
