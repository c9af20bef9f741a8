"""What a user sees when a page fails unexpectedly: one Chinese sentence with an incident id, never a
traceback or a server path. The traceback goes to the server log under the same id, so an administrator
can find it from what the user reports (st.App's on_script_error; client.showErrorDetails is off too).
"""
from __future__ import annotations

import logging
import secrets

log = logging.getLogger("govdash.incidents")


def new_incident_id() -> str:
    return secrets.token_hex(4).upper()


def user_message(incident: str) -> str:
    return f"页面出现意外错误（事件编号 {incident}）。请刷新页面重试；如仍出现，请把事件编号告诉系统管理员。"


def record(exc: BaseException, where: str) -> str:
    """A new incident: its id, with the traceback logged under it and where it happened (a page, a part of one,
    a sign-in route)."""
    incident = new_incident_id()
    log.error("incident %s: %s", incident, where, exc_info=exc)
    return incident


def on_script_error(exc: Exception) -> bool:
    """st.App(on_script_error=…): log the traceback with an id, show the user the id only."""
    incident = record(exc, "uncaught error in a page")
    import streamlit as st

    st.error(user_message(incident))
    return True  # Streamlit's own exception box (with the traceback) is not shown
