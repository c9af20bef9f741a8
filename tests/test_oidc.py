"""OpenID Connect: the account whose e-mail matches decides the role; no match sees nothing."""
from govdash.records import accounts
from govdash.web import registry, server, sessions
from tests.support.access import asgi, header


def test_oidc_email_maps_to_the_account_role(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    accounts.set_user("wang", "department:D05", "some-password-1", email="Wang@City.gov.cn")
    assert accounts.principal_for_email("wang@city.gov.cn") == accounts.Principal("wang", "department", "D05")
    stranger = accounts.principal_for_email("someone@else.cn")
    assert stranger.role == "none" and registry.allowed_pages(stranger) == set()
    assert accounts.load_accounts()["wang"]["email"] == "Wang@City.gov.cn"     # stored as given


def test_streamlit_login_is_available():
    """st.login needs Authlib; it is locked so an operator can switch OpenID Connect on by configuration."""
    import authlib  # noqa: F401
    import streamlit as st

    assert callable(st.login) and callable(st.logout)


def test_back_from_the_identity_provider_the_account_gets_a_session(guarded_app, monkeypatch):
    """After st.login, Streamlit redirects to / with its signed identity cookie: the account with that
    e-mail gets the dashboard's own session cookie (the same lifetime, revocation and download guard);
    an e-mail without an account (or role) gets the sign-in form with the reason, no session."""
    import json

    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    monkeypatch.setattr(sessions, "oidc_configured", lambda: True)
    accounts.set_user("wang", "department:D05", "some-password-1", email="Wang@City.gov.cn")

    def identity(email):
        info = {"email": email, "is_logged_in": True, "provider": "default", "origin": "http://127.0.0.1:8501"}
        return {"_streamlit_user": create_signed_value(get_cookie_secret(), "_streamlit_user",
                                                       json.dumps(info)).decode()}

    jar = identity("wang@city.gov.cn")
    status, headers, text = asgi(guarded_app, "GET", "/", cookies=jar)
    assert status == 200 and text == "streamlit index.html"
    cookie = header(headers, "set-cookie")[0]
    assert cookie.startswith("govdash_session=") and "HttpOnly" in cookie and "Max-Age=28800" in cookie
    jar["govdash_session"] = cookie.split(";")[0].split("=", 1)[1]
    # the download guard as for a password sign-in: a file made for this session is served to it
    assert asgi(guarded_app, "GET", "/media/0a.xlsx", cookies=jar)[0] == 403
    server.media_owners.record("0a", sessions.shared_sessions().session(jar["govdash_session"]).sid)
    assert asgi(guarded_app, "GET", "/media/0a.xlsx", cookies=jar)[0] == 200
    # signing out revokes it and goes through Streamlit's own logout (its cookie, the provider)
    status, headers, _ = asgi(guarded_app, "POST", "/account/sign-out", cookies=jar)
    assert status == 303 and header(headers, "location") == ["/auth/logout"]
    assert asgi(guarded_app, "GET", "/media/0a.xlsx", cookies={"govdash_session": jar["govdash_session"]})[0] == 403
    # a forged identity cookie is no identity; an e-mail without an account signs nobody in
    forged = {"_streamlit_user": jar["_streamlit_user"][:-3] + "xyz"}
    assert asgi(guarded_app, "GET", "/whistle", cookies=forged)[0] == 303
    stranger = identity("someone@else.cn")
    status, headers, _ = asgi(guarded_app, "GET", "/whistle", cookies=stranger)
    assert status == 303 and not header(headers, "set-cookie")
    status, _, text = asgi(guarded_app, "GET", "/account/sign-in?next=/whistle", cookies=stranger)
    assert status == 200 and "没有对应的看板账号或角色" in text
