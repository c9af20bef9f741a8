"""Who may see what: hashed accounts, sign-in, deny by default, and a department confined to its own rows."""
import io
import subprocess
import sys

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from govdash.documents.documents import HEADER_ROW, bulletin_xlsx
from govdash.figures import catalogue
from govdash.figures.bulletin import bulletin
from govdash.records import accounts as account_store
from govdash.records import signin
from govdash.web import registry
from tests.support.access import asgi, header
from tests.support.apptest import open_page
from tests.support.paths import REPO
from warehouse.db import connect_read, read_cursor

# every page a department may open (the page table's role rule)
DEPARTMENT_PAGE_FILES = {p.url: p.path for p in registry.PAGES if "department" in p.roles}


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    path = tmp_path / "accounts.toml"
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(path))
    account_store.set_user("chair", "committee", "chair-password-1")
    account_store.set_user("d13", "department:D13", "d13-password-1")
    account_store.set_user("mayor", "committee", "mayor-password-1")
    users = account_store.load_accounts()
    users["mayor"]["role"] = "mayor"   # a role that matches nothing
    account_store.save_accounts(users)
    return path


def stored_accounts_text() -> str:
    """Every value the records database holds for the accounts, as one text."""
    import sqlalchemy as sa

    from govdash.records import db, schema

    with db.engine().connect() as con:
        return "\n".join(map(str, con.execute(sa.select(schema.accounts)).all()))


def test_passwords_are_hashed_never_plain(accounts):
    text = stored_accounts_text()
    assert "chair-password-1" not in text and "scrypt$" in text
    assert account_store.authenticate("chair", "chair-password-1") == account_store.Principal("chair", "committee")
    assert account_store.authenticate("chair", "wrong") is None and account_store.authenticate("nobody", "x") is None
    assert account_store.authenticate("d13", "d13-password-1").dept_id == "D13"
    # the command line creates and resets accounts
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", "office", "--role", "assessment"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    generated = out.stdout.split("初始密码：")[1].strip()
    assert account_store.authenticate("office", generated).role == "assessment"
    assert generated not in stored_accounts_text() and not accounts.exists()
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "reset", "office", "--password",
                          "another-pass-9"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and account_store.authenticate("office", generated) is None
    assert account_store.authenticate("office", "another-pass-9").role == "assessment"
    bad = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", "x", "--role", "king"],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and "未知角色" in bad.stderr


def test_signed_in_app_and_deny_by_default(sample_warehouse, accounts):
    """Signed in (the session state AppTest stands in for the cookie) the default page shows; an account
    whose role matches nothing sees nothing. (Signing in itself: the HTTP tests below.)"""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = account_store.authenticate("chair", "chair-password-1")
    at.run()
    assert not at.exception
    assert at.title[0].value == "月度通报"
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = account_store.authenticate("mayor", "mayor-password-1")
    at.run()
    assert at.title[0].value == "登录" and not at.metric and not at.dataframe
    assert any("没有可用的角色" in e.value for e in at.error)


def _all_text(at) -> str:
    # the reference lists (Appendix B names the departments that own each item) are public reference data
    frames = [df.value for df in at.dataframe if "出处" not in df.value.columns]
    parts = [f.to_pandas().to_string() if hasattr(f, "to_pandas") else f.to_string() for f in frames]
    parts += [m.value for m in at.markdown] + [m.label + str(m.value) for m in at.metric]
    for kind in ("selectbox", "multiselect"):
        for w in at.get(kind):
            parts += [str(o) for o in w.options]
    return "\n".join(parts)


def test_department_sees_only_its_own_rows_on_every_page(sample_warehouse):
    cur = read_cursor(connect_read(sample_warehouse))
    names = dict(cur.execute("select dept_id, dept_name from stg_departments").fetchall())
    others = {i: n for i, n in names.items() if i != "D13"}
    d13 = account_store.Principal("d13", "department", "D13")
    for url, page in DEPARTMENT_PAGE_FILES.items():
        at = open_page(page, d13)
        assert at.title[0].value, url
        if page.endswith("monthly_bulletin.py"):   # SPEC 8.1: the city's bulletin is circulated to every department;
            # its own rows follow as an extract (tests/test_finality.py checks the extract names no other department)
            assert [h.value for h in at.subheader][-1] == "本部门情况摘要"
            continue
        text = _all_text(at)
        leaked = [f"{i} {n}" for i, n in others.items() if n in text or f"'{i}'" in text]
        assert not leaked, (url, leaked)
    # the choosers offer only its own department
    at = open_page("pages/department_self_check.py", d13)
    assert at.selectbox(key="self_dept").options == [names["D13"]]
    at = open_page("pages/whistle_analysis.py", d13)
    assert at.multiselect(key="depts").options == [names["D13"]]
    at = open_page("pages/assessment.py", d13)
    assert at.selectbox(key="assess_dept").options == [names["D13"]]
    assert not any(b.label == "保存为新的评分设置" for b in at.button)


