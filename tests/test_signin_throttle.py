"""Signing in against the served product (`streamlit run app.py`, the st.App, over loopback HTTP):
throttling that an attacker cannot turn against the owner, and every failure of the sign-in state
answered with a Chinese page.

- An attacker at address A (behind the proxy header the settings name) fails 50 times on the committee's
  account: A is slowed, then locked; the owner at address B signs in with the right password; the owner's
  browser, carrying its known-device cookie, signs in even from A while A is locked (for the account and as
  an address).
- The sign-in state garbled, unreadable or on a full filesystem, the accounts file broken: sign-in,
  sign-out and a page load with a session cookie answer 503 with Retry-After and Chinese text, and work
  again once the state is repaired.
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

import pytest
import requests

from tests.support.access import settings_file
from tests.support.browser import app_server

OWNER = ("chair", "chair-password-1")
A, B = "10.20.0.1", "10.20.0.2"


@pytest.fixture(scope="module")
def server(sample_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("throttle")
    users = {OWNER[0]: ("committee", OWNER[1]), "d13": ("department:D13", "d13-password-1")}
    with app_server(work, sample_db, users, {"GOVDASH_ACCESS_SETTINGS": str(settings_file(work))}) as served:
        yield served


def sign_in(url: str, user: str, password: str, address: str, cookies: dict | None = None) -> requests.Response:
    return requests.post(url + "/account/sign-in", data={"username": user, "password": password, "next": "/"},
                         headers={"X-Real-IP": address}, cookies=cookies or {}, allow_redirects=False, timeout=30)


def patient(url: str, user: str, password: str, address: str, cookies: dict | None = None) -> requests.Response:
    """One attempt, repeated while the answer is the short wait of the delay (milliseconds here)."""
    for _ in range(200):
        answer = sign_in(url, user, password, address, cookies)
        if not (answer.status_code == 429 and "秒后再试" in answer.text):
            return answer
    raise AssertionError(answer.text)


def assert_chinese_503(answer: requests.Response, signing_out: bool = False) -> None:
    assert answer.status_code == 503, (answer.status_code, answer.text[:500])
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.headers["Content-Type"].startswith("text/html")
    if signing_out:   # the sign-out did not happen, and the page says so (the cookie stays, to sign out again)
        assert "退出登录未能完成" in answer.text and "您仍处于登录状态" in answer.text and "暂时无法退出" in answer.text
        assert "set-cookie" not in answer.headers
    else:
        assert "登录服务暂时不可用" in answer.text and "暂时无法登录" in answer.text
    assert "Internal Server Error" not in answer.text and "Traceback" not in answer.text


def test_an_attacker_at_one_address_cannot_keep_the_owner_out(server):
    url = server["url"]
    # the owner signed in from this browser before: the answer sets the known-device cookie
    first = sign_in(url, *OWNER, B)
    assert first.status_code == 303
    device_cookie = next(c for c in first.cookies if c.name == "govdash_device")
    assert device_cookie.path == "/account/" and device_cookie.has_nonstandard_attr("HttpOnly")
    assert device_cookie.expires > time.time() + 360 * 86400                      # long-lived: a year
    device = {"govdash_device": device_cookie.value}
    # the attacker at A: 50 wrong passwords for the committee's account, as fast as answers come
    answers = [sign_in(url, OWNER[0], f"guess-{i}", A) for i in range(50)]
    statuses = [a.status_code for a in answers]
    assert statuses.count(401) <= 5 and statuses.count(429) >= 45, statuses      # slowed: at most five checked
    answers += [patient(url, OWNER[0], f"guess-more-{i}", A) for i in range(6)]
    locked = answers[-1]
    assert locked.status_code == 429 and "从本机地址连续 5 次登录失败，已被暂时锁定" in locked.text
    assert 14 * 60 <= int(locked.headers["Retry-After"]) <= 15 * 60
    # the right password from A, in a browser that never signed in: locked too
    refused = sign_in(url, *OWNER, A)
    assert refused.status_code == 429 and "govdash_session" not in refused.cookies
    # the owner at B: in, with the right password
    owner = sign_in(url, *OWNER, B)
    assert owner.status_code == 303 and owner.headers["Location"] == "/" and "govdash_session" in owner.cookies
    # A now guesses other accounts until the address itself is locked
    for i in range(30):
        last = patient(url, f"someone-{i}", "guess", A)
    assert last.status_code == 429 and "本机地址（10.20.0.1）登录失败次数过多" in last.text
    # the owner's known device signs in even from A: locked for the account and as an address
    at_a = sign_in(url, *OWNER, A, cookies=device)
    assert at_a.status_code == 303 and "govdash_session" in at_a.cookies
    renewed = at_a.cookies.get("govdash_device")
    assert renewed and renewed != device["govdash_device"]                      # renewed on every sign-in
    # and the lock still holds for anyone else at A
    assert sign_in(url, "d13", "d13-password-1", A).status_code == 429
    log = (server["work"] / "server.log").read_text(encoding="utf-8")
    assert "sign-in account locked after 5 failures: account='chair' address=10.20.0.1" in log
    assert "sign-in address locked after 20 failures" in log


def test_garbled_or_unreadable_state_and_a_broken_accounts_file_answer_503_in_chinese(server):
    url, work = server["url"], server["work"]
    signed = sign_in(url, "d13", "d13-password-1", "10.30.0.1")
    assert signed.status_code == 303
    session = {"govdash_session": signed.cookies["govdash_session"]}
    records = work / "records.sqlite3"

    @contextmanager
    def damaged(table: str):
        """A records database missing one of its tables (a damaged or half-restored file) while the server runs."""
        with sqlite3.connect(records) as con:
            con.execute(f"alter table {table} rename to {table}_away")
        try:
            yield
        finally:
            with sqlite3.connect(records) as con:
                con.execute(f"alter table {table}_away rename to {table}")

    # the failure counts cannot be read: no guess, 503
    with damaged("signin_failures"):
        assert_chinese_503(sign_in(url, "d13", "d13-password-1", "10.30.0.1"))
        assert_chinese_503(sign_in(url, "d13", "wrong", "10.30.0.1"))
    assert sign_in(url, "d13", "d13-password-1", "10.30.0.1").status_code == 303
    # the sessions signed out cannot be read: a page load with a cookie, the form and signing out
    with damaged("revoked_sessions"):
        page = requests.get(url + "/whistle", cookies=session, allow_redirects=False, timeout=30)
        assert_chinese_503(page)
        assert_chinese_503(requests.get(url + "/account/sign-in", cookies=session, allow_redirects=False, timeout=30))
        out = requests.post(url + "/account/sign-out", cookies=session, allow_redirects=False, timeout=30)
        assert_chinese_503(out, signing_out=True)
    assert requests.get(url + "/whistle", cookies=session, allow_redirects=False, timeout=30).status_code == 200
    # the accounts cannot be read
    with damaged("accounts"):
        assert_chinese_503(sign_in(url, "d13", "d13-password-1", "10.30.0.1"))
        assert_chinese_503(requests.get(url + "/whistle", cookies=session, allow_redirects=False, timeout=30))
        assert "账号记录无法读取" in sign_in(url, "d13", "d13-password-1", "10.30.0.1").text
    assert sign_in(url, "d13", "d13-password-1", "10.30.0.1").status_code == 303
    log = (work / "server.log").read_text(encoding="utf-8")
    assert "sign-in state unavailable" in log and "signin_failures" in log and "accounts" in log


@pytest.mark.browser  # a served app of its own
def test_a_full_filesystem_for_the_sign_in_state_answers_503_in_chinese(sample_db, tmp_path, full_filesystem):
    work = tmp_path / "work"
    work.mkdir()
    env = {"GOVDASH_ACCESS_SETTINGS": str(settings_file(work)), "GOVDASH_STATE_DIR": str(full_filesystem.path),
           "GOVDASH_RECORDS_URL": f"sqlite:///{full_filesystem.path / 'records.sqlite3'}"}
    with app_server(work, sample_db, {OWNER[0]: ("committee", OWNER[1])}, env) as served:
        url = served["url"]
        signed = sign_in(url, *OWNER, "10.40.0.1")
        assert signed.status_code == 303 and (full_filesystem.path / "session_secret").exists()
        session = {"govdash_session": signed.cookies["govdash_session"]}
        full_filesystem.fill()
        wrong = sign_in(url, OWNER[0], "wrong", "10.40.0.1")         # its failure cannot be stored
        assert_chinese_503(wrong)
        assert "磁盘空间已满" in wrong.text
        again = sign_in(url, *OWNER, "10.40.0.1")                     # nor can the success that clears it
        assert_chinese_503(again)
        out = requests.post(url + "/account/sign-out", cookies=session, allow_redirects=False, timeout=30)
        assert_chinese_503(out, signing_out=True)                     # the revocation cannot be stored
        assert "磁盘空间已满" in out.text
        full_filesystem.free()
        out = requests.post(url + "/account/sign-out", cookies=session, allow_redirects=False, timeout=30)
        assert out.status_code == 303 and out.headers["Location"] == "/account/sign-in?m=signed-out"
        assert requests.get(url + "/whistle", cookies=session, allow_redirects=False, timeout=30).status_code == 303
        log = (work / "server.log").read_text(encoding="utf-8")
        assert "database or disk is full" in log          # SQLite's words for ENOSPC, in the server log
