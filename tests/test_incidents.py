"""An unexpected error in a page shows one Chinese sentence with an incident id, never a traceback or a
server path; the traceback is in the server log under that id."""
from __future__ import annotations

import logging
import re
import tomllib

from streamlit.testing.v1 import AppTest

from govdash.web import incidents, server
from tests.support.paths import REPO


def test_the_handler_logs_the_traceback_and_shows_only_the_id(caplog):
    script = '''
import streamlit as st
from govdash.web.incidents import on_script_error
try:
    raise ValueError("secret detail /srv/govdash/data/govdash.duckdb")
except ValueError as exc:
    handled = on_script_error(exc)
st.session_state["handled"] = handled
'''
    with caplog.at_level(logging.ERROR, logger="govdash.incidents"):
        at = AppTest.from_string(script).run()
    assert at.session_state["handled"] is True, "Streamlit's own traceback box is suppressed"
    [shown] = [e.value for e in at.error]
    incident = re.search(r"事件编号 ([0-9A-F]{8})", shown).group(1)
    assert "/srv" not in shown and "ValueError" not in shown and "Traceback" not in shown
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and logged[0].exc_info and "secret detail" in str(logged[0].exc_info[1])


def test_the_app_installs_the_handler_and_hides_error_details():
    assert server.app_options()["on_script_error"] is incidents.on_script_error
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_the_unescaped_table_export_of_streamlit_is_off():
    """Streamlit's per-table CSV export runs in the browser, outside govdash.core.textsafe's formula rule."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
