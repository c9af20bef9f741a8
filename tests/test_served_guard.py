"""The websocket and every route are part of the signed-in app, against `streamlit run app.py` (the st.App)
on a sample-city warehouse, with a raw websocket client speaking Streamlit's protobuf messages:

- `/_stcore/stream` without a valid session cookie, or from another origin (another port of the same host
  included), is refused at the handshake; with the cookie and the page's own origin it draws the page;
- a "clear cache" message from a signed-in socket leaves the shared caches (the warehouse connection) as
  they were;
- `/_stcore/metrics` needs a session; a `/media/` download made for one session is refused to another
  user's cookie;
- every kind of response carries the anti-framing, no-sniff and referrer headers;
- right after a start, ten first page loads at once all draw their page (the warm-up is done before the
  server accepts connections).
"""
from __future__ import annotations

import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.browser import CHAIR, D13, app_server, free_port
from tests.support.paths import REPO
from tests.support.rawws import http, sign_in, socket

USERS = {CHAIR[0]: ("committee", CHAIR[1]), D13[0]: ("department:D13", D13[1])}
HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}
ERROR_TEXT = "页面出现意外错误"


@pytest.fixture
def server(sample_server):
    """The shared served sample city (tests/conftest.py, accounts CHAIR and D13): these tests only sign in and read."""
    return sample_server


def send(ws, **fields) -> None:
    ws.send(BackMsg(**fields).SerializeToString())


def run_page(ws, page_name: str = "") -> list[ForwardMsg]:
    """Asks for a script run of the page (as the browser's first message does) and returns every message
    up to the end of the run."""
    send(ws, rerun_script=ClientState(query_string="", page_name=page_name))
    messages = []
    while True:
        message = ForwardMsg()
        message.ParseFromString(ws.recv(timeout=180))
        messages.append(message)
        if message.WhichOneof("type") == "script_finished":
            return messages


def text_of(messages: list[ForwardMsg]) -> str:
    return "\n".join(text_format.MessageToString(m, as_utf8=True) for m in messages)


def exceptions_in(messages: list[ForwardMsg]) -> list[str]:
    return [text_format.MessageToString(m, as_utf8=True) for m in messages
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
            and m.delta.new_element.WhichOneof("type") == "exception"]


def refused_status(url: str, cookie: str | None, origin: str | None = "same") -> int | None:
    """The HTTP status the handshake was refused with (None: it was accepted)."""
    try:
        with socket(url, cookie, origin):
            return None
    except InvalidStatus as refused:
        return refused.response.status_code


def test_websocket_needs_a_session_and_the_pages_own_origin(server):
    url = server["url"]
    chair = sign_in(url, CHAIR)
    # no cookie, a forged one: refused before a single message can be sent
    assert refused_status(url, None) == 403
    assert refused_status(url, chair[:-4] + "AAAA") == 403
    # the right cookie from a page on another port of the same host (SameSite=Lax sends it there), or
    # from a sandboxed page ("null"): refused
    assert refused_status(url, chair, f"http://127.0.0.1:{free_port()}") == 403
    assert refused_status(url, chair, "null") == 403
    assert refused_status(url, chair, url.replace("http://", "https://")) == 403
    # the right cookie from the app's own page: the page is drawn for the signed-in user
    with socket(url, chair) as ws:
        messages = run_page(ws)
    text = text_of(messages)
    assert "月度通报" in text and "已登录：chair" in text and not exceptions_in(messages)
    # a session signed out is refused at once
    status, _, _ = http(url + "/account/sign-out", chair, data=b"")
    assert status == 303 and refused_status(url, chair) == 403
    log = (server["work"] / "server.log").read_text(encoding="utf-8")
    assert "websocket /_stcore/stream refused (no valid session)" in log
    assert "websocket /_stcore/stream refused (another origin)" in log


def test_a_forwarded_host_counts_only_behind_a_declared_proxy(server):
    """Without a proxy declared ([proxy] client_address_header empty), X-Forwarded-Host is a header anyone writes:
    it does not make another origin this server's, for a form post or a websocket."""
    url = server["url"]
    chair = sign_in(url, CHAIR)
    other = f"127.0.0.1:{free_port()}"
    status, _, body = http(url + "/account/sign-out", chair, data=b"",
                           headers={"Origin": f"http://{other}", "X-Forwarded-Host": other})
    assert status == 403 and "其他网站" in body.decode()
    headers = {"Cookie": f"govdash_session={chair}", "X-Forwarded-Host": other}
    with pytest.raises(InvalidStatus) as refused:
        connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                origin=f"http://{other}", additional_headers=headers, open_timeout=30)
    assert refused.value.response.status_code == 403
    # the session was not signed out by the forged post: the page is still drawn for it
    with socket(url, chair) as ws:
        assert "已登录：chair" in text_of(run_page(ws))


