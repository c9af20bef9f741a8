"""OpenID Connect: the account whose e-mail matches decides the role; no match sees nothing."""
from govdash import access


def test_oidc_email_maps_to_the_account_role(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    access.set_user("wang", "department:D05", "some-password-1", email="Wang@City.gov.cn")
    assert access.principal_for_email("wang@city.gov.cn") == access.Principal("wang", "department", "D05")
    stranger = access.principal_for_email("someone@else.cn")
    assert stranger.role == "none" and stranger.allowed_pages() == set()
    assert "email = " in (tmp_path / "accounts.toml").read_text(encoding="utf-8")


def test_streamlit_login_is_available():
    """st.login needs Authlib; it is locked so an operator can switch OpenID Connect on by configuration."""
    import authlib  # noqa: F401
    import streamlit as st

    assert callable(st.login) and callable(st.logout)