def test_department_bulletin_page_draws_its_extract_whole(sample_warehouse):
    """A department's 月度通报 repeats the city's tables of the same shape in its extract (D13 is the only row of
    the city's assessment negative list): every part is drawn, none replaced by the failed-part message."""
    d13 = account_store.Principal("d13", "department", "D13")
    for month in ("2024-06", "2024-12"):
        at = open_page("pages/monthly_bulletin.py", d13, month=month)
        assert [e.value for e in at.error] == [], month
        assert [h.value for h in at.subheader][-1] == "本部门情况摘要"
        labels = [b.label for b in at.get("download_button")]
        assert labels.count("导出 Excel") == len(at.dataframe), month


def test_department_cannot_open_city_pages_by_url(sample_warehouse):
    d13 = account_store.Principal("d13", "department", "D13")
    for page in ("pages/data_quality.py", "pages/five_level.py"):
        # not routed for the role: the navigation has no such page
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        at.session_state["principal"] = d13
        at.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
        # and the page file run on its own (a legacy pages/ URL) refuses before showing anything
        direct = AppTest.from_file(str(REPO / page), default_timeout=120)
        direct.session_state["principal"] = d13
        direct.run()
        assert not direct.exception
        assert [e.value for e in direct.error] == ["无权查看此页面，请先登录或联系管理员。"]
        assert not direct.metric and not direct.dataframe


def test_department_downloads_and_figures_are_scoped(sample_db):
    cur = read_cursor(connect_read(sample_db))
    b = bulletin(cur, "2024-10", "2024-12-31 00:00")
    jpcs = {r[0] for r in cur.execute("select distinct jpc_id from stg_bindings where dept_id = 'D13'").fetchall()}
    p = account_store.Principal("d13", "department", "D13")
    scoped = catalogue.cut_bulletin(b, p, jpcs)
    buf = io.BytesIO()
    bulletin_xlsx(scoped, buf)
    wb = openpyxl.load_workbook(buf)
    ranking = wb["部门排名"]
    assert [ranking.cell(i, 2).value for i in range(HEADER_ROW + 1, ranking.max_row + 1)] == ["住建局"]
    visits = wb["走访明细（捆绑关系）"]
    assert {visits.cell(i, 1).value for i in range(HEADER_ROW + 1, visits.max_row + 1)} == {"住建局"}
    assert {r["jpc_id"] for r in scoped["negative_reports"]} <= jpcs and scoped["funnel"] is None
    # frames: own rows, bound JPCs, or denied
    import polars as pl

    frame = pl.DataFrame({"dept_id": ["D01", "D13"], "x": [1, 2]})
    own_rows = catalogue.declared(catalogue.assignments)
    assert catalogue.cut(own_rows, frame, p, jpcs)["dept_id"].to_list() == ["D13"]
    with pytest.raises(account_store.AccessDenied):
        catalogue.cut(own_rows, pl.DataFrame({"community_id": ["C1"]}), p, jpcs)
    funnel = catalogue.declared(catalogue.funnel_section)
    with pytest.raises(account_store.AccessDenied):
        catalogue.cut(funnel, {}, p, jpcs)
    with pytest.raises(account_store.AccessDenied):
        catalogue.cut(own_rows, frame, account_store.NOBODY, set())
    # monthly_rates is always its own department's, whatever the page asks for
    rates = catalogue.declared(catalogue.monthly_rates)
    assert catalogue.arguments_for(rates, ("2024-01", "2024-12", None, None), p)[3] == "D13"


