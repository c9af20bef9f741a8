"""govdash dashboard: signs the user in, routes the pages the user's role allows (the page table and the role
rule: govdash.web.registry), holds the shared sidebar.

`streamlit run app.py` finds the st.App below and serves it (uvicorn): the sign-in form, the session
cookie and the guard on page loads and downloads are HTTP (govdash.web.server). The same file is then the
script Streamlit runs for every session (`__name__ == "__main__"`), which reads the cookie back on
every run (govdash.web.sessions.restore_principal).
"""
import streamlit as st

if __name__ != "__main__":   # imported by `streamlit run app.py` / uvicorn: the ASGI app
    from govdash.web import server

    app = st.App(__file__, **server.app_options())
else:
    import time

    from govdash.core.textsafe import md
    from govdash.web import case_panel, chrome, data, period, registry, sessions
    from govdash.web.server import FAVICON_SVG, SIGN_OUT

    RUN_STARTED, RUN_CPU_STARTED = time.perf_counter(), time.thread_time()

    # the tab icon is inline SVG: a ":material/…:" page icon makes the browser fetch it from fonts.gstatic.com
    st.set_page_config(page_title="社区治理绩效评价看板", page_icon=FAVICON_SVG, layout="wide")
    # A table's toolbar (search, full screen) shows above its top right corner, 2.75rem tall, over the caption or
    # sentence before the table: on a phone, where that text runs the full width, always (touch shows it for good).
    # Each table gets that much room above it, at every width, so the toolbar sits there and covers no text; the
    # page's own CSS, style tags only (Streamlit takes no room for them).
    st.html("""<style>
[data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"] > [data-testid="stDataFrame"]) {
  margin-top: 2.75rem;
}
</style>""")

    def not_allowed() -> None:
        st.title("无权查看")
        st.warning("您的账号无权查看此页面。请从菜单选择可用的页面，或联系管理员。")

    principal = sessions.restore_principal()
    allowed = registry.allowed_pages(principal)
    if not allowed:
        # signed out, or signed in with a role that matches nothing: the sign-in page only (deny by default),
        # at every page's address too, so a page's link shows it instead of Streamlit's "Page not found"
        if principal.role == "none" and principal.username:
            st.session_state.pop("principal", None)
            st.error(f"账号“{md(principal.username)}”没有可用的角色，无法查看任何内容。请联系管理员。")
        sign_in = [st.Page(registry.SIGN_IN_PATH, title="登录", url_path="sign-in", default=True)]
        sign_in += [st.Page(registry.SIGN_IN_PATH, title="登录", url_path=p.url) for p in registry.PAGES]
        st.navigation(sign_in, position="hidden").run()
        st.stop()

    pages = {}
    for section, entries in registry.sections().items():
        visible = [st.Page(p.path, title=p.title, icon=p.icon, url_path="" if p.url == registry.DEFAULT else p.url,
                           default=(p.url == registry.DEFAULT))
                   for p in entries if p.url in allowed]
        if visible:
            pages[section] = visible
    # a page the role may not open answers at its address with a refusal (no menu entry, no data)
    refused = [st.Page(not_allowed, title="无权查看", url_path=p.url) for p in registry.PAGES if p.url not in allowed]
    # the default page answers at "/" only: its own address (a bookmark, a link in a message) would show Streamlit's
    # "Page not found", so the same page also answers there (hidden, no menu entry)
    aliases = [st.Page(p.path, title=p.title, url_path=p.url) for p in registry.PAGES
               if p.url == registry.DEFAULT and p.url in allowed]
    hidden = refused + aliases
    navigation = st.navigation({**pages, **({"": hidden} if hidden else {})}, position="hidden")
    # the period and the cut-off at the top of the sidebar (reachable without scrolling at 1280×720 and on a phone),
    # then the search by event id, then the menu
    period.sidebar_period(navigation.url_path or registry.DEFAULT)
    if "case" in allowed:
        case_panel.case_search()
    with st.sidebar:
        for section, entries in pages.items():
            st.markdown(f"**{section}**")
            for page in entries:
                # each link carries its page's period (and the picked cut-off): a copied link reproduces the view
                st.page_link(page, label=page.title, icon=page.icon,
                             query_params=period.address(page.url_path or registry.DEFAULT))
        st.divider()
        who = principal.label
        if principal.is_department:  # the department's name, not its code
            who = f"{principal.username}（{data.code_names()['部门'].get(principal.dept_id, principal.dept_id)}）"
        st.caption(f"已登录：{md(who)}")
        # signing out is an HTTP POST: the server revokes the session and deletes the cookie
        st.html(f'<form method="post" action="{SIGN_OUT}" style="margin:0">'
                '<button type="submit" data-testid="govdashSignOut" style="font:inherit;font-size:14px;padding:6px '
                '14px;border:1px solid rgba(49,51,63,0.2);border-radius:8px;background:#fff;color:inherit;cursor:'
                'pointer">退出登录</button></form>')
    try:
        navigation.run()
    finally:
        period.run_over()
        chrome.log_script_run(navigation.url_path or registry.DEFAULT, time.perf_counter() - RUN_STARTED,
                          time.thread_time() - RUN_CPU_STARTED)
