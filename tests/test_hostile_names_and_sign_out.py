"""Invisible characters in names, account names no one could sign in with, and a sign-out the full disk refused.

- A name made only of invisible format characters (soft hyphen, invisible operators U+2061–U+2064, deprecated
  format characters U+206A–U+206F, Mongolian vowel separator, interlinear annotation, tag characters: Unicode
  category Cf, like the zero-width and bidi characters) is quarantined as empty, and one after a real name does
  not make a second department that looks exactly like the first.
- `govdash user add " bob"` (a name pasted with a space, or with a zero-width space) is refused: the sign-in form
  trims the name it is given, so no one could sign in to it.
- A sign-out refused by a full disk (503, 请稍后再试) changes nothing and keeps the browser's cookie, so the user
  signs out again once the disk is freed, and no restart brings the signed-out session back.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from govdash.cli.main import main as cli
from tests.support.access import settings_file
from tests.support.browser import app_server, streamlit_server
from tests.support.paths import REPO
from tests.support.warehouse import warehouse_cursor

# invisible format characters (category Cf) the rule leaves in a name
OTHER_INVISIBLE = ["\u00ad", "\u2061\u2062\u2063\u2064", "\u206a\u206e\u206f", "\u180e", "\ufff9\ufffa\ufffb",
                   "\U000e0041\U000e0042"]


def test_a_name_of_only_invisible_format_characters_is_not_a_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [f"D{i},\"{name}\"" for i, name in enumerate(OTHER_INVISIBLE, 1)]
    rows.append("D9,\"消防救援大队\u00ad\u2063\"")
    rows.append("D10,消防救援大队")
    (src / "departments.csv").write_text("dept_id,dept_name\n" + "\n".join(rows) + "\n", encoding="utf-8", newline="")
    db = tmp_path / "wh.duckdb"
    out = CliRunner().invoke(cli, ["ingest", str(src)], env={"GOVDASH_DB": str(db)})
    assert out.exit_code in (0, 2), out.output
    with warehouse_cursor(db) as cur:
        loaded = dict(cur.execute("select dept_id, dept_name from raw_departments").fetchall())
        quarantined = {r[0]
                       for r in cur.execute("select value from quarantine where column_name = 'dept_name'").fetchall()}
    # a name of nothing visible is quarantined like one of zero-width characters
    blank = {d: n for d, n in loaded.items() if d not in ("D9", "D10")}
    assert not blank, ("loaded as names that show as nothing: "
                       f"{[(d, n.encode('unicode_escape')) for d, n in blank.items()]}")
    assert len(quarantined) == len(OTHER_INVISIBLE)
    # two departments that look alike are not told apart by an invisible character
    assert loaded.get("D9") == "消防救援大队", loaded.get("D9", "").encode("unicode_escape")


@pytest.mark.parametrize("name", [" bob", "bob ", "bob\u200b", "\u202ebob"])
def test_user_add_refuses_a_name_no_one_can_sign_in_with(name, tmp_path):
    accounts = tmp_path / "accounts.toml"
    env = {**os.environ, "GOVDASH_ACCOUNTS": str(accounts), "GOVDASH_STATE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", name, "--role", "committee",
                          "--password", "bob-password-1"], capture_output=True, text=True, cwd=REPO, env=env)
    from govdash.records import accounts as access

    saved = set(access.load_accounts())          # the records database the command wrote (same environment)
    # either refused (exit 1, nothing saved) or saved under the name the sign-in form will look up
    assert (out.returncode == 1 and not saved) or saved == {"bob"}, (out.returncode, out.stdout, sorted(saved))


@pytest.mark.browser  # a served app of its own
def test_a_sign_out_the_full_disk_refused_is_not_undone_by_a_restart(sample_db, tmp_path, full_filesystem):
    """The user signs out while the disk is full (503, 请稍后再试), tries again once it is freed, as told; a copy
    of the session cookie taken before must not sign anyone in after the server restarts."""
    users = {"chair": ("committee", "chair-password-1")}
    env = {"GOVDASH_ACCESS_SETTINGS": str(settings_file(tmp_path)), "GOVDASH_STATE_DIR": str(full_filesystem.path),
           "GOVDASH_RECORDS_URL": f"sqlite:///{full_filesystem.path / 'records.sqlite3'}"}   # sign-outs are kept here
    (tmp_path / "one").mkdir()
    with app_server(tmp_path / "one", sample_db, users, env) as served:
        url = served["url"]
        browser = requests.Session()   # a browser's cookie jar: honours the cookie's deletion
        signed = browser.post(url + "/account/sign-in", data={"username": "chair", "password": "chair-password-1",
                                                              "next": "/"},
                              allow_redirects=False, timeout=30)
        assert signed.status_code == 303
        stolen = {"govdash_session": browser.cookies["govdash_session"]}
        full_filesystem.fill()
        out = browser.post(url + "/account/sign-out", allow_redirects=False, timeout=30)
        assert out.status_code == 503 and "请稍后再试" in out.text
        full_filesystem.free()
        browser.post(url + "/account/sign-out", allow_redirects=False, timeout=30)   # "later", as the page says
    # the same server restarted: the same warehouse, records database and state folder
    env = {**env, "GOVDASH_DB": str(served["db"]), "GOVDASH_ACCOUNTS": str(served["work"] / "accounts.toml")}
    with streamlit_server(served["work"], env) as url:
        page = requests.get(url + "/whistle", cookies=stolen, allow_redirects=False, timeout=30)
        assert page.status_code == 303, ("the session signed out (answered 503, then again once the disk was freed) "
                                         "is valid again")
