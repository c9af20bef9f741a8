"""The HTTP side of signing in: the routes and middleware app.py hands to st.App (ASGI/Starlette).

Streamlit talks to the browser over a websocket, where no cookie can be set, so signing in and out
are plain HTTP here:

- `GET  /account/sign-in?next=/whistle` — the sign-in form (Chinese, self-contained: nothing is
  loaded from another host). `POST` checks the password under the throttle (govdash.web.sessions), sets
  the signed, HttpOnly, SameSite=Lax session cookie and answers 303 to `next`.
  A successful sign-in also sets the long-lived "known device" cookie (HttpOnly, path /account/), which
  lets this browser sign in to that account while the account is under attack from elsewhere.
- `POST /account/sign-out` — revokes the session server-side, deletes the cookie, back to the form.
- Sign-in state that cannot be read or written (a full disk, a garbled state file, a broken accounts
  file) answers a Chinese page with 503 and Retry-After on every route here and in the guard; the
  cause goes to the server log.
- `AccessGuard` (middleware) — a page load (`/`, `/whistle`, …) without a valid cookie is sent to the
  form with `next`; `/media/*` (st.download_button's files), uploads, the app's static folder and
  every `/_stcore/` endpoint but the health check and host-config answer 403 without one. The
  websocket (`/_stcore/stream`, where every page is drawn) is refused at its handshake without a
  valid cookie, and a websocket or form post from another origin (another port of the same host
  included: SameSite=Lax sends the cookie there) is refused too. A browser's "clear cache" message
  (`BackMsg.clear_cache`, which would empty every user's caches) is dropped before Streamlit sees it.
  Every response carries the anti-framing, no-sniff and referrer headers (SECURITY_HEADERS).
- Downloads belong to whoever asked: a `/media/` file is served only to the sign-in session whose
  script run made it (MediaOwners, bound to Streamlit's media file manager in the lifespan).
- `lifespan` — everything heavy a first page run touches is imported and exercised before the server
  accepts its first connection (concurrent first imports of pandas/plotly in many sessions break).

Every script run then reads the cookie back from st.context.cookies (govdash.web.sessions.restore_principal).
"""
from __future__ import annotations

import asyncio
import html
import importlib
import logging
import math
import sys
import threading
import time
from collections import OrderedDict
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from govdash.records import accounts
from govdash.web import registry, sessions

log = logging.getLogger("govdash.access")

SIGN_IN = "/account/sign-in"
SIGN_OUT = "/account/sign-out"
MEDIA_REFUSED = "403 无权访问：此文件只提供给已登录的用户。请先登录看板，再从页面重新下载。"
MEDIA_NOT_YOURS = "403 无权访问：此文件是为另一位用户的页面生成的。请在您自己的页面上重新下载。"
OTHER_ORIGIN = {SIGN_IN: "403 登录请求来自其他网站，已拒绝。", SIGN_OUT: "403 退出请求来自其他网站，已拒绝。"}
OTHER_ORIGIN_DEFAULT = "403 请求来自其他网站，已拒绝。"
SERVER_ERROR = "500 服务器内部错误，请稍后重试。如果问题持续，请联系管理员。"
# Streamlit's endpoints that the sign-in form and a browser before its page need: no cookie needed
PUBLIC_STCORE = ("/_stcore/health", "/_stcore/host-config")
# paths that need a signed-in cookie, else 403 (files made for a user, uploads, the app's static folder,
# and every other endpoint of Streamlit's: metrics name the caches and their sizes, the agent API runs pages)
PROTECTED_PREFIXES = ("/media/", "/_stcore/", "/app/static/")
# Streamlit's assets, its OIDC routes, and ours: no cookie needed
PUBLIC_PREFIXES = ("/static/", "/component/", "/auth/", "/oauth2callback", "/account/")
MEDIA_PREFIX = "/media/"
# on every response: no page of the dashboard inside another site's frame, no content-type guessing,
# no address of a page sent to another site
SECURITY_HEADERS = (("x-frame-options", "DENY"), ("content-security-policy", "frame-ancestors 'none'"),
                    ("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"))
