"""Accounts in the records database (SQLite and PostgreSQL): the accounts file of earlier versions imported once,
nothing lost, then never read again; `govdash user …` keeps its behaviour and its messages."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govdash.records import account_store as account_records
from govdash.records import accounts as account_store
from tests.support.paths import REPO

OLD_FILE = '''# govdash accounts: passwords are scrypt hashes; manage with `govdash user`.

[users."chair"]
role = "committee"
password = "{chair}"
email = "Chair@Example.org"
display_name = "张明"

[users."d13"]
role = "department:D13"
password = "{d13}"

[users."李 考"]
role = "assessment"
password = "{li}"
display_name = "李考"

[users."legacy"]
role = "auditor"
password = "{legacy}"
'''


def govdash(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govdash.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ}, timeout=120)


@pytest.fixture
def old_accounts(records_env, tmp_path, monkeypatch):
    """An accounts file as the versions before the records database wrote it, at $GOVDASH_ACCOUNTS."""
    hashes = {k: account_store.hash_password(f"{k}-password-1") for k in ("chair", "d13", "li", "legacy")}
    path = tmp_path / "accounts.toml"
    path.write_text(OLD_FILE.format(**hashes), encoding="utf-8")
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(path))
    return path, hashes


def test_the_accounts_file_is_imported_once_with_nothing_lost(old_accounts, records_env):
    path, hashes = old_accounts
    users = account_store.load_accounts()
    assert users == {
        "chair": {"role": "committee", "password": hashes["chair"], "email": "Chair@Example.org",
                  "display_name": "张明"},
        "d13": {"role": "department:D13", "password": hashes["d13"]},
        "李 考": {"role": "assessment", "password": hashes["li"], "display_name": "李考"},
        "legacy": {"role": "auditor", "password": hashes["legacy"]},    # a role no page opens is kept as written
    }
    assert account_store.authenticate("d13", "d13-password-1") == account_store.Principal("d13", "department", "D13")
    assert account_store.principal_for_email("chair@example.org").display_name == "张明"
    done = account_records.imported(records_env)
    assert done["source"] == str(path) and done["rows"] == 4
    # from now on the file is not read: neither its change nor its removal changes an account
    path.write_text("[users.intruder]\nrole = \"committee\"\npassword = \"x\"\n", encoding="utf-8")
    account_records._imported.clear()         # a new process
    assert set(account_store.load_accounts()) == {"chair", "d13", "李 考", "legacy"}
    path.unlink()
    account_store.remove_user("legacy")
    assert set(account_store.load_accounts()) == {"chair", "d13", "李 考"}
    assert not path.exists()                  # nothing writes the file either


def test_another_process_imports_the_same_file_once(old_accounts, records_env):
    out = govdash("user", "list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].split("\t") == ["chair", "committee", "张明", "Chair@Example.org"]
    assert account_records.imported(records_env)["rows"] == 4
    assert len(account_store.load_accounts()) == 4              # this process found it imported: no second copy


def test_the_user_commands_keep_their_behaviour_on_the_records(records_env, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "none.toml"))
    added = govdash("user", "add", "chair", "--role", "committee", "--password", "chair-password-1",
                    "--display-name", "张明")
    assert added.returncode == 0 and added.stdout.startswith("已保存账号 chair（committee）到记录库 "), added.stderr
    again = govdash("user", "add", "chair", "--role", "assessment", "--password", "other-password-1")
    assert again.returncode == 1 and "账号“chair”已存在，未做任何更改" in again.stderr
    assert account_store.load_accounts()["chair"]["role"] == "committee"
    assert govdash("user", "reset", "chair", "--password", "new-password-1").returncode == 0
    assert account_store.authenticate("chair", "new-password-1").display_name == "张明"
    assert govdash("user", "remove", "chair").stdout.strip() == "已删除账号 chair"
    gone = govdash("user", "remove", "chair")
    assert gone.returncode == 1 and "账号“chair”不存在" in gone.stderr
    assert account_store.load_accounts() == {} and not (tmp_path / "none.toml").exists()
    assert account_records.imported(records_env) is None     # no file: no import recorded, a later file still is