def test_clear_cache_from_a_browser_empties_nothing(server):
    """"Clear cache" would empty every user's caches, the shared warehouse connection included: a signed-in
    socket sends it, and the next page run still uses the connection opened before."""
    url = server["url"]
    log_file = server["work"] / "server.log"
    opened = lambda: log_file.read_text(encoding="utf-8").count("warehouse-connection opened")  # noqa: E731
    with socket(url, sign_in(url, CHAIR)) as ws:
        run_page(ws)
        before = opened()
        assert before >= 1
        send(ws, clear_cache=True)
        messages = run_page(ws, "whistle")
        assert "吹哨报到分析" in text_of(messages) and not exceptions_in(messages)
    assert opened() == before
    assert "websocket message clear_cache dropped" in log_file.read_text(encoding="utf-8")


def test_streamlit_endpoints_need_a_session_except_health(server):
    url = server["url"]
    status, _, body = http(url + "/_stcore/metrics")
    assert status == 403 and b"cache" not in body
    assert http(url + "/_stcore/health")[:3:2] == (200, b"ok")
    assert http(url + "/_stcore/host-config")[0] == 200
    chair = sign_in(url, CHAIR)
    status, _, body = http(url + "/_stcore/metrics", chair)
    assert status == 200 and b"cache" in body


def download_buttons(messages: list[ForwardMsg]) -> dict[str, object]:
    """label → the download button's proto, of every download button the run drew."""
    return {m.delta.new_element.download_button.label: m.delta.new_element.download_button for m in messages
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
            and m.delta.new_element.WhichOneof("type") == "download_button"}


def download_url(ws, button, session_id: str) -> str:
    """The /media/ address of a download button's file, as the browser gets it on a click (a deferred
    download is computed then, over the websocket)."""
    if button.url:
        return button.url
    from streamlit.proto.BackMsg_pb2 import BackendOperationRequest, DeferredFileRequestPayload

    send(ws, backend_operation_request=BackendOperationRequest(
        request_id="r1", session_id=session_id,
        deferred_file=DeferredFileRequestPayload(file_id=button.deferred_file_id)))
    while True:
        message = ForwardMsg()
        message.ParseFromString(ws.recv(timeout=180))
        if (message.WhichOneof("type") == "backend_operation_response"
                and message.backend_operation_response.request_id == "r1"):
            assert not message.backend_operation_response.error_msg, message
            return message.backend_operation_response.deferred_file.url


def excel_bulletin_url(url: str, cookie: str) -> str:
    with socket(url, cookie) as ws:
        messages = run_page(ws)
        session_id = next(m.new_session.initialize.session_id for m in messages
                          if m.WhichOneof("type") == "new_session")
        return download_url(ws, download_buttons(messages)["下载 Excel 通报"], session_id)


def test_downloads_belong_to_the_session_that_made_them(server):
    url = server["url"]
    chair, d13 = sign_in(url, CHAIR), sign_in(url, D13)
    xlsx = excel_bulletin_url(url, chair)
    assert re.fullmatch(r"/media/[0-9a-f]+\.xlsx", xlsx), xlsx
    status, headers, body = http(url + xlsx, chair)
    assert status == 200 and body.startswith(b"PK")
    # the city-wide workbook with a department's cookie, without a cookie, with the chair's other session
    status, _, body = http(url + xlsx, d13)
    assert status == 403 and not body.startswith(b"PK") and "另一位用户" in body.decode("utf-8")
    assert http(url + xlsx)[0] == 403
    assert http(url + xlsx, sign_in(url, CHAIR))[0] == 403
    # the department's own bulletin is its own
    mine = excel_bulletin_url(url, d13)
    assert mine != xlsx and http(url + mine, d13)[0] == 200 and http(url + mine, chair)[0] == 403


def _assert_headers(headers, what: str) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    assert "frame-ancestors 'none'" in (headers.get("content-security-policy") or ""), what


