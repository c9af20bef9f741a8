"""Sign-in that lasts: signed session cookies, their revocation on sign-out, and the throttling of failed
sign-ins. Plain Python with an injectable clock; govdash.web.server puts it on HTTP (the sign-in form, the
cookie, the /media guard) and app.py reads the cookie back on every script run (restore_principal below), as
well as the Streamlit session's principal and an OpenID Connect sign-in (at the end).

The cookie is `<payload>.<signature>`: base64url JSON {sid, u (account), iat, exp, via, chk} and its
HMAC-SHA256 under a server secret kept in `session_secret` (0600, made on first use). `chk` binds the
session to the account's current password hash (or OIDC e-mail), so a password reset or a removed
account ends every session of it; the role is read afresh from the accounts on every check.
Signing out records the session id as revoked until the cookie would have expired, so a copied
cookie stops working too. The revocations are kept in the records database (govdash.records.signin), which every
server process on it reads at each check: a sign-out on one process is refused by the others at once and
survives a restart.

Failed sign-ins slow down guessing without letting anyone lock the owner out (OWASP Authentication
Cheat Sheet, "Slow down online guessing attacks with device cookies"): failures are counted per
(account, client address) and per address, where a growing delay and then a lock hold; a browser that
signed in to the account before carries a signed "known device" cookie and is judged on its own
(account, device) counter only, so an attacker elsewhere cannot keep it out; and the failures of an
account from all addresses together (distributed guessing) slow unknown browsers down by a bounded
delay, never a lock. The counts live in the records database (govdash.records.signin.ThrottleRecords), shared by
every server process on it: each change is one transaction the writers take turns at, so no failure counted by
one process is lost to another's (ThrottleStore: one small interface for where they are kept; a JSON file or
memory serve tests of the rules alone).

State that cannot be read or written (a full disk, a damaged records database, an accounts file to import that
does not parse) raises SignInStateError: the server answers it with a Chinese page (503), never by guessing.
"""
from __future__ import annotations

import base64
import datetime as dt
import errno
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import threading
import time
import tomllib
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from govdash.core.paths import CONFIG_DIR
from govdash.core.principal import NOBODY, Principal
from govdash.records import db as records_db
from govdash.records.accounts import (
    MAX_USERNAME,
    accounts_path,
    authenticate,
    principal_for_email,
    principal_of_account,
)
from govdash.records.accounts import load_accounts as read_accounts
from govdash.records.signin import RecordsStateError, Revocations, ThrottleRecords
from govdash.web.registry import allowed_pages

log = logging.getLogger("govdash.access")

Clock = Callable[[], float]


# ---------------------------------------------------------------- settings

@dataclass(frozen=True)
class ThrottleRule:
    lock_after: int = 5           # 0: never locks (the delay only)
    lock_minutes: float = 15
    delay_after: int = 1
    delay_base_seconds: float = 1
    delay_max_seconds: float = 30
    window_minutes: float = 15

    def delay(self, failures: int) -> float:
        """Seconds the next attempt must wait after `failures` failures in a row."""
        if failures < max(self.delay_after, 1):
            return 0.0
        return float(min(self.delay_base_seconds * 2 ** (failures - self.delay_after), self.delay_max_seconds))


THROTTLE_SCOPES = ("account", "address", "device", "account_total")


@dataclass(frozen=True)
class AccessSettings:
    lifetime_hours: float = 8
    cookie_name: str = "govdash_session"
    secure_cookie: str | bool = "auto"
    timezone: str = "Asia/Shanghai"
    client_address_header: str = ""     # behind a reverse proxy: the header carrying the client's address
    public_origins: tuple[str, ...] = ()  # the addresses users type (behind a proxy), besides the server's own
    device_cookie_name: str = "govdash_device"
    device_lifetime_days: float = 365
    # one account from one client address: delay, then lock (that address only)
    account: ThrottleRule = field(default_factory=ThrottleRule)
    # one client address, whatever the account
    address: ThrottleRule = field(default_factory=lambda: ThrottleRule(lock_after=20, delay_after=5))
    # one account from one known device (a browser that signed in to it before)
    device: ThrottleRule = field(default_factory=ThrottleRule)
    # one account from every unknown browser together (distributed guessing): a bounded delay, never a lock
    account_total: ThrottleRule = field(default_factory=lambda: ThrottleRule(lock_after=0, delay_after=10))

    @property
    def lifetime_seconds(self) -> int:
        return int(self.lifetime_hours * 3600)

    @property
    def device_lifetime_seconds(self) -> int:
        return int(self.device_lifetime_days * 86400)

    def rule(self, scope: str) -> ThrottleRule:
        return getattr(self, scope)


