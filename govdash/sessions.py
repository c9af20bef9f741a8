"""Sign-in that lasts (issue 11 item 8, issue 14 item 3): signed session cookies, their revocation on
sign-out, and the throttling of failed sign-ins. Plain Python with an injectable clock; govdash.server
puts it on HTTP (the sign-in form, the cookie, the /media guard) and app.py reads the cookie back on
every script run (restore_principal below).

The cookie is `<payload>.<signature>`: base64url JSON {sid, u (account), iat, exp, via, chk} and its
HMAC-SHA256 under a server secret kept in `session_secret` (0600, made on first use). `chk` binds the
session to the account's current password hash (or OIDC e-mail), so a password reset or a removed
account ends every session of it; the role is read afresh from the accounts file on every check.
Signing out records the session id as revoked until the cookie would have expired, so a copied
cookie stops working too.

Failed sign-ins are counted per account and per client address (config/access.toml): a growing
delay between attempts, then a lock that holds even for the right password. Counts are shared by all
sessions of the server process (one lock) and kept in `signin_throttle.json` across restarts.
"""
from __future__ import annotations

import base64
import datetime as dt
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from govdash import access
from govdash.core.paths import CONFIG_DIR

log = logging.getLogger("govdash.access")

Clock = Callable[[], float]


# ---------------------------------------------------------------- settings

@dataclass(frozen=True)
class ThrottleRule:
    lock_after: int = 5
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


@dataclass(frozen=True)
class AccessSettings:
    lifetime_hours: float = 8
    cookie_name: str = "govdash_session"
    secure_cookie: str | bool = "auto"
    timezone: str = "Asia/Shanghai"
    client_address_header: str = ""     # behind a reverse proxy: the header carrying the client's address
    public_origins: tuple[str, ...] = ()  # the addresses users type (behind a proxy), besides the server's own
    account: ThrottleRule = field(default_factory=ThrottleRule)
    address: ThrottleRule = field(default_factory=lambda: ThrottleRule(lock_after=20, delay_after=5))

    @property
    def lifetime_seconds(self) -> int:
        return int(self.lifetime_hours * 3600)


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
    base = AccessSettings()
    unknown = set(session) - {"lifetime_hours", "cookie_name", "secure_cookie", "timezone"}
    unknown |= {f"proxy.{k}" for k in set(proxy) - {"client_address_header", "public_origins"}}
    for scope in ("account", "address"):
        unknown |= {f"throttle.{scope}.{k}" for k in set(throttle.get(scope, {})) - set(ThrottleRule.__dataclass_fields__)}
    if unknown:
        raise ValueError(f"{path}: unknown settings {sorted(unknown)}")
    return AccessSettings(
        lifetime_hours=float(session.get("lifetime_hours", base.lifetime_hours)),
        cookie_name=str(session.get("cookie_name", base.cookie_name)),
        secure_cookie=session.get("secure_cookie", base.secure_cookie),
        timezone=str(session.get("timezone", base.timezone)),
        client_address_header=str(proxy.get("client_address_header", "")).strip(),
        public_origins=tuple(str(o).strip().rstrip("/") for o in proxy.get("public_origins", []) if str(o).strip()),
        account=replace(base.account, **throttle.get("account", {})),
        address=replace(base.address, **throttle.get("address", {})),
    )


def state_dir() -> Path:
    """Where the secret, the revocations and the failure counts live: beside the accounts file."""
    env = os.environ.get("GOVDASH_STATE_DIR")
    return Path(env) if env else access.accounts_path().parent


def format_until(ts: float, settings: AccessSettings) -> str:
    """A lock's end as users read it, rounded up to the minute, in the configured zone."""
    from zoneinfo import ZoneInfo

    when = dt.datetime.fromtimestamp(math.ceil(ts / 60) * 60, ZoneInfo(settings.timezone))
    return when.strftime("%Y-%m-%d %H:%M")