# messages a browser may send over the websocket that no user of the dashboard may: "clear cache"
# empties the caches of every user (the warehouse connection included)
REFUSED_BACK_MESSAGES = frozenset({"clear_cache"})
OIDC_USER_COOKIE = "_streamlit_user"
BUSY_WAIT_SECONDS = 10   # how long a sign-in waits for another attempt of the same account being checked

FAVICON_SVG = ("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'><rect width='64' height='64' rx='12' "
               "fill='#1f4e79'/><rect x='12' y='34' width='9' height='18' fill='#fff'/><rect x='27.5' y='22' width='9' "
               "height='30' fill='#fff'/><rect x='43' y='12' width='9' height='40' fill='#fff'/></svg>")
FAVICON_DATA_URL = "data:image/svg+xml," + quote(FAVICON_SVG)


# ---------------------------------------------------------------- helpers

def safe_next(value: str | None) -> str:
    """Only a path on this server (no scheme, host, `//` or backslash), never the account pages."""
    if not value or not value.startswith("/") or value.startswith("//") or any(c in value for c in "\\\r\n\t"):
        return "/"
    if value.startswith("/account/"):
        return "/"
    return value


def _client_address(request: HTTPConnection) -> str:
    """The connection's address, or behind a reverse proxy the one it passes on (settings: [proxy]);
    of a list (X-Forwarded-For) the last entry, the one the proxy itself added."""
    header = sessions.shared_settings().client_address_header
    if header and request.headers.get(header):
        return request.headers[header].split(",")[-1].strip()[:64]
    return request.client.host if request.client else "unknown"


def _origin_text(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower case and without the scheme's default port (None: not a web URL)."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def own_origins(conn: HTTPConnection) -> set[str]:
    """The origins a page of this server is loaded from: the scheme and Host of the request (ws/wss read as
    http/https), behind a declared proxy its X-Forwarded-Host (with X-Forwarded-Proto, else either scheme), and
    the configured public origins ([proxy] public_origins)."""
    scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    candidates = []
    if conn.headers.get("host"):
        candidates.append(f"{scheme}://{conn.headers['host']}")
    # a proxy's headers count only where the operator declared a proxy ([proxy] client_address_header): without
    # one, anyone could write them
    behind_proxy = bool(sessions.shared_settings().client_address_header)
    forwarded = conn.headers.get("x-forwarded-host", "").split(",")[0].strip() if behind_proxy else ""
    if forwarded:
        proto = conn.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        candidates += [f"{p}://{forwarded}" for p in ([proto] if proto in ("http", "https") else ["http", "https"])]
    candidates += sessions.shared_settings().public_origins
    return {o for o in map(_origin_text, candidates) if o}


def origin_allowed(conn: HTTPConnection) -> bool:
    """A browser names the page a websocket or a form post comes from (Origin, else Referer); one from
    another origin may not use this server with the user's cookie — another port of the same host
    included, where SameSite=Lax still sends it. No header: not a browser (no cross-site request
    without one)."""
    origin = conn.headers.get("origin") or conn.headers.get("referer")
    if not origin:
        return True
    allowed = own_origins(conn)
    if _origin_text(origin) in allowed:
        return True
    log.warning("%s refused: origin %s is not this server (%s) address=%s", conn.url.path, origin[:200],
                sorted(allowed), _client_address(conn))
    return False


def _secure(request: Request, settings: sessions.AccessSettings) -> bool:
    if settings.secure_cookie is True or str(settings.secure_cookie).lower() == "true":
        return True
    return str(settings.secure_cookie).lower() == "auto" and request.url.scheme == "https"


def _set_session_cookie(response: Response, request: Request, value: str) -> None:
    settings = sessions.shared_settings()
    response.set_cookie(settings.cookie_name, value, max_age=settings.lifetime_seconds, path="/", httponly=True,
                        samesite="lax", secure=_secure(request, settings))


def _delete_session_cookie(response: Response, request: Request) -> None:
    settings = sessions.shared_settings()
    response.delete_cookie(settings.cookie_name, path="/", httponly=True, samesite="lax",
                           secure=_secure(request, settings))


DEVICE_COOKIE_PATH = "/account/"   # sent to the sign-in and sign-out routes only


def _set_device_cookie(response: Response, request: Request, value: str) -> None:
    """The known-device cookie (govdash.web.sessions.Sessions.device_cookie): long-lived, HttpOnly, bound to
    the accounts signed in from this browser; it never signs anyone in by itself."""
    settings = sessions.shared_settings()
    response.set_cookie(settings.device_cookie_name, value, max_age=settings.device_lifetime_seconds,
                        path=DEVICE_COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request, settings))