def settings_path() -> Path:
    return Path(os.environ.get("GOVDASH_ACCESS_SETTINGS", CONFIG_DIR / "access.toml"))


def load_settings(path: Path | None = None) -> AccessSettings:
    path = Path(path or settings_path())
    if not path.exists():
        return AccessSettings()
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    session = raw.get("session", {})
    throttle = raw.get("throttle", {})
    proxy = raw.get("proxy", {})
    device = raw.get("device", {})
    base = AccessSettings()
    unknown = set(session) - {"lifetime_hours", "cookie_name", "secure_cookie", "timezone"}
    unknown |= {f"proxy.{k}" for k in set(proxy) - {"client_address_header", "public_origins"}}
    unknown |= {f"device.{k}" for k in set(device) - {"cookie_name", "lifetime_days"}}
    unknown |= {f"throttle.{k}" for k in set(throttle) - set(THROTTLE_SCOPES)}
    for scope in THROTTLE_SCOPES:
        unknown |= {f"throttle.{scope}.{k}" for k in set(throttle.get(scope,
                                                                      {})) - set(ThrottleRule.__dataclass_fields__)}
    if unknown:
        raise ValueError(f"{path}: unknown settings {sorted(unknown)}")
    if throttle.get("account_total", {}).get("lock_after", 0):
        raise ValueError(f"{path}: throttle.account_total.lock_after must be 0: a lock on the account from every "
                         "address would let anyone keep its owner out")
    return AccessSettings(
        lifetime_hours=float(session.get("lifetime_hours", base.lifetime_hours)),
        cookie_name=str(session.get("cookie_name", base.cookie_name)),
        secure_cookie=session.get("secure_cookie", base.secure_cookie),
        timezone=str(session.get("timezone", base.timezone)),
        client_address_header=str(proxy.get("client_address_header", "")).strip(),
        public_origins=tuple(str(o).strip().rstrip("/") for o in proxy.get("public_origins", []) if str(o).strip()),
        device_cookie_name=str(device.get("cookie_name", base.device_cookie_name)),
        device_lifetime_days=float(device.get("lifetime_days", base.device_lifetime_days)),
        **{scope: replace(base.rule(scope), **throttle.get(scope, {})) for scope in THROTTLE_SCOPES},
    )


def state_dir() -> Path:
    """Where the session secret lives: beside the accounts file (sign-outs and failure counts are in the records
    database)."""
    env = os.environ.get("GOVDASH_STATE_DIR")
    return Path(env) if env else accounts_path().parent


def format_until(ts: float, settings: AccessSettings) -> str:
    """A lock's end as users read it, rounded up to the minute, in the configured zone."""
    from zoneinfo import ZoneInfo

    when = dt.datetime.fromtimestamp(math.ceil(ts / 60) * 60, ZoneInfo(settings.timezone))
    return when.strftime("%Y-%m-%d %H:%M")


def format_moment(ts: float, settings: AccessSettings) -> str:
    """An instant as users read it, to the minute, in the configured zone."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(ts, ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")


def _iso(ts: float, settings: AccessSettings) -> str:
    """An exact instant for the server log, with its UTC offset."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(ts, ZoneInfo(settings.timezone)).isoformat(timespec="seconds")


# ---------------------------------------------------------------- state that cannot be read or written