def test_the_records_file_holding_the_accounts_and_its_folder_are_private(tmp_path, monkeypatch):
    """The records database holds password hashes: its SQLite file is 0600 whatever the umask, in a 0700 folder it
    creates."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "records.sqlite3"
        monkeypatch.setenv("GOVDASH_RECORDS_URL", f"sqlite:///{path}")
        account_store.set_user("chair", "committee", "chair-password-1")
        account_store.reset_password("chair", "another-pass-9")
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert [stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()] == [0o600] * len(
            list(path.parent.iterdir()))
    finally:
        os.umask(old)


# ---------------------------------------------------------------- sessions that last: signed cookies

class Clock:
    """An injected clock: tests move time instead of sleeping."""

    def __init__(self, t: float = 1_730_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def test_session_cookie_signed_expires_and_is_revoked(state):
    import stat

    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    store = sessions.Sessions(folder, settings, clock=clock)
    secret = folder / "session_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_text().strip()) == 64
    value, session = store.issue("chair")
    assert session.expires - session.issued == 8 * 3600   # the default lifetime
    assert store.principal(value) == account_store.Principal("chair", "committee")
    # the same secret after a restart: the cookie still holds
    again = sessions.Sessions(folder, settings, clock=clock)
    assert again.principal(value) == account_store.Principal("chair", "committee")
    # a tampered payload or signature, another server's secret, garbage: refused
    payload, signature = value.split(".")
    forged = sessions.Sessions(folder / "other", settings, clock=clock).issue("chair")[0]
    assert store.principal(forged) is None
    d13_value = store.issue("d13")[0]
    assert store.principal(d13_value.split(".")[0] + "." + signature) is None
    assert store.principal(payload + "." + signature[:-2] + "AA") is None
    assert store.principal("") is None and store.principal("x.y.z") is None and store.principal("..") is None
    # expiry: valid one second before the end, not at the end
    clock.advance(8 * 3600 - 1)
    assert store.principal(value) is not None
    clock.advance(1)
    assert store.principal(value) is None
    # revocation (sign-out): a copied cookie stops working at once, also after a restart
    clock.advance(-3600)
    value, session = store.issue("d13")
    assert store.principal(value) == account_store.Principal("d13", "department", "D13")
    store.revoke(session)
    assert store.principal(value) is None
    assert sessions.Sessions(folder, settings, clock=clock).principal(value) is None
    # kept in the records database (tests/test_records_signin.py: shared by every server process)
    revoked = signin.Revocations()
    assert revoked.revoked(session.sid) and not (folder / "revoked_sessions.json").exists()
    # a revocation is kept as long as the cookie could live, then pruned
    clock.advance(9 * 3600)
    store.revoke(store.issue("chair")[1])
    assert not revoked.revoked(session.sid) and revoked.count() == 1


def test_session_follows_the_account(state):
    """The cookie names the account; its role is read afresh, and a new password or a removed
    account ends every session of it."""
    from govdash.web import sessions

    folder, settings = state
    store = sessions.Sessions(folder, settings, clock=Clock())
    value = store.issue("d13")[0]
    users = account_store.load_accounts()
    users["d13"]["role"] = "department:D07"
    account_store.save_accounts(users)
    assert store.principal(value) == account_store.Principal("d13", "department", "D07")
    account_store.reset_password("d13", "a-new-password-1")
    assert store.principal(value) is None
    value = store.issue("chair")[0]
    account_store.remove_user("chair")
    assert store.principal(value) is None
    with pytest.raises(KeyError):
        store.issue("nobody")


# ---------------------------------------------------------------- throttling failed sign-ins

def test_wrong_passwords_slow_down_then_lock(state, caplog):
    import logging

    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)

    def attempt(password, user="chair", address="10.0.0.7"):
        return sessions.attempt_sign_in(user, password, address, throttle=throttle)

    caplog.set_level(logging.INFO, logger="govdash.access")
    assert attempt("wrong-1").outcome == "bad"
    # growing delay: 1 s after the first failure, then 2, 4, 8 s; an early attempt is not even checked
    waits = []
    for n in range(2, 6):
        early = attempt("chair-password-1")
        assert early.outcome == "wait" and early.scope == "account"
        waits.append(round(early.until - clock()))
        clock.advance(early.until - clock())
        assert attempt(f"wrong-{n}").outcome == "bad"
    assert waits == [1, 2, 4, 8]
    # the fifth failure locks the account for 15 minutes, even for the right password
    locked = attempt("chair-password-1")
    assert locked.outcome == "locked" and locked.scope == "account" and locked.until == pytest.approx(clock() + 15 * 60)
    clock.advance(14 * 60)
    assert attempt("chair-password-1").outcome == "locked"
    # another account from the same address is not locked
    assert attempt("d13-password-1", user="d13").outcome == "ok"
    # the lock survives a restart of the server
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)
    assert attempt("chair-password-1").outcome == "locked"
    clock.advance(60)
    ok = attempt("chair-password-1")
    assert ok.outcome == "ok" and ok.principal == account_store.Principal("chair", "committee")
    # a success starts the account afresh
    assert attempt("wrong").outcome == "bad"
    assert attempt("chair-password-1").outcome == "wait"
    # the server log names the account and the address
    text = caplog.text
    assert "account='chair'" in text and "address=10.0.0.7" in text and "locked" in text


def test_one_address_trying_many_accounts_is_locked(state):
    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    throttle = sessions.Throttle(settings, None, clock=clock)
    outcomes = []
    for i in range(25):
        result = sessions.attempt_sign_in(f"user{i}", "guess", "10.9.9.9", throttle=throttle)
        outcomes.append(result.outcome)
        if result.outcome == "wait":
            clock.advance(result.until - clock())
            outcomes[-1] = sessions.attempt_sign_in(f"user{i}", "guess", "10.9.9.9", throttle=throttle).outcome
    # unknown accounts are counted like known ones; the twentieth failure locks the address
    assert outcomes[:20] == ["bad"] * 20 and set(outcomes[20:]) == {"locked"}
    refused = sessions.attempt_sign_in("chair", "chair-password-1", "10.9.9.9", throttle=throttle)
    assert refused.outcome == "locked" and refused.scope == "address"
    assert sessions.attempt_sign_in("chair", "chair-password-1", "10.9.9.10", throttle=throttle).outcome == "ok"


def test_parallel_guesses_get_one_check(state):
    """Thirty guesses sent at once for one account: one is checked, the rest are refused unchecked."""
    from concurrent.futures import ThreadPoolExecutor

    from govdash.web import sessions

    folder, settings = state
    throttle = sessions.Throttle(settings, None, clock=Clock())
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda i: sessions.attempt_sign_in("chair", f"guess-{i}", "10.1.1.1",
                                                                    throttle=throttle).outcome,
                                 range(30)))
    assert outcomes.count("bad") == 1 and set(outcomes) <= {"bad", "wait", "busy"}
    assert throttle.failures("account", "chair", "10.1.1.1") == 1 and throttle.failures("account_total", "chair") == 1


def _fail_until(attempt, clock, tries: int) -> list[str]:
    """`tries` attempts in a row by a patient guesser: one that is told to wait waits exactly that long
    (the injected clock moves) and tries again. Returns every outcome, waits included."""
    outcomes = []
    for _ in range(tries):
        result = attempt()
        outcomes.append(result.outcome)
        if result.outcome in ("wait", "busy"):
            clock.advance(max(result.until - clock(), 0))
    return outcomes


def test_an_attacker_at_one_address_cannot_keep_the_owner_out(state):
    """Fifty wrong passwords for the committee's account from address A lock A out of that account after
    five; the owner at address B signs in with the right password at once, and again after A tried more."""
    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)
    outcomes = _fail_until(lambda: sessions.attempt_sign_in("chair", "guess", "10.0.0.1", throttle=throttle), clock, 50)
    assert outcomes.count("bad") == 5 and outcomes[-1] == "locked"      # slowed, then locked: five guesses checked
    assert throttle.failures("account", "chair", "10.0.0.1") == 5
    refused = sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.1", throttle=throttle)
    assert refused.outcome == "locked" and refused.scope == "account"
    owner = sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.2", throttle=throttle)
    assert owner.outcome == "ok" and owner.principal == account_store.Principal("chair", "committee")
    # every fifteen minutes five more from A, for hours: the owner at B is never refused
    for _ in range(8):
        clock.advance(15 * 60)
        _fail_until(lambda: sessions.attempt_sign_in("chair", "guess", "10.0.0.1", throttle=throttle), clock, 12)
        assert sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.2", throttle=throttle).outcome == "ok"


def test_a_known_device_signs_in_from_a_locked_address(state):
    """The browser that signed in before carries the known-device cookie: from address A, locked for the
    account and for every account, it still signs in; its own failures lock only itself."""
    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    store = sessions.Sessions(folder, settings, clock=clock)
    throttle = sessions.Throttle(settings, None, clock=clock)
    cookie = store.device_cookie(None, "chair")                 # set by the owner's earlier sign-in
    device = store.known_device(cookie, "chair")
    assert device and store.known_device(cookie, "d13") is None and store.known_device(cookie + "x", "chair") is None
    # the attacker at A: the account locked at A, then the address itself (guessing other names)
    _fail_until(lambda: sessions.attempt_sign_in("chair", "guess", "10.0.0.1", throttle=throttle), clock, 30)
    for i in range(40):
        _fail_until(lambda i=i: sessions.attempt_sign_in(f"user{i}", "guess", "10.0.0.1", throttle=throttle), clock, 2)
    assert throttle.check("chair", "10.0.0.1").reason == "locked"
    assert throttle.check("anyone", "10.0.0.1").scope == "address"
    ok = sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.1", throttle=throttle, device=device)
    assert ok.outcome == "ok"
    # the device cookie is renewed with the same id (its counter stays its own), other accounts kept
    both = store.device_cookie(store.device_cookie(cookie, "d13"), "chair")
    assert store.known_device(both, "chair") == device and store.known_device(both, "d13") not in (None, device)
    # a stolen device cookie used for guessing locks that device only
    outcomes = _fail_until(lambda: sessions.attempt_sign_in("chair", "guess", "10.0.0.9", throttle=throttle,
                                                            device=device), clock, 20)
    assert outcomes.count("bad") == 5 and outcomes[-1] == "locked"
    assert sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.9", throttle=throttle,
                                    device=device).scope == "device"
    assert sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.9", throttle=throttle).outcome == "ok"
    # an expired device cookie is unknown
    clock.advance(366 * 86400)
    assert store.known_device(cookie, "chair") is None


def test_distributed_guessing_slows_unknown_browsers_by_a_bounded_delay(state):
    """Guesses spread over many addresses (one each): from the tenth failure an unknown browser waits, at
    most 30 s, never a lock, however long it lasts; a known device is not slowed."""
    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    throttle = sessions.Throttle(settings, None, clock=clock)
    device = sessions.Sessions(folder, settings, clock=clock).known_device(
        sessions.Sessions(folder, settings, clock=clock).device_cookie(None, "chair"), "chair")
    waits = []
    for i in range(60):
        result = sessions.attempt_sign_in("chair", "guess", f"10.1.{i // 250}.{i % 250}", throttle=throttle)
        if result.outcome == "wait":
            assert result.scope == "account_total"
            waits.append(result.until - clock())
            clock.advance(result.until - clock())
            result = sessions.attempt_sign_in("chair", "guess", f"10.1.{i // 250}.{i % 250}", throttle=throttle)
        assert result.outcome == "bad"
    assert len(waits) == 60 - 10 and max(waits) == 30 and min(waits) == 1 and waits[-1] == 30
    # the owner on a new browser: a wait of at most 30 s, then in
    owner = sessions.attempt_sign_in("chair", "chair-password-1", "10.9.0.1", throttle=throttle)
    assert owner.outcome == "wait" and 0 < owner.until - clock() <= 30
    clock.advance(owner.until - clock())
    assert sessions.attempt_sign_in("chair", "chair-password-1", "10.9.0.1", throttle=throttle).outcome == "ok"
    # the owner's known device, right after another failure: no wait
    sessions.attempt_sign_in("chair", "guess", "10.9.0.2", throttle=throttle)
    assert sessions.attempt_sign_in("chair", "chair-password-1", "10.9.0.3", throttle=throttle,
                                    device=device).outcome == "ok"


def test_an_account_wide_lock_cannot_be_configured(tmp_path):
    from govdash.web import sessions

    path = tmp_path / "access.toml"
    path.write_text("[throttle.account_total]\nlock_after = 50\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lock_after must be 0"):
        sessions.load_settings(path)


def test_sign_in_state_that_cannot_be_read_is_an_error_not_a_reset(state):
    """Sign-in state that cannot be read (a damaged records database) is never read as "no failures" or
    "nothing revoked": every use raises SignInStateError (the server answers 503) until it is repaired; accounts
    that cannot be read are no failed guess."""
    import sqlite3

    from govdash.records import db
    from govdash.web import sessions

    folder, settings = state
    clock = Clock()
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)
    assert sessions.attempt_sign_in("chair", "guess", "10.0.0.1", throttle=throttle).outcome == "bad"
    records_file = db.records_url().removeprefix("sqlite:///")
    with sqlite3.connect(records_file) as con:          # the counters' table gone (a damaged or half-restored file)
        con.execute("alter table signin_failures rename to signin_failures_away")
    clock.advance(2)                                    # past the first failure's delay: this attempt is judged
    with pytest.raises(sessions.SignInStateError) as err:
        sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.1", throttle=throttle)
    assert err.value.kind == "state" and "signin_failures" in str(err.value)
    with pytest.raises(sessions.SignInStateError):
        throttle.check("chair", "10.0.0.1")
    with sqlite3.connect(records_file) as con:
        con.execute("alter table signin_failures_away rename to signin_failures")
    assert throttle.failures("account", "chair", "10.0.0.1") == 1                    # nothing was forgotten
    assert sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.1", throttle=throttle).outcome == "ok"
    # the revocations: a garbled records database refuses to say a cookie is valid
    garbled = folder / "garbled.sqlite3"
    garbled.write_bytes(b"[1, 2" * 1000)
    store = sessions.Sessions(folder, settings, clock=clock, revocations=signin.Revocations(f"sqlite:///{garbled}"))
    value, session = store.issue("chair")
    with pytest.raises(sessions.SignInStateError):
        store.principal(value)
    with pytest.raises(sessions.SignInStateError):
        store.revoke(session)
    # accounts that cannot be read (a damaged records database): the attempt is not judged, and not counted
    with pytest.raises(sessions.SignInStateError) as err:
        sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.5", throttle=throttle,
                                 accounts=f"sqlite:///{garbled}")
    assert err.value.kind == "accounts"
    assert throttle.failures("account", "chair", "10.0.0.5") == 0 and throttle.check("chair", "10.0.0.5").allowed


def test_unlock_from_the_command_line_reaches_the_running_server(state):
    """`govdash user unlock NAME` (another process) clears the account's counters; the server's throttle
    picks the change up at its next check."""
    import os
    import time

    from govdash.web import sessions

    folder, settings = state
    clock = Clock(time.time())
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)   # the server's, in the records
    _fail_until(lambda: sessions.attempt_sign_in("chair", "guess", "10.0.0.1", throttle=throttle), clock, 20)
    _fail_until(lambda: sessions.attempt_sign_in("d13", "guess", "10.0.0.2", throttle=throttle), clock, 20)
    assert throttle.check("chair", "10.0.0.1").reason == "locked" and throttle.check("d13",
                                                                                     "10.0.0.2").reason == "locked"
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "unlock", "chair"], capture_output=True,
                         text=True, cwd=REPO, env={**os.environ})
    assert out.returncode == 0 and "已解除账号 chair 的登录锁定" in out.stdout and not out.stderr, out.stderr
    assert throttle.check("chair", "10.0.0.1").allowed and throttle.failures("account_total", "chair") == 0
    assert throttle.check("d13", "10.0.0.2").reason == "locked"      # another account keeps its lock
    again = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "unlock", "chair"], capture_output=True,
                           text=True, cwd=REPO)
    assert again.returncode == 0 and "没有失败登录记录" in again.stdout


def test_user_add_refuses_an_existing_name(accounts):
    """`govdash user add` on an existing name changes nothing and says how to reset or replace;
    `--replace` replaces the role and the password."""
    before = account_store.load_accounts()["chair"]
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", "chair", "--role", "department:D01",
                          "--password", "another-pass-9"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode != 0 and "已存在" in out.stderr
    assert "govdash user reset chair" in out.stderr and "--replace" in out.stderr
    assert account_store.load_accounts()["chair"] == before
    assert account_store.authenticate("chair", "chair-password-1").role == "committee"
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", "chair", "--role", "department:D01",
                          "--password", "another-pass-9", "--replace"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert account_store.authenticate("chair", "chair-password-1") is None
    assert account_store.authenticate("chair",
                                      "another-pass-9") == account_store.Principal("chair", "department", "D01")


def test_data_page_lists_attacked_accounts_and_the_committee_unlocks_them(tmp_path, monkeypatch, state):
    """数据导入与质量 lists the accounts and addresses with failed sign-ins (since when, locked until when);
    the committee's button clears them, in the file the server reads; the assessment role sees no button."""
    import time

    from govdash.web import sessions

    folder, settings = state
    monkeypatch.setenv("GOVDASH_DB", str(tmp_path / "none.duckdb"))
    clock = Clock(time.time())
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)   # the records the page reads
    _fail_until(lambda: sessions.attempt_sign_in("chair", "guess", "10.0.0.66", throttle=throttle), clock, 20)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = account_store.Principal("analyst", "assessment")
    at.run()
    at.switch_page("pages/data_quality.py")
    at.run()
    assert not at.exception and "登录失败与锁定" in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label == "解除锁定并清除失败记录"]
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = account_store.Principal("chair2", "committee")
    at.run()
    at.switch_page("pages/data_quality.py")
    at.run()
    assert not at.exception
    [table] = [d.value for d in at.dataframe if "锁定至" in d.value.columns]
    rows = {(r["类别"], r["账号"], r["地址"]): r for r in table.to_dict("records")}
    locked = rows[("账号（同一地址）", "chair", "10.0.0.66")]
    assert locked["失败次数"] == 5 and locked["锁定至"] != "未锁定"
    assert locked["首次失败"] == sessions.format_moment(throttle.entries()[-1]["since"], settings)
    assert rows[("地址（不论账号）", "", "10.0.0.66")]["失败次数"] == 5
    assert any("1 个账号" in w.value for w in at.warning)
    at.selectbox(key="unlock_target").set_value(("account", "chair"))
    at.button(key="unlock_button").click()
    at.run()
    assert not at.exception
    assert any("已解除账号“chair”的锁定" in s.value for s in at.success)
    assert not [d for d in at.dataframe if "锁定至" in d.value.columns and "chair" in set(d.value["账号"])]
    fresh = sessions.Throttle(settings, signin.ThrottleRecords(), clock=clock)
    assert fresh.failures("account", "chair", "10.0.0.66") == 0 and fresh.failures("account_total", "chair") == 0
    assert fresh.check("chair", "10.0.0.66").scope == "address"   # only the address's own delay is left
    assert fresh.failures("address", "10.0.0.66") == 5          # the address keeps its own count