def _iso(ts: float, settings: AccessSettings) -> str:
    """An exact instant for the server log, with its UTC offset."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(ts, ZoneInfo(settings.timezone)).isoformat(timespec="seconds")


def _read_json(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        log.warning("unreadable sign-in state %s: starting empty", path)
        return {}


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
            raise ValueError(f"{path}: session secret too short")
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
    """Issues and checks session cookies; keeps the revoked session ids (thread-safe)."""

    def __init__(self, folder: Path, settings: AccessSettings, clock: Clock = time.time, accounts: Path | None = None):
        self.folder = Path(folder)
        self.settings = settings
        self.clock = clock
        self.accounts = accounts
        self._secret = load_secret(self.folder)
        self._lock = threading.Lock()
        self._revoked_path = self.folder / "revoked_sessions.json"
        self._revoked: dict[str, float] = {k: float(v) for k, v in _read_json(self._revoked_path).items()}

    # the binding of a session to the account as it is now
    def _check(self, user: dict, via: str) -> str:
        basis = ("email|" + (user.get("email") or "").lower()) if via == "oidc" else ("password|" + user.get("password", ""))
        return _b64(hmac.new(self._secret, basis.encode("utf-8"), hashlib.sha256).digest()[:16])

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, b"govdash-session-v1|" + payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, username: str, via: str = "password") -> tuple[str, Session]:
        """A new session for an existing account: (cookie value, session)."""
        user = access.load_accounts(self.accounts).get(username)
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
            session = Session(str(body["sid"]), str(body["u"]), float(body["iat"]), float(body["exp"]), str(body.get("via", "password")))
            check = str(body["chk"])
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        now = self.clock()
        if not (session.issued - 60 <= now < session.expires):
            return None
        with self._lock:
            if session.sid in self._revoked:
                return None
        return session, check

    def session(self, value: str | None) -> Session | None:
        """The session a cookie carries when it is genuine, unexpired and not revoked."""
        decoded = self._decode(value)
        return decoded[0] if decoded else None

    def principal(self, value: str | None) -> access.Principal | None:
        """Who a cookie signs in: None when the cookie is not valid, the account is gone, its password
        (or e-mail) changed since, or its role opens no page."""
        decoded = self._decode(value)
        if decoded is None:
            return None
        session, check = decoded
        user = access.load_accounts(self.accounts).get(session.username)
        if user is None or not hmac.compare_digest(self._check(user, session.via), check):
            return None
        role, dept = access.parse_role(user.get("role", ""))
        principal = access.Principal(session.username, role, dept)
        return principal if principal.allowed_pages() else None

    def revoke(self, session: Session) -> None:
        """Sign-out: this session id is refused from now on (kept until the cookie would expire)."""
        now = self.clock()
        with self._lock:
            self._revoked[session.sid] = session.expires
            self._revoked = {sid: exp for sid, exp in self._revoked.items() if exp > now}
            access.write_private(self._revoked_path, json.dumps(self._revoked, indent=0))


# ---------------------------------------------------------------- throttling failed sign-ins

@dataclass
class _Count:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0
    pending_since: float = 0.0    # an attempt of this account is being checked now (not persisted)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = "ok"            # ok | locked | wait | busy
    until: float | None = None    # when an attempt is allowed again
    scope: str | None = None      # account | address


class Throttle:
    """Failed sign-ins per account and per client address: a growing delay, then a lock."""

    PENDING_STALE_SECONDS = 60
    MAX_ENTRIES = 20_000

    def __init__(self, settings: AccessSettings, path: Path | None, clock: Clock = time.time):
        self.settings = settings
        self.path = Path(path) if path else None
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, _Count] = {}
        for key, raw in _read_json(self.path).items():
            try:
                self._counts[key] = _Count(int(raw["failures"]), float(raw["last_failure"]), float(raw["locked_until"]))
            except (KeyError, TypeError, ValueError):
                continue

    def _rule(self, scope: str) -> ThrottleRule:
        return self.settings.account if scope == "account" else self.settings.address

    def _current(self, scope: str, name: str, now: float) -> _Count | None:
        count = self._counts.get(f"{scope}:{name}")
        if count is None:
            return None
        rule = self._rule(scope)
        if count.locked_until and count.locked_until <= now:
            count.failures, count.locked_until = 0, 0.0          # a lock that ran out starts afresh
        elif count.failures and now - count.last_failure > rule.window_minutes * 60:
            count.failures = 0
        return count

    def _verdict(self, scope: str, name: str, now: float) -> Verdict | None:
        count = self._current(scope, name, now)
        if count is None:
            return None
        if count.locked_until > now:
            return Verdict(False, "locked", count.locked_until, scope)
        ready = count.last_failure + self._rule(scope).delay(count.failures)
        if count.failures and ready > now:
            return Verdict(False, "wait", ready, scope)
        return None

    def check(self, account: str, address: str) -> Verdict:
        """Whether an attempt would be checked now (without reserving it)."""
        with self._lock:
            now = self.clock()
            return self._verdict("account", account, now) or self._verdict("address", address, now) or Verdict(True)

    def reserve(self, account: str, address: str) -> Verdict:
        """Atomically: refuse an attempt (locked, too early, or another attempt of this account being
        checked right now), or reserve it. Every reserved attempt must be followed by record()."""
        with self._lock:
            now = self.clock()
            refused = self._verdict("account", account, now) or self._verdict("address", address, now)
            if refused:
                return refused
            count = self._counts.setdefault(f"account:{account}", _Count())
            if count.pending_since and now - count.pending_since < self.PENDING_STALE_SECONDS:
                return Verdict(False, "busy", now + 1, "account")
            count.pending_since = now
            return Verdict(True)

    def record(self, account: str, address: str, ok: bool) -> None:
        """The reserved attempt's outcome: a success starts the account afresh (the address keeps its
        count); a failure counts for both, and may lock them."""
        with self._lock:
            now = self.clock()
            key = f"account:{account}"
            if key in self._counts:
                self._counts[key].pending_since = 0.0
            if ok:
                self._counts.pop(key, None)
            else:
                for scope, name in (("account", account), ("address", address)):
                    count = self._current(scope, name, now) or self._counts.setdefault(f"{scope}:{name}", _Count())
                    count.failures += 1
                    count.last_failure = now
                    rule = self._rule(scope)
                    if count.failures >= rule.lock_after and count.locked_until <= now:
                        count.locked_until = now + rule.lock_minutes * 60
                        log.warning("sign-in %s locked after %d failures: account=%r address=%s until=%s",
                                    scope, count.failures, account, address, _iso(count.locked_until, self.settings))
            self._save(now)

    def failures(self, scope: str, name: str) -> int:
        with self._lock:
            count = self._current(scope, name, self.clock())
            return count.failures if count else 0

    def unlock(self, account: str) -> None:
        """An administrator's early unlock of one account."""
        with self._lock:
            self._counts.pop(f"account:{account}", None)
            self._save(self.clock())

    def _save(self, now: float) -> None:
        keep = {}
        for key, count in self._counts.items():
            scope = key.split(":", 1)[0]
            live = count.locked_until > now or (count.failures and now - count.last_failure <= self._rule(scope).window_minutes * 60)
            if live or count.pending_since:
                keep[key] = count
        if len(keep) > self.MAX_ENTRIES:   # a flood of made-up names: forget the oldest unlocked ones
            unlocked = sorted((k for k, c in keep.items() if c.locked_until <= now), key=lambda k: keep[k].last_failure)
            for key in unlocked[: len(keep) - self.MAX_ENTRIES]:
                del keep[key]
        self._counts = keep
        if self.path is not None:
            data = {k: {"failures": c.failures, "last_failure": c.last_failure, "locked_until": c.locked_until}
                    for k, c in keep.items() if c.failures or c.locked_until > now}
            access.write_private(self.path, json.dumps(data, ensure_ascii=False, indent=0))