def request_principal(request: HTTPConnection) -> accounts.Principal | None:
    """Who the request's session cookie signs in (None: no cookie, or not valid any more)."""
    value = request.cookies.get(sessions.shared_settings().cookie_name)
    return sessions.shared_sessions().principal(value) if value else None


def request_session(request: HTTPConnection) -> sessions.Session | None:
    """The sign-in session of the request's cookie (None: none, or not valid any more)."""
    return sessions.shared_sessions().session(request.cookies.get(sessions.shared_settings().cookie_name))


def _oidc_email(request: Request) -> str | None:
    """The e-mail of a user signed in through st.login (Streamlit's signed identity cookie)."""
    if not any(name.startswith(OIDC_USER_COOKIE) for name in request.cookies) or not sessions.oidc_configured():
        return None
    try:
        import json

        from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

        raw = _get_signed_cookie_with_chunks(dict(request.cookies), OIDC_USER_COOKIE)
        info = json.loads(raw) if raw else {}
    except Exception:  # noqa: BLE001 — an unreadable identity cookie is no identity
        return None
    return info.get("email") if info.get("is_logged_in") else None


# ---------------------------------------------------------------- the sign-in page

STYLE = """<style>
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: #f4f6f9;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #1f2933; }
main { width: 100%; max-width: 380px; background: #fff; border: 1px solid #dde3ea; border-radius: 10px; padding: 32px 36px 28px; }
h1 { margin: 0 0 6px; font-size: 28px; font-weight: 700; }
.caption { margin: 0 0 22px; color: #6b7785; font-size: 14px; }
label { display: block; margin: 14px 0 6px; font-size: 14px; }
input { box-sizing: border-box; width: 100%; padding: 9px 11px; font: inherit; font-size: 15px; border: 1px solid #c5ced8;
  border-radius: 6px; background: #f9fafb; }
input:focus { outline: 2px solid #1f4e79; background: #fff; }
button, .button { display: block; box-sizing: border-box; width: 100%; margin-top: 22px; padding: 10px; font: inherit; font-size: 15px;
  color: #fff; background: #1f4e79; border: 0; border-radius: 6px; cursor: pointer; text-align: center; text-decoration: none; }
.button.secondary { color: #1f4e79; background: #fff; border: 1px solid #1f4e79; margin-top: 0; }
.alert { margin: 0 0 16px; padding: 10px 12px; border-radius: 6px; font-size: 14px; line-height: 1.6; }
.error { background: #fdecea; color: #8a1c12; } .warning { background: #fff6e0; color: #6b4a00; } .info { background: #e8f1fb; color: #17406b; }
.divider { margin: 20px 0; border-top: 1px solid #e3e8ee; }
</style>"""  # noqa: E501 — the sign-in page's CSS, one rule a line, is served as written; a wrap would change its bytes

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 社区治理绩效评价看板</title><link rel="icon" href="{favicon}">
{style}</head>
<body><main>
<h1>登录</h1>
<p class="caption">社区治理绩效评价看板 · 请使用分配给您的账号登录</p>
{alerts}{oidc}
<form method="post" action="{action}" autocomplete="on">
<input type="hidden" name="next" value="{next}">
<label for="username">用户名</label>
<input id="username" name="username" value="{username}" autocomplete="username" maxlength="128" required{focus_user}>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{focus_password}>
<button type="submit">登录</button>
</form>
</main></body></html>
"""

NOTICES = {
    "signed-out": ("info", "您已退出登录。"),
    "expired": ("warning", "登录已过期或已在别处退出，请重新登录。"),
}


def _oidc_button() -> str:
    if not sessions.oidc_configured():
        return ""
    try:
        from streamlit.auth_util import validate_auth_credentials
        from streamlit.user_info import generate_login_redirect_url

        validate_auth_credentials("default")
        url = generate_login_redirect_url("default")
    except Exception as exc:  # noqa: BLE001 — a misconfigured [auth] section hides the button, the form still works
        log.warning("OIDC sign-in not offered: %s", exc)
        return ""
    return (f'<a class="button secondary" href="{html.escape(url)}">使用单位统一身份认证登录</a>'
            '<div class="divider"></div>')


PAGE_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action "
                                           "'self'; frame-ancestors 'none'; base-uri 'none'"}

NOTICE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 社区治理绩效评价看板</title><link rel="icon" href="{favicon}">
{style}</head>
<body><main>
<h1>{title}</h1>
<p class="caption">社区治理绩效评价看板</p>
<div class="alert error" role="alert">{text}</div>
<a class="button" href="{action}">返回登录页</a>
</main></body></html>
"""
STATE_RETRY_SECONDS = 60   # Retry-After of a 503: the state folder needs an administrator, not a quick retry