def test_every_response_carries_the_security_headers(server):
    url = server["url"]
    chair = sign_in(url, CHAIR)
    status, headers, page = http(url + "/", chair)
    assert status == 200
    _assert_headers(headers, "page")
    # Streamlit's page itself still loads its scripts (no strict default-src on it)
    assert "default-src" not in headers["content-security-policy"]
    script = re.search(rb'src="\.(/static/js/[^"]+\.js)"', page).group(1).decode()
    xlsx = excel_bulletin_url(url, chair)
    cases = {"sign-in form": (url + "/account/sign-in", None, 200),
             "redirect to sign-in": (url + "/whistle", None, 303),
             "static file": (url + script, None, 200), "health": (url + "/_stcore/health", None, 200),
             "metrics": (url + "/_stcore/metrics", chair, 200), "metrics refused": (url + "/_stcore/metrics", None,
                                                                                    403),
             "download": (url + xlsx, chair, 200), "download refused": (url + xlsx, None, 403)}
    for what, (address, cookie, expected) in cases.items():
        status, headers, _ = http(address, cookie)
        assert status == expected, (what, status)
        _assert_headers(headers, what)
    status, headers, _ = http(url + "/account/sign-in", data=b"username=x&password=y",
                              headers={"Origin": "http://evil.example"})
    assert status == 403
    _assert_headers(headers, "post from another site")


def test_an_error_no_route_handles_is_chinese_and_carries_the_headers(tmp_path, monkeypatch):
    """Starlette answers an unhandled error outside the middleware: the product's handler (app_options)."""
    import asyncio

    from starlette.applications import Starlette
    from starlette.routing import Route

    from govdash.web import server

    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(tmp_path / "accounts.toml"))

    async def broken(request):
        raise RuntimeError("a bug")

    options = server.app_options()
    app = Starlette(routes=[Route("/account/broken", broken)], middleware=options["middleware"],
                    exception_handlers=options["exception_handlers"])
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": "/account/broken",
             "raw_path": b"/account/broken", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8501")], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8501)}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    with pytest.raises(RuntimeError):   # Starlette answers, then lets the server log the error
        asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode("utf-8")
    assert start["status"] == 500 and "服务器内部错误" in body and "a bug" not in body
    _assert_headers({k.decode(): v.decode() for k, v in start["headers"]}, "error")


def test_the_lifespan_warms_up_before_it_lets_connections_in(tmp_path):
    """At the moment the lifespan hands over to the server (which then starts accepting), what a first page
    run imports is loaded, in the server's process, and no warm-up is left running beside the sessions."""
    probe = ("import asyncio, sys, threading\n"
             "from govdash.web import server\n"
             "async def main():\n"
             "    async with server.lifespan(None):\n"
             "        print(sorted(m for m in server.WARM_MODULES if m not in sys.modules))\n"
             "        print(sorted(t.name for t in threading.enumerate() if 'warm' in t.name))\n"
             "asyncio.run(main())\n")
    import os

    env = {**os.environ, "GOVDASH_ACCOUNTS": str(tmp_path / "accounts.toml"), "GOVDASH_STATE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-2:] == ["[]", "[]"], out.stdout


@pytest.mark.slow
@pytest.mark.browser  # a served app of its own
def test_ten_first_page_loads_right_after_a_start(sample_db, tmp_path):
    """Three fresh starts; at each, ten sessions open their first page the moment the server answers."""
    for start in range(3):
        work = tmp_path / f"start{start}"
        work.mkdir()
        with app_server(work, sample_db, USERS) as served:
            url = served["url"]
            chair = sign_in(url, CHAIR)
            ready = threading.Barrier(10)

            def first_page(i, url=url, chair=chair, ready=ready):
                with socket(url, chair) as ws:
                    ready.wait(timeout=60)
                    return run_page(ws, ["", "whistle", "visits", "negative-lists", "assessment"][i % 5])

            with ThreadPoolExecutor(10) as pool:
                runs = list(pool.map(first_page, range(10)))
            log = (work / "server.log").read_text(encoding="utf-8")
        for i, messages in enumerate(runs):
            text = text_of(messages)
            assert ERROR_TEXT not in text and not exceptions_in(messages), (start, i, text[-2000:])
        assert "incident" not in log and "Traceback" not in log, log[-4000:]
