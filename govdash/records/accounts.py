"""Accounts: who may sign in as whom, with hashed passwords and roles. Plain Python (no Streamlit): the CLI,
the served app and the sign-in throttle read the same records; the Streamlit session's principal is
govdash.web.sessions.

Roles: `committee` (all pages, all departments, plus publishing the monthly bulletin: PUBLISH_ROLES),
`assessment` (all pages and departments, plus saving scoring settings versions),
`department:<dept_id>` (only its own rows, on every page, chart, download and report). Deny by default:
a role that matches nothing sees nothing, and a department user gets only frames that can be scoped.
Passwords are stored as scrypt hashes (never plain text) in the records database (govdash.records.account_store), which
imported the accounts file of earlier versions (data/accounts.toml or $GOVDASH_ACCOUNTS) once, on first use.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from govdash.core import textsafe
from govdash.core.paths import REPO_ROOT
from govdash.core.principal import NOBODY, ROLE_LABELS, AccessDenied, Principal, parse_role  # noqa: F401  (the principal is ground: figures scope by it)
from govdash.records import account_store as account_records
from govdash.records.db import RecordsError

SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class AccountError(ValueError):
    """A bad account request (unknown role, short password, no such account), in Chinese."""


def check_role(text: str) -> str:
    role, _ = parse_role(text)
    if role == "none":
        raise AccountError(f"未知角色“{text}”，应为 committee、assessment 或 department:<部门编号>")
    return text.strip()


# ---------------------------------------------------------------- passwords and the accounts file

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r),
                             p=int(p))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def accounts_path() -> Path:
    """Where the accounts file of earlier versions is (imported once into the records database, then not read)."""
    return Path(os.environ.get("GOVDASH_ACCOUNTS", REPO_ROOT / "data" / "accounts.toml"))


def load_accounts(url: str | None = None) -> dict[str, dict]:
    """Every account: {name: {"role", "password" (scrypt hash), "email"?, "display_name"?}} from the records
    database (`url`, default $GOVDASH_RECORDS_URL's). RecordsError when it cannot be read."""
    return account_records.load(url, accounts_path())


def has_accounts(url: str | None = None) -> bool:
    """Whether any account exists (the sign-in page asks for a first one when not); unreadable records count as
    some, the sign-in itself then says why it cannot go on."""
    try:
        return bool(load_accounts(url))
    except (OSError, ValueError, RecordsError):
        return True


def save_accounts(users: dict[str, dict], url: str | None = None) -> None:
    """Make the stored accounts exactly `users` (one transaction)."""
    account_records.save_all(url, accounts_path(), users)


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text`, readable by the server's user only (0600), atomically. The folder is
    created 0700 when missing; the temporary file gets an unpredictable name (mkstemp: O_EXCL, 0600),
    so nothing planted beside it is written through."""
    import tempfile

    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


MAX_USERNAME = 128   # the sign-in form reads no more of a name


def check_username(name: str) -> str:
    """A name someone can sign in with: the form trims what is typed and shows what is stored, so a name with
    spaces around it, an invisible or control character, or longer than the form reads is refused."""
    if not name.strip():
        raise AccountError("用户名不能为空")
    if name != name.strip():
        raise AccountError(f"用户名“{name.strip()}”的首尾不能有空格（登录时会去掉首尾空格，这样的账号无法登录）")
    if re.search(textsafe.NAME_DROP, name):
        raise AccountError("用户名不能含有不可见字符或控制字符（这样的账号与别的账号看起来一样，或无法登录）")
    if len(name) > MAX_USERNAME:
        raise AccountError(f"用户名不能超过 {MAX_USERNAME} 个字符")
    return name


MAX_DISPLAY_NAME = 40


def check_display_name(text: str | None) -> str | None:
    """A person's real name as documents print it (发布人): trimmed, visible characters only, at most
    MAX_DISPLAY_NAME characters; empty means none (the account name is then shown)."""
    text = (text or "").strip()
    if not text:
        return None
    if re.search(textsafe.NAME_DROP, text):
        raise AccountError("姓名不能含有不可见字符或控制字符")
    if len(text) > MAX_DISPLAY_NAME:
        raise AccountError(f"姓名不能超过 {MAX_DISPLAY_NAME} 个字符")
    return text


def set_user(name: str, role: str, password: str, email: str | None = None, url: str | None = None,
             display_name: str | None = None) -> None:
    check_username(name)
    display_name = check_display_name(display_name)
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    user = {"role": check_role(role), "password": hash_password(password), **({"email": email} if email else {}),
            **({"display_name": display_name} if display_name else {})}
    account_records.put(url, accounts_path(), name, user)


def add_user(name: str, role: str, password: str, email: str | None = None, replace: bool = False,
             url: str | None = None, display_name: str | None = None) -> None:
    """A new account; an existing name is refused unless `replace` (its role, password and e-mail are
    then replaced), so a typo in `govdash user add` never silently overwrites someone's account."""
    if not replace and account_records.get(url, accounts_path(), name) is not None:
        raise AccountError(f"账号“{name}”已存在，未做任何更改。重置密码请用 govdash user reset {name}；"
                           f"要替换其角色和密码，请加 --replace")
    set_user(name, role, password, email, url, display_name=display_name)


def set_display_name(name: str, display_name: str | None, url: str | None = None) -> None:
    """Set (or, empty, clear) an account's real name; its password and sessions are untouched."""
    user = account_records.get(url, accounts_path(), name)
    if user is None:
        raise AccountError(f"账号“{name}”不存在")
    display_name = check_display_name(display_name)
    user.pop("display_name", None)
    if display_name:
        user["display_name"] = display_name
    account_records.put(url, accounts_path(), name, user)


def principal_of_account(name: str, user: dict) -> Principal:
    """The principal an account record signs in: its role, its department, its real name."""
    role, dept = parse_role(user.get("role", ""))
    return Principal(name, role, dept, display_name=user.get("display_name", ""))


def reset_password(name: str, password: str, url: str | None = None) -> None:
    user = account_records.get(url, accounts_path(), name)
    if user is None:
        raise AccountError(f"账号“{name}”不存在")
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    user["password"] = hash_password(password)
    account_records.put(url, accounts_path(), name, user)


def remove_user(name: str, url: str | None = None) -> None:
    if not account_records.delete(url, accounts_path(), name):
        raise AccountError(f"账号“{name}”不存在")


@functools.cache
def _no_such_user() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(name: str, password: str, url: str | None = None) -> Principal | None:
    """The account's principal when the password is right. An unknown name costs the same scrypt work,
    so the answer's timing does not tell which accounts exist. (Throttling: govdash.web.sessions.)"""
    user = account_records.get(url, accounts_path(), name)
    if not user:
        verify_password(password, _no_such_user())
        return None
    if not verify_password(password, user.get("password", "")):
        return None
    return principal_of_account(name, user)


def principal_for_email(email: str, url: str | None = None) -> Principal:
    """OpenID Connect: the account whose `email` matches decides the role; no match → no access."""
    for name, user in load_accounts(url).items():
        if user.get("email") and user["email"].lower() == (email or "").lower():
            return principal_of_account(name, user)
    return Principal(email or "", "none")


def new_password() -> str:
    return secrets.token_urlsafe(9)
