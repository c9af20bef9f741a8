"""Open a page of the app as a signed-in user, in process (AppTest): the one way every page test does it."""
from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from govdash.core.principal import Principal
from tests.support.paths import REPO

COMMITTEE = Principal("tester", "committee")


def open_page(page: str | None = None, principal: Principal | None = COMMITTEE, month: str | None = None,
              cutoff: dt.datetime | None = None, *, db=None, monkeypatch=None, state: dict | None = None,
              at: AppTest | None = None, timeout: int = 180, check: bool = True,
              address: dict[str, str] | None = None) -> AppTest:
    """The app signed in as `principal` (None: signed out), `month` chosen (none given: the sidebar's default),
    switched to `page` (a file under pages/; none: the default page), and the cut-off set to `cutoff` when given
    (both through the page's address, ?month=YYYY-MM&asof=…, as a link or the sidebar's pickers set them).

    The warehouse is `db` when given (set as GOVDASH_DB through `monkeypatch`), else whatever GOVDASH_DB already
    names. `state`: further session-state values set before the page runs. `at`: an AppTest already signed in,
    reused (the month, the state and the page are set on it; faster than a new one per page). `check`: fail on
    any exception the page raised (a crawl that collects problems turns it off). `address`: further values of the
    page's address (e.g. {"event": "E20240000094"} for the case page)."""
    if db is not None:
        monkeypatch.setenv("GOVDASH_DB", str(db))
    if at is None:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
        if principal is not None:
            at.session_state["principal"] = principal
        if month is not None:
            at.query_params["month"] = month
        at.run()
    elif month is not None:
        at.query_params["month"] = month
    if cutoff is not None:
        at.query_params["asof"] = cutoff.strftime("%Y-%m-%d %H:%M:%S")
    for key, value in (address or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page:
        at.switch_page(page).run()
    elif cutoff is not None:
        at.run()
    if check:
        assert not at.exception, [e.value for e in at.exception]
    return at


def set_period(at: AppTest, **address: str | dt.datetime) -> AppTest:
    """The page `at` shows, run again at another period or cut-off given as its address would (month="2024-12",
    quarter="2024-Q2", year="2024", asof=a datetime), as a copied link or the sidebar's pickers set it."""
    if "year" in address or "quarter" in address:   # one of them names the assessment's period
        for key in ("year", "quarter"):
            at.query_params.pop(key, None)
    for key, value in address.items():
        at.query_params[key] = value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, dt.datetime) else value
    return at.run()
