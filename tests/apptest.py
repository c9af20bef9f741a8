"""Open a page of the app as a signed-in user, the way the page tests do (AppTest, in process)."""
from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from govdash.core.principal import Principal
from tests.conftest import REPO


def open_page(db, monkeypatch, principal: Principal, page: str, month: str | None = None,
              cutoff: dt.datetime | None = None, timeout: int = 180) -> AppTest:
    """The app on warehouse `db`, signed in as `principal`, `month` chosen (none given: the sidebar's default),
    switched to `page` (and the sidebar's cut-off set to `cutoff` when given); fails on any exception the page raised."""
    monkeypatch.setenv("GOVDASH_DB", str(db))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
    at.session_state["principal"] = principal
    if month is not None:
        at.session_state["month"] = month
    at.run()
    at.switch_page(page).run()
    if cutoff is not None:
        at.sidebar.datetime_input(key="as_of_at").set_value(cutoff).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