def unavailable_page(exc: sessions.SignInStateError, where: str, request: Request) -> HTMLResponse:
    """The sign-in state cannot be read or written: a Chinese page, 503, the cause in the log."""
    log.error("sign-in state unavailable (%s, %s): %s address=%s", where, exc.kind, exc, _client_address(request))
    signing_out = where == "sign_out"
    body = NOTICE_PAGE.format(title="暂时无法退出" if signing_out else "暂时无法登录", favicon=FAVICON_DATA_URL,
                              style=STYLE,
                              action=SIGN_IN, text=html.escape(sessions.unavailable_text(exc.kind, signing_out)))
    response = HTMLResponse(body, status_code=503, headers={**PAGE_HEADERS, "Retry-After": str(STATE_RETRY_SECONDS)})
    return response


def failure_page(where: str, request: Request, exc: BaseException) -> HTMLResponse:
    """An unexpected error in a sign-in route: a Chinese page with an incident id, the traceback in the log."""
    from govdash.web import incidents

    incident = incidents.record(exc, f"unexpected error in {where} address={_client_address(request)}")
    body = NOTICE_PAGE.format(title="登录出错", favicon=FAVICON_DATA_URL, style=STYLE, action=SIGN_IN,
                              text=html.escape(f"登录服务出现意外错误（事件编号 {incident}）。请稍后再试；"
                                               "如仍出现，请把事件编号告诉系统管理员。"))
    return HTMLResponse(body, status_code=500, headers=PAGE_HEADERS)


def answers_in_chinese(handler):
    """A sign-in route whose every failure is a Chinese page: 503 when the sign-in state is unavailable,
    500 with an incident id for anything unexpected (never Starlette's English "Internal Server Error")."""
    import functools

    @functools.wraps(handler)
    async def route(request: Request) -> Response:
        try:
            return await handler(request)
        except sessions.SignInStateError as exc:
            # the cookie stays: a sign-out the disk refused is retried with it once the state can be written
            return unavailable_page(exc, handler.__name__, request)
        except Exception as exc:  # noqa: BLE001 — shown as a page with an incident id, logged with its traceback
            return failure_page(handler.__name__, request, exc)
    return route


def sign_in_page(next_path: str = "/", username: str = "", alerts: list[tuple[str, str]] = (), status: int = 200,
                 headers: dict | None = None) -> HTMLResponse:
    if not accounts.has_accounts():
        alerts = [*alerts, ("warning", "尚未创建任何账号。请管理员运行：govdash user add <用户名> --role committee")]
    body = PAGE.format(
        style=STYLE, favicon=FAVICON_DATA_URL, action=SIGN_IN, next=html.escape(safe_next(next_path)),
        username=html.escape(username),
        focus_user="" if username else " autofocus", focus_password=" autofocus" if username else "",
        oidc=_oidc_button(),
        alerts="".join(f'<div class="alert {kind}" role="alert">{html.escape(text)}</div>' for kind, text in alerts))
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def refusal_text(attempt: sessions.Attempt, username: str, address: str, now: float) -> str:
    settings = sessions.shared_settings()
    if attempt.outcome == "locked":
        until = sessions.format_until(attempt.until, settings)
        if attempt.scope == "address":
            return f"本机地址（{address}）登录失败次数过多，已被暂时锁定，请于 {until} 后再试。"
        if attempt.scope == "device":
            return (f"账号“{username}”在本浏览器连续 {settings.device.lock_after} 次登录失败，已被暂时锁定，"
                    f"请于 {until} 后再试。")
        return (f"账号“{username}”从本机地址连续 {settings.account.lock_after} 次登录失败，已被暂时锁定，请于 {until} "
                "后再试（锁定期间从本机地址即使密码正确也无法登录；此前成功登录过该账号的浏览器不受影响）。")
    if attempt.outcome == "wait":
        seconds = max(1, math.ceil(attempt.until - now))
        if attempt.scope == "account_total":
            return (f"账号“{username}”近期从多处登录失败次数过多，请 {seconds} 秒后再试；"
                    "此前成功登录过该账号的浏览器不受此限制。如非本人操作，请告知基层治理委员会。")
        return f"登录尝试过于频繁，请 {seconds} 秒后再试。"
    if attempt.outcome == "busy":
        return "正在验证该账号的上一次登录，请稍候再试。"
    if attempt.outcome == "norole":
        return f"账号“{username}”没有可用的角色，无法查看任何内容。请联系管理员。"
    return "用户名或密码不正确。"


