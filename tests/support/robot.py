"""A local WeCom / DingTalk robot for the reminders' tests: an HTTP server on 127.0.0.1, never an outside address."""
from __future__ import annotations

import http.server
import json
import queue
import threading
import urllib.parse


class Robot:
    """A WeCom / DingTalk robot on 127.0.0.1: records every request (path, query, JSON body) and answers from a
    script of (status, body) — or "hang", which holds the request until the test ends, or "not-http", which answers
    with a line that is not HTTP; then {"errcode": 0}."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: queue.Queue = queue.Queue()
        self.release = threading.Event()
        robot = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urllib.parse.urlsplit(self.path)
                robot.requests.append({"path": parts.path, "query": urllib.parse.parse_qs(parts.query),
                                       "json": json.loads(body), "raw": body,
                                       "content_type": self.headers["Content-Type"]})
                try:
                    status, answer = robot.script.get_nowait()
                except queue.Empty:
                    status, answer = 200, {"errcode": 0, "errmsg": "ok"}
                if status == "hang":
                    robot.release.wait(30)
                    return
                if status == "not-http":     # a reply that is not HTTP at all (a wrong port, a broken proxy)
                    self.wfile.write(b"garbage, not an HTTP status line\r\n\r\n")
                    self.close_connection = True
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