# ---------------------------------------------------------------- the HTTP side (govdash.web.server), in process

def sign_in_http(app, user, password, next_path="/", headers=None):
    return asgi(app, "POST", "/account/sign-in", form={"username": user, "password": password, "next": next_path},
                headers=headers)


def test_http_sign_in_sets_a_lasting_cookie_and_guards_pages_and_downloads(guarded_app):
    import time

    app = guarded_app
    # signed out: a page's link goes to the form with the page to come back to; a file is refused
    status, headers, _ = asgi(app, "GET", "/whistle?month=2024-06")
    assert status == 303 and header(headers, "location") == ["/account/sign-in?next=/whistle%3Fmonth%3D2024-06"]
    status, _, text = asgi(app, "GET", "/media/0a1b2c.xlsx")
    assert status == 403 and "无权访问" in text and "PK" not in text
    assert asgi(app, "GET", "/static/js/index.js")[0] == 200          # Streamlit's own assets need no sign-in
    assert asgi(app, "GET", "/_stcore/health")[0] == 200
    status, headers, text = asgi(app, "GET", "/account/sign-in?next=/whistle")
    assert status == 200 and 'name="next" value="/whistle"' in text and "<h1>登录</h1>" in text
    # nothing is loaded from another host: no absolute src/href, no CSS url() or @import
    import re

    assert not re.search(r'(src|href|action)="(https?:)?//', text) and "url(" not in text and "@import" not in text
    # the right password: 303 to the page asked for, with the signed session cookie
    status, headers, _ = sign_in_http(app, "chair", "chair-password-1", "/whistle")
    assert status == 303 and header(headers, "location") == ["/whistle"]
    cookie = header(headers, "set-cookie")[0]
    assert cookie.startswith("govdash_session=") and "HttpOnly" in cookie and "Max-Age=28800" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    jar = {"govdash_session": value}
    assert asgi(app, "GET", "/whistle", cookies=jar)[:3:2] == (200, "streamlit index.html")
    # a download is served to the sign-in session it was made for (server.media_owners), no one else's
    assert asgi(app, "GET", "/media/0a1b2c.xlsx", cookies=jar)[0] == 403
    from govdash.web import server, sessions

    server.media_owners.record("0a1b2c", sessions.shared_sessions().session(value).sid)
    assert asgi(app, "GET", "/media/0a1b2c.xlsx", cookies=jar)[2] == "PK-bulletin"
    d13 = header(sign_in_http(app, "d13", "d13-password-1")[1], "set-cookie")[0].split(";")[0].split("=", 1)[1]
    status, _, text = asgi(app, "GET", "/media/0a1b2c.xlsx", cookies={"govdash_session": d13})
    assert status == 403 and "另一位用户" in text and "PK" not in text
    # the form of a signed-in user goes straight on
    assert header(asgi(app, "GET", "/account/sign-in?next=/visits", cookies=jar)[1], "location") == ["/visits"]
    # sign-out revokes the session: the same cookie, copied anywhere, opens nothing any more
    status, headers, _ = asgi(app, "POST", "/account/sign-out", cookies=jar)
    assert status == 303 and header(headers, "location") == ["/account/sign-in?m=signed-out"]
    assert any(c.startswith('govdash_session="";') or "Max-Age=0" in c for c in header(headers, "set-cookie"))
    assert asgi(app, "GET", "/media/0a1b2c.xlsx", cookies=jar)[0] == 403
    status, headers, _ = asgi(app, "GET", "/whistle", cookies=jar)
    assert status == 303 and header(headers, "location") == ["/account/sign-in?next=/whistle&m=expired"]
    # a wrong password, an account without a role, a post from another site, an outside `next`
    status, _, text = sign_in_http(app, "d13", "wrong")
    assert status == 401 and "用户名或密码不正确" in text and 'value="d13"' in text
    time.sleep(0.02)
    status, _, text = sign_in_http(app, "mayor", "mayor-password-1")
    assert status == 403 and "没有可用的角色" in text
    status, headers, _ = sign_in_http(app, "chair", "chair-password-1", headers={"origin": "http://evil.example"})
    assert status == 403 and not header(headers, "set-cookie")
    status, headers, _ = sign_in_http(app, "chair", "chair-password-1", "//evil.example/x")
    assert status == 303 and header(headers, "location") == ["/"]