@answers_in_chinese
async def sign_in_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if request_principal(request) is not None:
        return RedirectResponse(next_path, status_code=303)
    alerts = [NOTICES[m] for m in [request.query_params.get("m")] if m in NOTICES]
    email = await run_in_threadpool(_oidc_email, request)
    if email is not None:
        if registry.allowed_pages(accounts.principal_for_email(email)):
            return RedirectResponse(next_path, status_code=303)   # the page load there issues the session
        alerts.append(("error", "您的统一身份认证账号没有对应的看板账号或角色，无法查看任何内容。请联系管理员。"))
    return sign_in_page(next_path, alerts=alerts)


@answers_in_chinese
async def sign_in_submit(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip()[: sessions.MAX_USERNAME]
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "/")))
    address = _client_address(request)
    throttle = sessions.shared_throttle()
    store = sessions.shared_sessions()
    device_value = request.cookies.get(sessions.shared_settings().device_cookie_name)
    device = store.known_device(device_value, username) if device_value and username else None
    # One attempt per account is checked at a time; others of the same account queue here (without
    # holding a thread) and are then judged afresh: after a success they go in, after a failure the
    # growing delay refuses them. Several people (or the load benchmark) may share one account.
    deadline = throttle.clock() + BUSY_WAIT_SECONDS
    while True:
        attempt = await run_in_threadpool(sessions.attempt_sign_in, username, password, address, throttle=throttle,
                                          device=device)
        if attempt.outcome != "busy" or throttle.clock() >= deadline:
            break
        await asyncio.sleep(0.05)
    if attempt.outcome == "ok":
        value, _ = store.issue(attempt.principal.username)
        response = RedirectResponse(next_path, status_code=303)
        _set_session_cookie(response, request, value)
        _set_device_cookie(response, request, store.device_cookie(device_value, attempt.principal.username))
        return response
    now = throttle.clock()
    text = refusal_text(attempt, username, address, now)
    if attempt.outcome in ("locked", "wait", "busy"):
        retry = str(max(1, math.ceil((attempt.until or now + 1) - now)))
        return sign_in_page(next_path, username, [("error", text)], status=429, headers={"Retry-After": retry})
    return sign_in_page(next_path, username, [("error", text)], status=403 if attempt.outcome == "norole" else 401)


@answers_in_chinese
async def sign_out(request: Request) -> Response:
    store = sessions.shared_sessions()
    session = store.session(request.cookies.get(sessions.shared_settings().cookie_name))
    if session is not None:
        store.revoke(session)
        log.info("sign-out: account=%r address=%s", session.username, _client_address(request))
    # a user signed in through OIDC also leaves Streamlit's identity cookie (and the provider) behind
    oidc = any(name.startswith(OIDC_USER_COOKIE) for name in request.cookies)
    response = RedirectResponse("/auth/logout" if oidc else f"{SIGN_IN}?m=signed-out", status_code=303)
    _delete_session_cookie(response, request)
    return response


# ---------------------------------------------------------------- the guard

