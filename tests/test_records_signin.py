"""Sign-outs and failed sign-ins kept in the records database and shared by every server process on it at once:
two Sessions and two Throttles on one database stand for two `govdash serve` processes (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

import pytest

from govdash.records import accounts as account_store
from govdash.records import signin
from tests.support.paths import REPO


class Clock:
    """An injected clock: tests move time instead of sleeping."""

    def __init__(self, t: float = 1_730_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def two_processes(records_env, tmp_path, monkeypatch):
    """Accounts and one state folder (the session secret) for two servers on one records database."""
    from govdash.web import sessions

    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    monkeypatch.delenv("GOVDASH_STATE_DIR", raising=False)
    account_store.set_user("chair", "committee", "chair-password-1")
    account_store.set_user("d13", "department:D13", "d13-password-1")
    return tmp_path, sessions.load_settings(REPO / "config" / "access.toml"), records_env


def test_a_sign_out_on_one_process_is_refused_by_the_other_and_after_a_restart(two_processes):
    from govdash.web import sessions

    folder, settings, url = two_processes
    clock = Clock()
    first = sessions.Sessions(folder, settings, clock=clock, revocations=signin.Revocations(url))
    second = sessions.Sessions(folder, settings, clock=clock, revocations=signin.Revocations(url))
    value, session = first.issue("d13")
    assert second.principal(value) == account_store.Principal("d13", "department", "D13")
    first.revoke(session)
    assert second.principal(value) is None            # at the other process's very next request
    assert first.principal(value) is None
    restarted = sessions.Sessions(folder, settings, clock=clock, revocations=signin.Revocations(url))
    assert restarted.principal(value) is None
    # a revocation is kept as long as the cookie could live, then pruned by the next sign-out
    assert signin.Revocations(url).count() == 1
    clock.advance(9 * 3600)
    second.revoke(second.issue("chair")[1])
    assert signin.Revocations(url).count() == 1 and not signin.Revocations(url).revoked(session.sid)
    # no file in the state folder holds them any more
    assert not (folder / "revoked_sessions.json").exists()


def test_failed_sign_ins_on_two_processes_add_up_and_lock(two_processes):
    from govdash.web import sessions

    folder, settings, url = two_processes
    clock = Clock()
    one = sessions.Throttle(settings, signin.ThrottleRecords(url), clock=clock)
    two = sessions.Throttle(settings, signin.ThrottleRecords(url), clock=clock)
    for n in range(5):                                  # the failures alternate between the two processes
        throttle = (one, two)[n % 2]
        assert sessions.attempt_sign_in("chair", f"wrong-{n}", "10.0.0.7", throttle=throttle).outcome == "bad"
        assert one.failures("account", "chair", "10.0.0.7") == two.failures("account", "chair", "10.0.0.7") == n + 1
        clock.advance(60)
    # the fifth failure locked the account at that address on both, the right password included
    for throttle in (one, two):
        assert sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.7", throttle=throttle).outcome == "locked"
    restarted = sessions.Throttle(settings, signin.ThrottleRecords(url), clock=clock)
    assert restarted.check("chair", "10.0.0.7").reason == "locked"
    assert [e["failures"] for e in restarted.entries() if e["scope"] == "account"] == [5]
    # an administrator's unlock on a third process (govdash user unlock) frees it for both
    assert restarted.unlock("chair") == 2
    assert one.check("chair", "10.0.0.7").allowed and two.check("chair", "10.0.0.7").allowed


def test_failures_counted_at_once_by_two_processes_are_none_lost(two_processes):
    from govdash.web import sessions

    folder, settings, url = two_processes
    clock = Clock()
    throttles = [sessions.Throttle(settings, signin.ThrottleRecords(url), clock=clock) for _ in range(2)]
    start = threading.Barrier(8)
    errors = []

    def fail(i: int):
        try:
            start.wait()
            for _ in range(5):
                throttles[i % 2].record("d13", f"10.1.0.{i}", ok=False)
        except Exception as exc:   # the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert throttles[0].failures("account_total", "d13") == 40 == throttles[1].failures("account_total", "d13")


def test_the_served_app_keeps_sign_in_state_in_the_records_database(two_processes):
    from govdash.web import sessions

    folder, settings, url = two_processes
    assert isinstance(sessions.shared_throttle().store, signin.ThrottleRecords)
    from govdash.records import db

    assert sessions.shared_throttle().store.url == db.normalise_url(url)
    assert sessions.shared_sessions().revocations.url == db.normalise_url(url)


def test_a_records_database_that_cannot_be_read_is_an_error_not_a_reset(two_processes, tmp_path):
    from govdash.web import sessions

    folder, settings, _ = two_processes
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"garbled" * 1000)
    url = f"sqlite:///{broken}"
    store = sessions.Sessions(folder, settings, clock=Clock(), revocations=signin.Revocations(url))
    value, session = store.issue("chair")
    with pytest.raises(sessions.SignInStateError) as err:
        store.principal(value)
    assert err.value.kind == "state" and "broken.sqlite3" in str(err.value)
    with pytest.raises(sessions.SignInStateError):
        store.revoke(session)
    throttle = sessions.Throttle(settings, signin.ThrottleRecords(url), clock=Clock())
    with pytest.raises(sessions.SignInStateError):
        sessions.attempt_sign_in("chair", "chair-password-1", "10.0.0.1", throttle=throttle)


@pytest.mark.browser  # two served apps of their own
def test_two_served_processes_share_sign_outs_and_failed_sign_ins(records_env, sample_db, tmp_path):
    """Two `streamlit run` processes on one records database (and one state folder for the session secret), as two
    replicas behind a proxy: a session signed in on one works on the other; signed out on one, it is refused by
    the other at its very next request; failures on both add up to one lock."""
    import requests

    from tests.support.access import settings_file
    from tests.support.browser import streamlit_server

    account_store.set_user("chair", "committee", "chair-password-1")       # into the records under test
    env = {"GOVDASH_DB": str(sample_db), "GOVDASH_STATE_DIR": str(tmp_path / "state"),
           "GOVDASH_ACCOUNTS": str(tmp_path / "none.toml"), "GOVDASH_RECORDS_URL": records_env,
           "GOVDASH_ACCESS_SETTINGS": str(settings_file(tmp_path))}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    def sign_in(url: str, password: str, address: str) -> requests.Response:
        for _ in range(200):   # repeated while the answer is the delay's short wait (milliseconds here)
            answer = requests.post(url + "/account/sign-in", data={"username": "chair", "password": password,
                                                                   "next": "/"},
                                   headers={"X-Real-IP": address}, allow_redirects=False, timeout=30)
            if not (answer.status_code == 429 and "秒后再试" in answer.text):
                return answer
        raise AssertionError(answer.text)

    with streamlit_server(tmp_path / "a", env) as a, streamlit_server(tmp_path / "b", env) as b:
        signed = sign_in(a, "chair-password-1", "10.50.0.1")
        assert signed.status_code == 303
        cookie = {"govdash_session": signed.cookies["govdash_session"]}
        assert requests.get(b + "/whistle", cookies=cookie, allow_redirects=False, timeout=30).status_code == 200
        out = requests.post(a + "/account/sign-out", cookies=cookie, allow_redirects=False, timeout=30)
        assert out.status_code == 303
        refused = requests.get(b + "/whistle", cookies=cookie, allow_redirects=False, timeout=30)
        assert refused.status_code == 303 and refused.headers["Location"].startswith("/account/sign-in")
        # five wrong passwords from one address, alternating between the processes, lock it on both
        for n in range(5):
            assert sign_in((a, b)[n % 2], f"wrong-{n}", "10.50.0.9").status_code == 401
        for url in (a, b):
            locked = sign_in(url, "chair-password-1", "10.50.0.9")
            assert locked.status_code == 429 and "锁定" in locked.text