def test_http_lock_refuses_the_right_password_and_says_until_when(guarded_app):
    import re
    import time

    app = guarded_app
    for i in range(5):
        status, _, text = sign_in_http(app, "d13", f"wrong-{i}")
        while status == 429 and "秒后再试" in text:       # the growing delay (milliseconds here)
            time.sleep(0.02)
            status, _, text = sign_in_http(app, "d13", f"wrong-{i}")
        assert status == 401, text
    status, headers, text = sign_in_http(app, "d13", "d13-password-1", "/whistle")
    assert status == 429 and not header(headers, "set-cookie")
    assert re.search(r"账号“d13”从本机地址连续 5 次登录失败，已被暂时锁定，请于 \d{4}-\d\d-\d\d \d\d:\d\d 后再试",
                     text), text
    assert 14 * 60 <= int(header(headers, "retry-after")[0]) <= 15 * 60
    # another account is unaffected
    assert sign_in_http(app, "chair", "chair-password-1")[0] == 303


def test_signed_out_app_shows_the_sign_in_link_and_no_data(sample_warehouse, accounts, monkeypatch):
    from govdash.web import sessions

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception and at.title[0].value == "登录" and not at.metric and not at.dataframe
    assert any("/account/sign-in?next=/" in h.proto.body for h in at.get("html"))
    # served by the st.App, a session is signed in by its cookie only: a principal left in the session
    # state (a websocket that reconnected after signing out elsewhere) opens nothing
    monkeypatch.setattr(sessions, "_cookie_mode", True)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = account_store.Principal("chair", "committee")
    at.run()
    assert not at.exception and at.title[0].value == "登录" and not at.metric and not at.dataframe
    assert "principal" not in at.session_state