def classify(method: str, path: str) -> str:
    """'protected' (cookie or 403), 'page' (cookie or the sign-in form), or 'public'."""
    if path in PUBLIC_STCORE:
        return "public"
    if path.startswith(PROTECTED_PREFIXES):
        return "protected"
    if path.startswith(PUBLIC_PREFIXES) or method not in ("GET", "HEAD"):
        return "public"
    if "." in path.rsplit("/", 1)[-1]:   # /favicon.png, /manifest.json: Streamlit's files, no page
        return "public"
    return "page"


def with_security_headers(send):
    """`send` adding SECURITY_HEADERS to a response's start (those it sets itself, e.g. the sign-in form's
    stricter Content-Security-Policy, stay)."""
    async def send_with_headers(message):
        if message["type"] in ("http.response.start", "websocket.http.response.start"):
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS:
                if name not in headers:
                    headers.append(name, value)
        await send(message)

    return send_with_headers


def refused_back_message(data: bytes | None) -> str | None:
    """The kind of a websocket frame from the browser when it is one no user may send (REFUSED_BACK_MESSAGES)."""
    if not data:
        return None
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    try:
        message.ParseFromString(data)
    except Exception:  # noqa: BLE001 — not a BackMsg: Streamlit itself closes the socket for it
        return None
    kind = message.WhichOneof("type")
    return kind if kind in REFUSED_BACK_MESSAGES else None


def media_file_id(path: str) -> str:
    """The file id in a download's address: /media/<id>.<ext>."""
    return path[len(MEDIA_PREFIX):].split("/", 1)[0].split(".", 1)[0]


class AccessGuard:
    """ASGI middleware in front of Streamlit: page loads, files and the websocket need a valid session
    cookie; websockets and posts need this server's origin; every response gets SECURITY_HEADERS."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = with_security_headers(send)
        request = Request(scope)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not origin_allowed(request):
            text = OTHER_ORIGIN.get(scope["path"], OTHER_ORIGIN_DEFAULT)
            await PlainTextResponse(text, status_code=403, headers={"Cache-Control": "no-store"})(scope, receive, send)
            return
        kind = classify(scope["method"], scope["path"])
        if kind == "public":
            await self.app(scope, receive, send)
            return
        minted = None
        try:
            principal = request_principal(request)
            if principal is None and kind == "page":
                principal, minted = await run_in_threadpool(self._from_oidc, request)
        except sessions.SignInStateError as exc:
            await unavailable_page(exc, "page guard", request)(scope, receive, send)
            return
        if principal is None:
            if kind == "protected":
                log.info("refused %s without a valid session: address=%s", scope["path"], _client_address(request))
                await PlainTextResponse(MEDIA_REFUSED, status_code=403,
                                        headers={"Cache-Control": "no-store"})(scope, receive, send)
                return
            target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string")
                                      else "")
            had_cookie = sessions.shared_settings().cookie_name in request.cookies
            response = RedirectResponse(f"{SIGN_IN}?next={quote(safe_next(target), safe='/')}"
                                        + ("&m=expired" if had_cookie else ""),
                                        status_code=303, headers={"Cache-Control": "no-store"})
            if had_cookie:
                _delete_session_cookie(response, request)
            await response(scope, receive, send)
            return
        if scope["path"].startswith(MEDIA_PREFIX):
            session = request_session(request)
            file_id = media_file_id(scope["path"])
            if session is None or not media_owners.owned_by(file_id, session.sid):
                log.warning("refused %s: made for another sign-in session (account=%r address=%s)", scope["path"],
                            principal.username, _client_address(request))
                await PlainTextResponse(MEDIA_NOT_YOURS, status_code=403,
                                        headers={"Cache-Control": "no-store"})(scope, receive, send)
                return
        if minted is None:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", minted)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _websocket(self, scope, receive, send):
        """The websocket draws every page: refused at its handshake (HTTP 403) without a valid session cookie
        or from another origin, before Streamlit reads a single message; once open, the messages no user
        may send are dropped."""
        conn = HTTPConnection(scope)
        reason = None
        if not origin_allowed(conn):
            reason = "another origin"
        else:
            try:
                if request_principal(conn) is None:
                    reason = "no valid session"
            except sessions.SignInStateError as exc:   # nothing can be checked: nothing is drawn
                reason = f"sign-in state unavailable: {exc.kind}"
        if reason is not None:
            log.warning("websocket %s refused (%s): address=%s", scope["path"], reason, _client_address(conn))
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008, "reason": ""})
            return

        async def receive_allowed():
            while True:
                message = await receive()
                if message["type"] == "websocket.receive":
                    kind = refused_back_message(message.get("bytes"))
                    if kind is not None:
                        log.warning("websocket message %s dropped: address=%s", kind, _client_address(conn))
                        continue
                return message

        await self.app(scope, receive_allowed, send)

    @staticmethod
    def _from_oidc(request: Request):
        """A user back from st.login's provider: the account with that e-mail gets a session cookie."""
        email = _oidc_email(request)
        if email is None:
            return None, None
        principal = accounts.principal_for_email(email)
        if not registry.allowed_pages(principal):
            log.warning("OIDC sign-in without a role: email=%r address=%s", email, _client_address(request))
            return None, None
        value, _ = sessions.shared_sessions().issue(principal.username, via="oidc")
        carrier = Response()
        _set_session_cookie(carrier, request, value)
        log.info("sign-in (OIDC): account=%r email=%r address=%s", principal.username, email, _client_address(request))
        return principal, carrier.headers["set-cookie"]