class SignInStateError(RuntimeError):
    """The sign-in state (secret, revocations, failure counts) or the accounts cannot be read or
    written. `kind`: "full" (no space left), "state" (the secret or the records database unreadable or damaged),
    "accounts" (the accounts). The message (English, with the path and the cause) is for the server log."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@contextmanager
def records_state():
    """The records database's failures as SignInStateError (its kind "full" or "state", the cause for the log)."""
    try:
        yield
    except RecordsStateError as exc:
        raise SignInStateError(exc.kind, str(exc)) from exc
    except records_db.RecordsError as exc:
        raise SignInStateError("state", str(exc)) from exc


def _state_error(exc: BaseException, path: Path, doing: str) -> SignInStateError:
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return SignInStateError("full" if full else "state", f"cannot {doing} sign-in state {path}: {exc!r}")


def load_accounts(url: str | None = None) -> dict[str, dict]:
    """The accounts, or SignInStateError when the records database cannot be read (or, before its one-time import,
    the accounts file of earlier versions does not parse)."""
    try:
        return read_accounts(url)
    except (OSError, ValueError, records_db.RecordsError) as exc:   # tomllib.TOMLDecodeError is a ValueError
        raise SignInStateError("accounts", f"cannot read the accounts ({records_db.display_url(url)}, "
                                           f"importing {accounts_path()}): {exc!r}") from exc


class MemoryState:
    """Failure counts kept in memory only (tests of the rules alone)."""

    def __init__(self):
        self._data: dict = {}
        self._fresh = True

    def changed(self) -> bool:
        return self._fresh

    def load(self) -> dict:
        self._fresh = False
        return json.loads(json.dumps(self._data))

    def save(self, data: dict) -> None:
        self._data = json.loads(json.dumps(data))


# ---------------------------------------------------------------- the secret and the cookie

def load_secret(folder: Path) -> bytes:
    """The server secret that signs session cookies: 32 random bytes in `session_secret` (0600),
    created on first use; a file found readable by others is narrowed to 0600."""
    path = Path(folder) / "session_secret"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):   # another process may be writing it this instant
            text = path.read_text(encoding="ascii").strip()
            if text:
                break
            time.sleep(0.02)
        if os.stat(path).st_mode & 0o077:
            log.warning("session secret %s was readable by others: set to 0600", path)
            os.chmod(path, 0o600)
        secret = bytes.fromhex(text)
        if len(secret) < 32:
            raise ValueError(f"{path}: session secret too short") from None
        return secret
    secret = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(secret.hex() + "\n")
    log.info("session secret created: %s", path)
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    sid: str
    username: str
    issued: float
    expires: float
    via: str = "password"     # password | oidc


