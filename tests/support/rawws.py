"""A client of the served app without a browser: plain HTTP requests with the session cookie (redirects not
followed), signing in through the form, and a raw websocket to `/_stcore/stream` as a page of a given origin opens
it — what an attacker on the same host, or a test of the served app's guard, speaks."""
from __future__ import annotations

import re
import urllib.error
import urllib.request

from websockets.sync.client import connect


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def http(url: str, cookie: str | None = None, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request, redirects not followed."""
    request = urllib.request.Request(url, data=data, headers={**({"Cookie": f"govdash_session={cookie}"} if cookie
                                                                 else {}),
                                                               **(headers or {})})
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sign_in(url: str, user: tuple[str, str]) -> str:
    """The session cookie's value after signing in through the form."""
    from urllib.parse import urlencode

    status, headers, _ = http(url + "/account/sign-in", data=urlencode({"username": user[0], "password": user[1],
                                                                        "next": "/"}).encode())
    assert status == 303, status
    return re.search(r"govdash_session=([^;]+)", headers["set-cookie"]).group(1)


def socket(url: str, cookie: str | None, origin: str | None = "same"):
    """A websocket to /_stcore/stream as a browser page of `origin` ("same": the app's own) opens it."""
    headers = {"Cookie": f"govdash_session={cookie}"} if cookie else {}
    return connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                   origin=url if origin == "same" else origin, additional_headers=headers, open_timeout=30,
                   max_size=None)