# ---------------------------------------------------------------- one sign-in attempt

MAX_USERNAME = 128


@dataclass(frozen=True)
class Attempt:
    outcome: str                           # ok | bad | norole | locked | wait | busy
    principal: access.Principal | None = None
    until: float | None = None
    scope: str | None = None


def attempt_sign_in(username: str, password: str, address: str | None, *, throttle: Throttle,
                    accounts: Path | None = None) -> Attempt:
    """Check a username and password under the throttle; logs every outcome with account and address."""
    username = (username or "").strip()[:MAX_USERNAME]
    address = address or "unknown"
    verdict = throttle.reserve(username, address)
    if not verdict.allowed:
        (log.debug if verdict.reason == "busy" else log.info)("sign-in refused (%s, %s, %.0f s left): account=%r address=%s", verdict.reason, verdict.scope,
                 max(0.0, verdict.until - throttle.clock()), username, address)
        return Attempt(verdict.reason, until=verdict.until, scope=verdict.scope)
    principal = None
    try:
        principal = access.authenticate(username, password or "", accounts) if username else None
    finally:
        throttle.record(username, address, principal is not None)
    if principal is None:
        log.warning("sign-in failed: account=%r address=%s failures=%d (account) %d (address)", username, address,
                    throttle.failures("account", username), throttle.failures("address", address))
        return Attempt("bad")
    if not principal.allowed_pages():
        log.warning("sign-in refused (no role): account=%r address=%s", username, address)
        return Attempt("norole", principal)
    log.info("sign-in: account=%r role=%s address=%s", username, principal.role, address)
    return Attempt("ok", principal)


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
    """The process's one session store (per state folder): what every request and script run checks."""
    settings = shared_settings()
    key = ("sessions", str(state_dir()), str(access.accounts_path()), settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Sessions(state_dir(), settings)
        return _shared[key]


def shared_throttle() -> Throttle:
    settings = shared_settings()
    key = ("throttle", str(state_dir()), settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Throttle(settings, state_dir() / "signin_throttle.json")
        return _shared[key]


def enable_cookie_sessions() -> None:
    """Called when the st.App starts: from then on only the cookie signs a script run in."""
    global _cookie_mode
    _cookie_mode = True


def cookie_sessions_enabled() -> bool:
    return _cookie_mode

def restore_principal() -> access.Principal:
    """Who this script run is for. Served by the st.App (govdash.server), the session cookie alone
    decides, on every run: a refresh or a link opened later keeps the user signed in, and a session
    that expired or was signed out (in any tab) ends at the next run. Without the st.App (AppTest),
    the session state that a test or OpenID Connect set."""
    import streamlit as st

    if not cookie_sessions_enabled():
        return access.sign_in_from_oidc() or access.current_principal()
    value = st.context.cookies.get(shared_settings().cookie_name)
    principal = shared_sessions().principal(value) if value else None
    if principal is None:
        st.session_state.pop("principal", None)
        return access.NOBODY
    st.session_state["principal"] = principal
    return principal