# ---------------------------------------------------------------- what app.py gives st.App

def _setup_logging() -> None:
    logger = logging.getLogger("govdash")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class MediaOwners:
    """Which sign-in sessions (their `sid`) each `/media/` file was made for. Streamlit keeps a download's
    bytes by the script run that made it, but serves them to anyone holding the link; here the script run's
    websocket cookie is recorded when the file is made (a download button drawn, or a deferred download
    computed), and the guard serves the file only to a request carrying the same sign-in session. Files are
    named by their content, so one file made by several sessions belongs to each of them. The oldest
    records are forgotten past `limit` (their files are long gone from Streamlit's memory by then)."""

    def __init__(self, limit: int = 50_000):
        self.limit = limit
        self._owners: OrderedDict[str, set[str]] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, file_id: str, sid: str) -> None:
        with self._lock:
            self._owners.setdefault(file_id, set()).add(sid)
            self._owners.move_to_end(file_id)
            while len(self._owners) > self.limit:
                self._owners.popitem(last=False)

    def owned_by(self, file_id: str, sid: str) -> bool:
        with self._lock:
            return sid in self._owners.get(file_id, ())


media_owners = MediaOwners()


def _sid_of_streamlit_session(runtime, session_id: str | None) -> str | None:
    """The sign-in session whose cookie opened Streamlit session `session_id`'s websocket."""
    client = runtime.get_client(session_id) if session_id else None
    if client is None:
        return None
    value = dict(client.client_context.cookies).get(sessions.shared_settings().cookie_name)
    session = sessions.shared_sessions().session(value)
    return session.sid if session else None