class Sessions:
    """Issues and checks session cookies and known-device cookies; keeps the revoked session ids
    (thread-safe). A secret or revocations that cannot be read do not stop the server from starting:
    each request that needs them raises SignInStateError until they can be read."""

    MAX_DEVICE_ACCOUNTS = 5   # a shared office browser remembers this many accounts

    def __init__(self, folder: Path, settings: AccessSettings, clock: Clock = time.time, accounts: str | None = None,
                 revocations: Revocations | None = None):
        self.folder = Path(folder)
        self.settings = settings
        self.clock = clock
        self.accounts = accounts
        self.revocations = revocations or Revocations()   # the records database's sign-outs
        self._secret_bytes: bytes | None = None
        try:
            _ = self._secret   # made at start-up when it can be; else at the first request that needs it
        except SignInStateError as exc:
            log.error("%s (sign-in answers 503 until it can be read)", exc)

    @property
    def _secret(self) -> bytes:
        if self._secret_bytes is None:
            path = self.folder / "session_secret"
            try:
                self._secret_bytes = load_secret(self.folder)
            except (OSError, ValueError) as exc:
                raise _state_error(exc, path, "read or create") from exc
        return self._secret_bytes

    # the binding of a session to the account as it is now
    def _check(self, user: dict, via: str) -> str:
        basis = ("email|" + (user.get("email") or "").lower()) if via == "oidc" else ("password|"
                                                                                      + user.get("password", ""))
        return _b64(hmac.new(self._secret, basis.encode("utf-8"), hashlib.sha256).digest()[:16])

    def _sign(self, payload: str, purpose: bytes = b"govdash-session-v1|") -> str:
        return _b64(hmac.new(self._secret, purpose + payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, username: str, via: str = "password") -> tuple[str, Session]:
        """A new session for an existing account: (cookie value, session)."""
        user = load_accounts(self.accounts).get(username)
        if user is None:
            raise KeyError(username)
        now = int(self.clock())
        session = Session(secrets.token_urlsafe(18), username, now, now + self.settings.lifetime_seconds, via)
        body = {"v": 1, "sid": session.sid, "u": username, "iat": now, "exp": session.expires, "via": via,
                "chk": self._check(user, via)}
        payload = _b64(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}", session

    def _decode(self, value: str | None) -> tuple[Session, str] | None:
        if not value or not isinstance(value, str) or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        try:
            if not hmac.compare_digest(self._sign(payload), signature):
                return None
            body = json.loads(_unb64(payload))
            session = Session(str(body["sid"]), str(body["u"]), float(body["iat"]), float(body["exp"]),
                              str(body.get("via", "password")))
            check = str(body["chk"])
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        now = self.clock()
        if not (session.issued - 60 <= now < session.expires):
            return None
        with records_state():
            if self.revocations.revoked(session.sid):   # read at every check: another process may have signed out
                return None
        return session, check

    def session(self, value: str | None) -> Session | None:
        """The session a cookie carries when it is genuine, unexpired and not revoked."""
        decoded = self._decode(value)
        return decoded[0] if decoded else None

    def principal(self, value: str | None) -> Principal | None:
        """Who a cookie signs in: None when the cookie is not valid, the account is gone, its password
        (or e-mail) changed since, or its role opens no page."""
        decoded = self._decode(value)
        if decoded is None:
            return None
        session, check = decoded
        user = load_accounts(self.accounts).get(session.username)
        if user is None or not hmac.compare_digest(self._check(user, session.via), check):
            return None
        principal = principal_of_account(session.username, user)
        return principal if allowed_pages(principal) else None

    def revoke(self, session: Session) -> None:
        """Sign-out: this session id is refused from now on (kept until the cookie would expire)."""
        # in force once stored: a sign-out the database refused changes nothing, so the user may sign out again
        # once it can be stored, and no restart (nor another process) brings back a session already refused
        with records_state():
            self.revocations.revoke(session.sid, session.expires, self.clock())

    # the known-device cookie: `<payload>.<signature>` per account, several joined by "~"
    def _device_entries(self, value: str | None) -> list[tuple[str, str, str]]:
        """(account, device id, token) of every genuine, unexpired entry of a known-device cookie."""
        entries = []
        now = self.clock()
        for token in (value or "").split("~")[: self.MAX_DEVICE_ACCOUNTS]:
            if token.count(".") != 1:
                continue
            payload, signature = token.split(".")
            try:
                if not hmac.compare_digest(self._sign(payload, b"govdash-device-v1|"), signature):
                    continue
                body = json.loads(_unb64(payload))
                account, device, issued = str(body["u"]), str(body["d"]), float(body["iat"])
            except (ValueError, KeyError, TypeError, UnicodeError):
                continue
            if issued - 60 <= now < issued + self.settings.device_lifetime_seconds:
                entries.append((account, device, token))
        return entries

    def known_device(self, value: str | None, username: str) -> str | None:
        """The device id this browser's known-device cookie holds for `username` (None: unknown)."""
        return next((device for account, device, _ in self._device_entries(value) if account == username), None)

    def device_cookie(self, value: str | None, username: str) -> str:
        """The known-device cookie after a successful sign-in to `username`: its entry renewed (same device
        id, so its failure count stays its own), the browser's other accounts kept."""
        entries = self._device_entries(value)
        device = next((d for account, d, _ in entries if account == username), None) or secrets.token_urlsafe(12)
        body = {"v": 1, "u": username, "d": device, "iat": int(self.clock())}
        payload = _b64(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        mine = f"{payload}.{self._sign(payload, b'govdash-device-v1|')}"
        others = [token for account, _, token in entries if account != username]
        return "~".join([mine, *others][: self.MAX_DEVICE_ACCOUNTS])


# ---------------------------------------------------------------- throttling failed sign-ins

@dataclass
class _Count:
    failures: int = 0
    first_failure: float = 0.0    # since when this run of failures lasts (the data page shows it)
    last_failure: float = 0.0
    locked_until: float = 0.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = "ok"            # ok | locked | wait | busy
    until: float | None = None    # when an attempt is allowed again
    scope: str | None = None      # account | address | device | account_total


Key = tuple[str, str, str]        # (scope, account, address or device id); an address counter has no account


class ThrottleStore:
    """Where the failure counts are kept: `changed()`, `load() -> dict`, `save(dict)`, and optionally `locked()`,
    the transaction one change runs in. The records database (govdash.records.signin.ThrottleRecords) and
    MemoryState implement it."""

    def changed(self) -> bool: ...
    def load(self) -> dict: ...
    def save(self, data: dict) -> None: ...


class Throttle:
    """Failed sign-ins, counted so that no count an attacker can produce keeps the owner out:

    - `account`: one account from one client address — a growing delay, then a lock of that address for
      that account only;
    - `address`: one client address whatever the account — delay, then lock;
    - `device`: one account from one known device (a browser that signed in to it before, carrying the
      signed known-device cookie): such attempts are judged on this counter only;
    - `account_total`: one account from every unknown browser together (guessing spread over many
      addresses) — a bounded delay for unknown browsers, never a lock; a known device passes.
    """

    PENDING_STALE_SECONDS = 60
    MAX_ENTRIES = 20_000

    def __init__(self, settings: AccessSettings, store: ThrottleStore | None, clock: Clock = time.time):
        self.settings = settings
        self.store: ThrottleStore = store or MemoryState()
        # a store shared by several processes runs each change in one transaction (ThrottleRecords.locked)
        self._changing = getattr(self.store, "locked", nullcontext)
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[Key, _Count] = {}
        self._pending: dict[str, float] = {}    # account → since when one of its attempts is being checked

    # -------- the stored form: {"v": 2, "entries": [{scope, account, other, failures, …}]}
    def _sync(self) -> None:
        """Read the counts when the store changed (first use, `govdash user unlock`); call with the lock held."""
        if not self.store.changed():
            return
        raw = self.store.load()
        counts: dict[Key, _Count] = {}
        if raw and raw.get("v") != 2:
            # the first format counted per account alone (a lock anyone could renew): only addresses carry over
            raw = {"entries": [{"scope": "address", "account": "", "other": k.split(":", 1)[1], **v}
                               for k, v in raw.items() if isinstance(v, dict) and k.startswith("address:")]}
        for entry in raw.get("entries", []):
            try:
                key = (str(entry["scope"]), str(entry["account"]), str(entry["other"]))
                if key[0] not in THROTTLE_SCOPES:
                    continue
                counts[key] = _Count(int(entry["failures"]), float(entry.get("first_failure", entry["last_failure"])),
                                     float(entry["last_failure"]), float(entry["locked_until"]))
            except (KeyError, TypeError, ValueError):
                continue
        self._counts = counts

    def _save(self, now: float) -> None:
        keep = {}
        for key, count in self._counts.items():
            live = count.locked_until > now or (
                count.failures and now - count.last_failure <= self.settings.rule(key[0]).window_minutes * 60)
            if live:
                keep[key] = count
        if len(keep) > self.MAX_ENTRIES:   # a flood of made-up names: forget the oldest unlocked ones
            unlocked = sorted((k for k, c in keep.items() if c.locked_until <= now), key=lambda k: keep[k].last_failure)
            for key in unlocked[: len(keep) - self.MAX_ENTRIES]:
                del keep[key]
        self._counts = keep
        self.store.save({"v": 2, "entries": [
            {"scope": k[0], "account": k[1], "other": k[2], "failures": c.failures, "first_failure": c.first_failure,
             "last_failure": c.last_failure, "locked_until": c.locked_until} for k, c in keep.items()]})

    # -------- counters
    @staticmethod
    def _keys(account: str, address: str, device: str | None) -> list[Key]:
        if device:
            return [("device", account, device)]
        return [("account", account, address), ("address", "", address), ("account_total", account, "")]

    def _current(self, key: Key, now: float) -> _Count | None:
        count = self._counts.get(key)
        if count is None:
            return None
        if count.locked_until and count.locked_until <= now:
            count.failures, count.locked_until = 0, 0.0          # a lock that ran out starts afresh
        elif count.failures and now - count.last_failure > self.settings.rule(key[0]).window_minutes * 60:
            count.failures = 0
        return count

    def _verdict(self, key: Key, now: float) -> Verdict | None:
        count = self._current(key, now)
        if count is None:
            return None
        if count.locked_until > now:
            return Verdict(False, "locked", count.locked_until, key[0])
        ready = count.last_failure + self.settings.rule(key[0]).delay(count.failures)
        if count.failures and ready > now:
            return Verdict(False, "wait", ready, key[0])
        return None

    def _refused(self, account: str, address: str, device: str | None, now: float) -> Verdict | None:
        return next((v for v in (self._verdict(k, now) for k in self._keys(account, address, device)) if v), None)

    def check(self, account: str, address: str, device: str | None = None) -> Verdict:
        """Whether an attempt would be checked now (without reserving it)."""
        with self._lock, records_state():
            self._sync()
            return self._refused(account, address, device, self.clock()) or Verdict(True)

    def reserve(self, account: str, address: str, device: str | None = None) -> Verdict:
        """Atomically: refuse an attempt (locked, too early, or another attempt of this account being
        checked right now), or reserve it. Every reserved attempt must be followed by record() or release()."""
        with self._lock, records_state():
            self._sync()
            now = self.clock()
            refused = self._refused(account, address, device, now)
            if refused:
                return refused
            pending = self._pending.get(account)
            if pending and now - pending < self.PENDING_STALE_SECONDS:
                return Verdict(False, "busy", now + 1, "account")
            self._pending[account] = now
            return Verdict(True)

    def release(self, account: str) -> None:
        """A reserved attempt that could not be judged (the server failed): nothing is counted."""
        with self._lock:
            self._pending.pop(account, None)

    def record(self, account: str, address: str, ok: bool, device: str | None = None) -> None:
        """The reserved attempt's outcome: a success starts its own counter afresh (`account` at this address,
        or this device; the address and the account's total keep theirs); a failure counts on every counter
        the attempt was judged on, and may lock the ones that lock."""
        with self._lock, records_state(), self._changing():
            self._pending.pop(account, None)
            self._sync()
            now = self.clock()
            keys = self._keys(account, address, device)
            if ok:
                if self._counts.pop(keys[0], None) is None:
                    return                      # nothing to forget, nothing to write
            else:
                for key in keys:
                    count = self._current(key, now) or self._counts.setdefault(key, _Count())
                    if not count.failures:
                        count.first_failure = now
                    count.failures += 1
                    count.last_failure = now
                    rule = self.settings.rule(key[0])
                    if rule.lock_after and count.failures >= rule.lock_after and count.locked_until <= now:
                        count.locked_until = now + rule.lock_minutes * 60
                        log.warning("sign-in %s locked after %d failures: account=%r address=%s%s until=%s",
                                    key[0], count.failures, account, address, f" device={device[:8]}" if device else "",
                                    _iso(count.locked_until, self.settings))
            self._save(now)

    def failures(self, scope: str, *names: str) -> int:
        """The current failures of one counter: ("account", account, address), ("address", address),
        ("device", account, device id), ("account_total", account)."""
        key = ("address", "", names[0]) if scope == "address" else (scope, names[0], names[1] if len(names) > 1 else "")
        with self._lock, records_state():
            self._sync()
            count = self._current(key, self.clock())
            return count.failures if count else 0

    def entries(self) -> list[dict]:
        """Every counter with failures or a lock now, for the committee (the data page): scope, account,
        address, device, failures, since, last failure, locked until (0: not locked), most recent first."""
        with self._lock, records_state():
            self._sync()
            now = self.clock()
            rows = []
            for key in list(self._counts):
                count = self._current(key, now)
                if count and (count.failures or count.locked_until > now):
                    rows.append({"scope": key[0], "account": key[1], "address": key[2]
                                 if key[0] in ("account", "address") else "",
                                 "device": key[2][:8] if key[0] == "device" else "", "failures": count.failures,
                                 "since": count.first_failure, "last_failure": count.last_failure,
                                 "locked_until": count.locked_until if count.locked_until > now else 0.0})
            return sorted(rows, key=lambda r: -r["last_failure"])

    def unlock(self, account: str) -> int:
        """An administrator's early unlock of one account: every counter of it (from any address, device, and
        its total) is cleared. Returns how many there were."""
        return self._forget(lambda key: key[0] != "address" and key[1] == account, f"account={account!r}")

    def unlock_address(self, address: str) -> int:
        """An administrator's early unlock of one client address (its own counter and its accounts' there)."""
        return self._forget(lambda key: key[0] in ("address", "account") and key[2] == address, f"address={address}")

    def _forget(self, match: Callable[[Key], bool], what: str) -> int:
        with self._lock, records_state(), self._changing():
            self._sync()
            gone = [key for key in self._counts if match(key)]
            for key in gone:
                del self._counts[key]
            if gone:
                self._save(self.clock())
                log.warning("sign-in unlocked by an administrator: %s (%d counters cleared)", what, len(gone))
            return len(gone)


# ---------------------------------------------------------------- one sign-in attempt

@dataclass(frozen=True)
class Attempt:
    outcome: str                           # ok | bad | norole | locked | wait | busy
    principal: Principal | None = None
    until: float | None = None
    scope: str | None = None


def _authenticate(username: str, password: str, accounts: str | None) -> Principal | None:
    try:
        return authenticate(username, password, accounts)
    except (OSError, ValueError, records_db.RecordsError) as exc:
        raise SignInStateError("accounts", f"cannot read the accounts ({records_db.display_url(accounts)}, "
                                           f"importing {accounts_path()}): {exc!r}") from exc


def attempt_sign_in(username: str, password: str, address: str | None, *, throttle: Throttle,
                    accounts: str | None = None, device: str | None = None) -> Attempt:
    """Check a username and password under the throttle; logs every outcome with account and address.
    `device`: the id of this browser's known-device cookie for the account (verified by Sessions), when
    it has one. SignInStateError when the accounts or the counts cannot be read or written."""
    username = (username or "").strip()[:MAX_USERNAME]
    address = address or "unknown"
    on_device = f" device={device[:8]}" if device else ""
    verdict = throttle.reserve(username, address, device)
    if not verdict.allowed:
        (log.debug if verdict.reason == "busy"
         else log.info)("sign-in refused (%s, %s, %.0f s left): account=%r address=%s%s", verdict.reason, verdict.scope,
                 max(0.0, verdict.until - throttle.clock()), username, address, on_device)
        return Attempt(verdict.reason, until=verdict.until, scope=verdict.scope)
    try:
        principal = _authenticate(username, password or "", accounts) if username else None
    except BaseException:
        throttle.release(username)        # a server fault is no failed guess
        raise
    throttle.record(username, address, principal is not None, device)
    if principal is None:
        if device:
            log.warning("sign-in failed: account=%r address=%s%s failures=%d (device)", username, address, on_device,
                        throttle.failures("device", username, device))
        else:
            log.warning("sign-in failed: account=%r address=%s failures=%d (account at address) %d (address) %d "
                        "(account in total)",
                        username, address, throttle.failures("account", username, address),
                        throttle.failures("address", address), throttle.failures("account_total", username))
        return Attempt("bad")
    if not allowed_pages(principal):
        log.warning("sign-in refused (no role): account=%r address=%s", username, address)
        return Attempt("norole", principal)
    log.info("sign-in: account=%r role=%s address=%s%s", username, principal.role, address, on_device)
    return Attempt("ok", principal)


UNAVAILABLE_TEXTS = {
    "full": "服务器保存登录状态的磁盘空间已满",
    "state": "服务器上的登录状态文件无法读取",
    "accounts": "服务器上的账号记录无法读取",
}


def unavailable_text(kind: str, signing_out: bool = False) -> str:
    """What a user reads when the sign-in state cannot be read or written (the cause is in the server log). A
    sign-out that could not be stored did not happen: the user is told so, and to sign out again later."""
    cause = UNAVAILABLE_TEXTS.get(kind, UNAVAILABLE_TEXTS["state"])
    if signing_out:
        return (f"退出登录未能完成：{cause}，您仍处于登录状态。问题已记入服务器日志，请稍后再试一次退出登录；"
                "如仍无法退出，请联系系统管理员。")
    return f"登录服务暂时不可用：{cause}。问题已记入服务器日志，请稍后再试；如仍无法登录，请联系系统管理员。"


# ---------------------------------------------------------------- the server process's shared state

_shared_lock = threading.Lock()
_shared: dict[tuple, object] = {}
_cookie_mode = False


def shared_settings() -> AccessSettings:
    path = settings_path()
    key = ("settings", str(path), path.stat().st_mtime if path.exists() else None)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = load_settings(path)
        return _shared[key]


def shared_sessions() -> Sessions:
    """The process's one session store (per state folder and records database): what every request and script run
    checks; its sign-outs are those of every process on the records database."""
    settings = shared_settings()
    url = records_db.records_url()
    key = ("sessions", str(state_dir()), str(accounts_path()), url, settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Sessions(state_dir(), settings, revocations=Revocations(url))
        return _shared[key]


def shared_throttle() -> Throttle:
    """The process's throttle: its counts are those of every process on the records database."""
    settings = shared_settings()
    url = records_db.records_url()
    key = ("throttle", url, settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Throttle(settings, ThrottleRecords(url))
        return _shared[key]


def enable_cookie_sessions() -> None:
    """Called when the st.App starts: from then on only the cookie signs a script run in."""
    global _cookie_mode
    _cookie_mode = True


def cookie_sessions_enabled() -> bool:
    return _cookie_mode

def restore_principal() -> Principal:
    """Who this script run is for. Served by the st.App (govdash.web.server), the session cookie alone
    decides, on every run: a refresh or a link opened later keeps the user signed in, and a session
    that expired or was signed out (in any tab) ends at the next run. Without the st.App (AppTest),
    the session state that a test or OpenID Connect set."""
    import streamlit as st

    if not cookie_sessions_enabled():
        return sign_in_from_oidc() or current_principal()
    value = st.context.cookies.get(shared_settings().cookie_name)
    try:
        principal = shared_sessions().principal(value) if value else None
    except SignInStateError as exc:
        log.error("sign-in state unavailable while checking a session: %s", exc)
        st.error(unavailable_text(exc.kind))
        st.stop()
    if principal is None:
        st.session_state.pop("principal", None)
        return NOBODY
    st.session_state["principal"] = principal
    return principal


def current_principal() -> Principal:
    """The signed-in principal of this Streamlit session (NOBODY when signed out)."""
    import streamlit as st

    return st.session_state.get("principal") or NOBODY


def oidc_configured() -> bool:
    """OpenID Connect is on when the operator has put an [auth] section in .streamlit/secrets.toml."""
    import streamlit as st

    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sign_in_from_oidc() -> Principal | None:
    """After an OpenID Connect sign-in, the account with the user's e-mail decides the role."""
    import streamlit as st

    if "principal" in st.session_state or not oidc_configured():
        return None
    user = getattr(st, "user", None)
    if user is None or not getattr(user, "is_logged_in", False):
        return None
    principal = principal_for_email(user.get("email", ""))
    st.session_state["principal"] = principal
    return principal
