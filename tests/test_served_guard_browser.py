"""A page of another local web app, opened in the browser where a department user is signed in, reads
nothing over the dashboard's websocket; and no "clear cache" is offered to a user (Debian Chromium via
Playwright against `streamlit run app.py`)."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, D13, free_port, new_page, screenshot, sign_in_page

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="Debian chromium not installed (scripts/system-deps.sh)")]

# what an attacking page does: open the dashboard's websocket (the browser adds the user's cookie: same
# site), ask for a page run (a BackMsg rerun_script), and collect whatever comes back
ATTACK = """<!doctype html><html><body><script>
window.collected = {opened: false, bytes: 0, messages: 0, closed: null, done: false};
const ws = new WebSocket("ws://127.0.0.1:%(port)d/_stcore/stream", ["streamlit"]);
ws.binaryType = "arraybuffer";
ws.onopen = () => {
  window.collected.opened = true; ws.send(new Uint8Array([90, 0])); setTimeout(() => ws.close(), 15000); };
ws.onmessage = (e) => { window.collected.messages += 1; window.collected.bytes += e.data.byteLength || e.data.length; };
ws.onclose = (e) => { window.collected.closed = e.code; window.collected.done = true; };
</script></body></html>"""


@pytest.fixture
def server(sample_server):
    """The shared served sample city (tests/conftest.py): the department user D13 signs in and looks."""
    return sample_server


@pytest.fixture
def attacker(server, tmp_path):
    """Another web app on another port of the same host, serving attack.html."""
    app_port = int(server["url"].rsplit(":", 1)[1])
    (tmp_path / "attack.html").write_text(ATTACK % {"port": app_port}, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/attack.html"
    httpd.shutdown()
    httpd.server_close()


def test_another_local_page_reads_nothing_of_a_signed_in_user(browser, server, attacker):
    page = new_page(browser)
    sign_in_page(page, server["url"], D13)
    assert "已登录：d13" in page.locator('[data-testid="stSidebar"]').inner_text()
    attack = page.context.new_page()
    attack.goto(attacker)
    attack.wait_for_function("() => window.collected.done", timeout=60_000)
    collected = attack.evaluate("window.collected")
    assert collected["opened"] is False and collected["bytes"] == 0 and collected["messages"] == 0, collected
    # the user's own page is still signed in and drawn
    page.reload()
    page.locator("h1", has_text="月度通报").wait_for()
    log = (server["work"] / "server.log").read_text(encoding="utf-8")
    assert f"origin {attacker.rsplit('/', 1)[0]} is not this server" in log
    page.context.close()


def test_no_clear_cache_offered(browser, server):
    page = new_page(browser)
    sign_in_page(page, server["url"], D13)
    menu = page.locator('[data-testid="stMainMenu"]')
    if menu.count():
        menu.click()
        page.wait_for_timeout(300)
    screenshot(page, Path(server["work"]), "main-menu")
    assert "Clear cache" not in page.inner_text("body")
    # Streamlit's keyboard shortcut for it ("c") opens nothing either
    page.locator("body").press("c")
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stClearCacheDialog"]').count() == 0
    page.context.close()