@pytest.mark.browser  # a served app
def test_govdash_serve_serves_the_guarded_app(sample_db, tmp_path):
    """`govdash serve` (what scripts/start.sh runs) answers with the st.App: a page's link goes to the
    sign-in form, a download URL is refused without a session."""
    import os
    import time
    import urllib.error
    import urllib.request

    from tests.support.browser import free_port

    accounts = tmp_path / "accounts.toml"
    account_store.set_user("chair", "committee", "chair-password-1")   # the records the server reads too
    port = free_port()
    env = {**os.environ, "GOVDASH_DB": str(sample_db), "GOVDASH_ACCOUNTS": str(accounts)}
    proc = subprocess.Popen([sys.executable, "-m", "govdash.cli", "serve", "--port", str(port), "--address",
                             "127.0.0.1"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        with pytest.raises(urllib.error.HTTPError) as page:
            opener.open(url + "/whistle", timeout=5)
        assert page.value.code == 303 and page.value.headers["Location"] == "/account/sign-in?next=/whistle"
        with pytest.raises(urllib.error.HTTPError) as media:
            opener.open(url + "/media/0123abcd.xlsx", timeout=5)
        assert media.value.code == 403 and "无权访问" in media.value.read().decode("utf-8")
        form = opener.open(url + "/account/sign-in", timeout=5).read().decode("utf-8")
        assert "<h1>登录</h1>" in form and 'name="password"' in form
        assert (tmp_path / "session_secret").stat().st_mode & 0o777 == 0o600
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_behind_a_reverse_proxy(guarded_app, tmp_path, monkeypatch):
    """Behind a proxy every request comes from the proxy: the client's address is read from the header
    the settings name (else one office's typos would lock everybody), and a proxy that rewrites Host
    still lets the form post (X-Forwarded-Host) — once a proxy is declared; without one, anyone could write
    that header."""
    import os

    from govdash.web import sessions

    app = guarded_app
    proxied = {"host": "127.0.0.1:8501", "origin": "https://dash.city.gov.cn", "x-forwarded-host": "dash.city.gov.cn"}
    assert sign_in_http(app, "chair", "chair-password-1", headers=proxied)[0] == 403   # no proxy declared
    # without the setting, the connection's address counts (the proxy's); with it, the header's
    settings = tmp_path / "proxy.toml"
    settings.write_text(open(os.environ["GOVDASH_ACCESS_SETTINGS"], encoding="utf-8").read()
                        .replace('client_address_header = ""', 'client_address_header = "X-Real-IP"'), encoding="utf-8")
    monkeypatch.setenv("GOVDASH_ACCESS_SETTINGS", str(settings))
    assert sessions.shared_settings().client_address_header == "X-Real-IP"
    assert sign_in_http(app, "chair", "chair-password-1", headers={**proxied, "x-real-ip": "10.8.8.1"})[0] == 303
    assert sign_in_http(app, "chair", "chair-password-1",
                        headers={**proxied, "x-real-ip": "10.8.8.1", "x-forwarded-host": "evil.example"})[0] == 403
    sign_in_http(app, "d13", "wrong", headers={"x-real-ip": "10.8.8.8"})
    throttle = sessions.shared_throttle()
    assert throttle.failures("address", "10.8.8.8") == 1 and throttle.failures("address", "10.2.3.4") == 0


def test_many_sessions_signing_in_to_one_account_at_once(guarded_app, monkeypatch):
    """Twelve browsers sign in to one account at the same moment (an office's shared account, the load
    benchmark): all get in, one after the other. Twelve wrong guesses at once (the shipped 1 s delay):
    one is checked."""
    import asyncio

    monkeypatch.setenv("GOVDASH_ACCESS_SETTINGS", str(REPO / "config" / "access.toml"))
    app = guarded_app

    async def together(password):
        return await asyncio.gather(*(asyncio.to_thread(sign_in_http, app, "chair", password) for _ in range(12)))

    right = asyncio.run(together("chair-password-1"))
    assert [r[0] for r in right] == [303] * 12
    wrong = asyncio.run(together("a-guess"))
    assert sorted(r[0] for r in wrong) == [401] + [429] * 11


def test_an_unexpected_error_in_signing_in_is_a_chinese_page_with_its_incident_in_the_log(guarded_app, monkeypatch,
                                                                                         caplog):
    import logging
    import re

    from govdash.web import sessions

    def broken(*args, **kwargs):
        raise RuntimeError("something deep went wrong")

    monkeypatch.setattr(sessions, "attempt_sign_in", broken)
    with caplog.at_level(logging.ERROR, logger="govdash.incidents"):
        status, _, text = sign_in_http(guarded_app, "chair", "chair-password-1")
    assert status == 500 and "登录服务出现意外错误" in text and "RuntimeError" not in text
    incident = re.search(r"事件编号 ([0-9A-F]{8})", text).group(1)
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1 and "sign_in_submit" in logged[0].getMessage() and logged[0].exc_info[0] is RuntimeError