def bind_media_files(runtime) -> None:
    """Records, for every file Streamlit's media file manager makes, the sign-in session it is made for
    (media_owners): `add` runs in the script run of the session that draws the button, a deferred download
    is computed for the session that registered it."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    manager = runtime.media_file_mgr
    if getattr(manager, "_govdash_bound", False):
        return
    add, execute_deferred = manager.add, manager.execute_deferred

    def _record(url: str, session_id: str | None) -> None:
        sid = _sid_of_streamlit_session(runtime, session_id)
        if sid is not None and url.startswith(MEDIA_PREFIX):
            media_owners.record(media_file_id(url), sid)

    def add_for_session(*args, **kwargs):
        url = add(*args, **kwargs)
        ctx = get_script_run_ctx()
        _record(url, ctx.session_id if ctx else None)
        return url

    def execute_deferred_for_session(file_id: str) -> str:
        entry = manager._deferred_callables.get(file_id) or {}
        url = execute_deferred(file_id)
        _record(url, entry.get("session_id"))
        return url

    manager.add, manager.execute_deferred = add_for_session, execute_deferred_for_session
    manager._govdash_bound = True


# what a page's first run imports on first use: imported once before serving, not by ten sessions at a time
WARM_MODULES = ("numpy", "pandas", "pandas.io.formats.style", "pyarrow", "polars", "duckdb", "docx",
                "plotly.express", "plotly.graph_objects", "plotly.io", "plotly.tools",
                "govdash.web.data", "govdash.web.widgets", "govdash.web.tables", "govdash.web.chrome",
                "govdash.web.case_panel", "govdash.figures.catalogue", "govdash.figures.assessment",
                "govdash.figures.bulletin",
                "govdash.documents.charts", "govdash.documents.documents", "govdash.documents.bulletin_body",
                "govdash.documents.pdf",
                "govdash.documents.publication", "govdash.web.publish_panel", "pipelines.ingest", "pipelines.limits")


def _warm_up() -> None:
    """Imports what the pages use, then draws one figure of every kind the pages draw and turns a table into
    what st.dataframe sends, so plotly's and pandas' lazy first-use imports are done too."""
    for name in WARM_MODULES:
        importlib.import_module(name)
    import pandas as pd
    import plotly.express as px
    import plotly.graph_objects as go
    import plotly.io as pio
    import polars as pl
    from streamlit import dataframe_util

    frame = pd.DataFrame({"部门": ["甲", "乙"], "月份": ["2024年1月", "2024年2月"], "件数": [1, 2]})
    figures = [px.bar(frame, x="部门", y="件数"), px.line(frame, x="月份", y="件数"), px.box(frame, y="件数"),
               px.histogram(frame, x="件数"), px.scatter(frame, x="部门", y="件数"),
               go.Figure(go.Funnel(y=["a", "b"], x=[2, 1])), go.Figure(go.Heatmap(z=[[1, 2]])),
               go.Figure(go.Sankey(node={"label": ["a", "b"]}, link={"source": [0], "target": [1], "value": [1]}))]
    for fig in figures:
        pio.to_json(fig, validate=False)
    dataframe_util.convert_anything_to_arrow_bytes(pl.from_pandas(frame))
    dataframe_util.convert_anything_to_arrow_bytes(frame)


@asynccontextmanager
async def lifespan(_app):
    _setup_logging()
    # app.py routes with st.navigation. Until a first run has called it, Streamlit treats an app with a
    # pages/ folder as an old-style one: the first session after a start would resolve a page's link
    # (/whistle) against pages/*.py file names, say "Page not found" and fall back to the first page.
    from streamlit.runtime import Runtime
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    sessions.enable_cookie_sessions()
    store, throttle = sessions.shared_sessions(), sessions.shared_throttle()
    if Runtime.exists():
        bind_media_files(Runtime.instance())
    # uvicorn accepts no connection until this hook yields: the first page runs find everything loaded
    started = time.perf_counter()
    await asyncio.to_thread(_warm_up)
    log.info("warm-up done in %.1f s", time.perf_counter() - started)
    log.info("sign-in: sessions last %s h; state in %s; lock after %d failures (account) / %d (address)",
             store.settings.lifetime_hours, store.folder, throttle.settings.account.lock_after,
             throttle.settings.address.lock_after)
    yield


async def server_error(request: Request, exc: Exception) -> Response:
    """An error no route handled: a Chinese sentence (the traceback goes to the server log), with the
    security headers (Starlette answers it outside the middleware)."""
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return PlainTextResponse(SERVER_ERROR, status_code=500, headers={"Cache-Control": "no-store",
                                                                     **dict(SECURITY_HEADERS)})


def routes() -> list[Route]:
    return [Route(SIGN_IN, sign_in_form, methods=["GET"]), Route(SIGN_IN, sign_in_submit, methods=["POST"]),
            Route(SIGN_OUT, sign_out, methods=["POST"])]


def app_options() -> dict:
    """st.App(script, **app_options()): the sign-in routes, the guard, and the start-up hook."""
    from govdash.web.incidents import on_script_error

    return {"routes": routes(), "middleware": [Middleware(AccessGuard)], "lifespan": lifespan,
            "on_script_error": on_script_error, "exception_handlers": {Exception: server_error}}


def defines_guarded_app(script: Path) -> bool:
    """Whether `script` defines an st.App, which `streamlit run` then serves with the sign-in form, the session
    cookie and the guard on pages and downloads; without one every page would be open (`govdash serve` refuses)."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    return discover_asgi_app(script).is_asgi_app
