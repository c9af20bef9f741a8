"""The sign-in side without a network: fresh accounts and sign-in state, the guard in front of stand-ins for
Streamlit's routes, and one ASGI request at a time. The fixtures are registered by tests/conftest.py."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from govdash.records import accounts as account_store
from tests.support.paths import REPO


@pytest.fixture
def state(tmp_path, monkeypatch):
    """Accounts and the sign-in state (secret, revocations, failures) in a fresh folder."""
    from govdash.web import sessions

    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))
    monkeypatch.delenv("GOVDASH_STATE_DIR", raising=False)
    account_store.set_user("chair", "committee", "chair-password-1")
    account_store.set_user("d13", "department:D13", "d13-password-1")
    return tmp_path, sessions.load_settings(REPO / "config" / "access.toml")


def asgi(app, method: str, path: str, cookies: dict | None = None, form: dict | None = None,
         headers: dict | None = None):
    """One request to an ASGI app without a network: (status, headers as a list of pairs, body text)."""
    import asyncio
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(path)
    hdrs = {"host": "127.0.0.1:8501", **(headers or {})}
    body = b""
    if form is not None:
        body = urlencode(form).encode()
        hdrs["content-type"] = "application/x-www-form-urlencoded"
        hdrs["content-length"] = str(len(body))
    if cookies:
        hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    scope = {"type": "http", "http_version": "1.1", "method": method, "scheme": "http", "path": parts.path,
             "raw_path": parts.path.encode(), "query_string": parts.query.encode(), "root_path": "",
             "headers": [(k.encode(), v.encode()) for k, v in hdrs.items()], "client": ("10.2.3.4", 50000),
             "server": ("127.0.0.1", 8501)}
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode("utf-8")
    return start["status"], [(k.decode(), v.decode()) for k, v in start["headers"]], text


def header(headers, name):
    return [v for k, v in headers if k == name]


@pytest.fixture
def guarded_app(state, tmp_path, monkeypatch):
    """The sign-in routes and the guard in front of stand-ins for Streamlit's page and media routes."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    from govdash.web import server

    fast = tmp_path / "access.toml"   # the default rules with delays of a few milliseconds
    fast.write_text((REPO / "config" / "access.toml").read_text(encoding="utf-8")
                    .replace("delay_base_seconds = 1", "delay_base_seconds = 0.001")
                    .replace("delay_max_seconds = 30", "delay_max_seconds = 0.01"), encoding="utf-8")
    monkeypatch.setenv("GOVDASH_ACCESS_SETTINGS", str(fast))
    users = account_store.load_accounts()
    account_store.set_user("mayor", "committee", "mayor-password-1")
    users = account_store.load_accounts()
    users["mayor"]["role"] = "mayor"
    account_store.save_accounts(users)

    async def media(request):
        return Response(b"PK-bulletin", media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def index(request):
        return PlainTextResponse("streamlit index.html")

    return Starlette(routes=server.routes() + [Route("/media/{f}", media), Route("/{p:path}", index)],
                     middleware=[Middleware(server.AccessGuard)])


def settings_file(work: Path) -> Path:
    """The shipped rules, with the client's address read from X-Real-IP and delays of milliseconds."""
    path = work / "access.toml"
    path.write_text((REPO / "config" / "access.toml").read_text(encoding="utf-8")
                    .replace('client_address_header = ""', 'client_address_header = "X-Real-IP"')
                    .replace("delay_base_seconds = 1", "delay_base_seconds = 0.001")
                    .replace("delay_max_seconds = 30", "delay_max_seconds = 0.005"), encoding="utf-8")
    return path


@pytest.fixture
def full_filesystem(tmp_path):
    """A 1 MiB tmpfs for the sign-in state (root only: room for the records database's SQLite file and its log);
    `fill()` fills it, `free()` empties it again."""
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for a full filesystem (needs root): {mounted.stderr.strip()}")

    class Disk:
        path = folder
        filler = folder / "filler"

        def fill(self) -> None:
            with open(self.filler, "wb", buffering=0) as fh:
                try:
                    while True:
                        fh.write(b"\0" * 4096)
                except OSError:
                    pass
            assert shutil.disk_usage(folder).free < 4096

        def free(self) -> None:
            self.filler.unlink()

    try:
        yield Disk()
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        if os.path.ismount(folder):
            subprocess.run(["umount", "-l", str(folder)], check=False)
