"""Accounts in the records database: read all, write all changes of one request in one transaction, and the one-time
import of the accounts file that kept them before (TOML at $GOVDASH_ACCOUNTS, else data/accounts.toml).

An account is the dict govdash.records.accounts has always handled: {"role": "committee" | "assessment" |
"department:<dept>", "password": scrypt hash, "email"?, "display_name"?}; the table keeps the role's kind and its
department apart. The import runs on the first use of a records database whose `record_imports` does not name it:
every account of the file is copied (nothing dropped, an unparseable role kept as written), the import recorded
with the file's path and count, both in one transaction; from then on the file is not read again."""
from __future__ import annotations

import logging
import re
import threading
import time
import tomllib
from pathlib import Path

import sqlalchemy as sa

from govdash.records import db
from govdash.records.schema import accounts, record_imports

log = logging.getLogger("govdash.records")
IMPORT_NAME = "accounts_toml"
_imported: set[str] = set()
_lock = threading.Lock()


# a database failure as a RecordsError naming the records database (the server answers it with 503)
_records_errors = db.guarded("the accounts", url_first=True)


def split_role(text: str) -> tuple[str, str | None]:
    """"department:D13" → ("department", "D13"); any other text as it is, without a department."""
    m = re.fullmatch(r"department:(.+)", text or "")
    return ("department", m.group(1)) if m else (text or "", None)


def _row(name: str, user: dict) -> dict:
    role, dept = split_role(str(user.get("role", "")))
    return {"username": name, "role": role, "dept": dept, "display_name": user.get("display_name") or None,
            "password_hash": str(user.get("password", "")), "email": user.get("email") or None}


def _user(row) -> dict:
    user = {"role": row["role"] if row["dept"] is None else f"{row['role']}:{row['dept']}",
            "password": row["password_hash"]}
    if row["email"]:
        user["email"] = row["email"]
    if row["display_name"]:
        user["display_name"] = row["display_name"]
    return user


def import_file(url: str | None, source: Path) -> int | None:
    """Copy the accounts file's accounts into the records database once (None: imported before, or no file to
    import: then nothing is recorded, so a file put in place later is still imported by the next process). A file
    that does not parse is an error, nothing is recorded, and the next use tries again."""
    eng = db.engine(url)
    with eng.begin() as con:
        if con.execute(sa.select(record_imports.c.name).where(record_imports.c.name == IMPORT_NAME)).first():
            return None
        if not source.exists():
            return None
        with open(source, "rb") as fh:
            users = dict(tomllib.load(fh).get("users", {}))
        present = set(con.execute(sa.select(accounts.c.username)).scalars())
        rows = [_row(name, user) for name, user in users.items() if name not in present]
        if rows:
            con.execute(sa.insert(accounts), rows)
        con.execute(sa.insert(record_imports).values(name=IMPORT_NAME, source=str(source), imported_at=time.time(),
                                                     rows=len(rows)))
    if rows:
        log.warning("accounts imported from %s into the records database %s: %d accounts; the file is no longer "
                    "read", source, db.display_url(url), len(rows))
    return len(rows)


def ready(url: str | None, source: Path) -> sa.Engine:
    """The engine, once this process has seen the accounts file imported (by itself or another process)."""
    key = db.normalise_url(url) if url else db.records_url()
    if key not in _imported:
        with _lock:
            if key not in _imported:
                try:
                    import_file(key, source)
                except sa.exc.IntegrityError:   # another process imported it at the same moment
                    pass
                _imported.add(key)
    return db.engine(key)


@_records_errors
def load(url: str | None, source: Path) -> dict[str, dict]:
    with ready(url, source).connect() as con:
        return {r["username"]: _user(r) for r in con.execute(sa.select(accounts)).mappings()}


@_records_errors
def get(url: str | None, source: Path, name: str) -> dict | None:
    with ready(url, source).connect() as con:
        row = con.execute(sa.select(accounts).where(accounts.c.username == name)).mappings().first()
    return None if row is None else _user(row)


@_records_errors
def put(url: str | None, source: Path, name: str, user: dict) -> None:
    """Create or replace one account."""
    with ready(url, source).begin() as con:
        con.execute(sa.delete(accounts).where(accounts.c.username == name))
        con.execute(sa.insert(accounts).values(**_row(name, user)))


@_records_errors
def save_all(url: str | None, source: Path, users: dict[str, dict]) -> None:
    """Make the accounts exactly `users` (one transaction)."""
    with ready(url, source).begin() as con:
        con.execute(sa.delete(accounts))
        if users:
            con.execute(sa.insert(accounts), [_row(name, user) for name, user in users.items()])


@_records_errors
def delete(url: str | None, source: Path, name: str) -> bool:
    with ready(url, source).begin() as con:
        return con.execute(sa.delete(accounts).where(accounts.c.username == name)).rowcount > 0


@_records_errors
def imported(url: str | None = None) -> dict | None:
    """The accounts file's import as recorded (source, imported_at, rows), or None."""
    with db.engine(url).connect() as con:
        row = con.execute(sa.select(record_imports).where(record_imports.c.name == IMPORT_NAME)).mappings().first()
    return None if row is None else dict(row)
