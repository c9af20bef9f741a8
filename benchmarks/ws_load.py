"""Load benchmark without browsers: N virtual users each sign in over HTTP and run a page over Streamlit's websocket.

A virtual user does what a browser does, minus the drawing: it posts the sign-in form (`/account/sign-in`) and keeps
the session cookie, opens `/_stcore/stream` with that cookie and its page's Origin, sends the BackMsg a browser sends
when it loads a page (`rerun_script`: the page's address and query string, its time zone and locale), and reads
ForwardMsgs until `script_finished`. Measured per user: the time from opening the websocket to the end of the
page's script run; an error is a run that did not end (timeout, websocket closed, page not found), an exception
element, or an error box (an incident shown in place of a failed part). The server side is measured too: each
replica's own script-run times (`GOVDASH_LOG_RUNS`) and its memory (RSS, peak during the round).

    govdash bench load --sessions 1,10,20,40 --replicas 1,2 [--json]

One replica is measured directly; two or more behind nginx with the shipped deploy/nginx.conf
(benchmarks/replicas.py), every user's websocket kept on one replica by its session cookie. All users of a round
sign in before the round starts (not measured), then open their pages at once.
"""
from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks import replicas as served

SIGN_IN = "/account/sign-in"
STREAM = "/_stcore/stream"
USER = ("load", "load-password-1")
RUN_LINE = re.compile(r"script-run page=(\S+) seconds=([0-9.]+) session=(\S+) cpu=([0-9.]+)")


def session_cookie_name() -> str:
    """The product's session cookie name (config/access.toml, or $GOVDASH_ACCESS_SETTINGS)."""
    import tomllib

    path = Path(os.environ.get("GOVDASH_ACCESS_SETTINGS") or served.REPO / "config" / "access.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))["session"]["cookie_name"]


# ---------------------------------------------------------------- one virtual user

class SignInFailed(RuntimeError):
    pass


def sign_in(base: str, user: tuple[str, str], cookie_name: str | None = None, extra_cookie: str = "") -> str:
    """Posts the sign-in form at `base` (http://host:port) as a browser on that page would (its Origin), and returns
    the `Cookie` header value that carries the session (and `extra_cookie`, e.g. another cookie of the browser)."""
    cookie_name = cookie_name or session_cookie_name()
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    body = urlencode({"username": user[0], "password": user[1], "next": "/"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": base, "Referer": base + SIGN_IN}
    if extra_cookie:
        headers["Cookie"] = extra_cookie
    try:
        conn.request("POST", SIGN_IN, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    if response.status != 303:
        raise SignInFailed(f"sign-in answered {response.status}")
    for value in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        if name.strip() == cookie_name:
            cookie = f"{cookie_name}={rest.split(';', 1)[0]}"
            return f"{extra_cookie}; {cookie}" if extra_cookie else cookie
    raise SignInFailed("sign-in set no session cookie")


@dataclass
class PageRun:
    """One page's script run as a websocket client saw it."""
    outcome: str = "timeout"   # finished | timeout | closed | refused | page_not_found | compile_error
    seconds: float | None = None        # from opening the websocket to script_finished
    connect_seconds: float | None = None
    messages: int = 0
    exceptions: list[str] = field(default_factory=list)
    error_boxes: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)      # every other alert's text (success, info, warning)
    headings: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == "finished" and not self.exceptions and not self.error_boxes

    def error(self) -> str | None:
        if self.outcome != "finished":
            return self.outcome
        if self.exceptions:
            return "exception: " + self.exceptions[0][:120]
        if self.error_boxes:
            return "error box: " + self.error_boxes[0][:120]
        return None


def rerun_message(base: str, page: str, query: str) -> bytes:
    """The BackMsg a browser sends when it opens `page` (its address, "" for the default page) with `query`."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    state = message.rerun_script
    state.query_string = query
    state.page_name = page
    state.page_script_hash = ""
    info = state.context_info
    info.timezone, info.timezone_offset, info.locale = "Asia/Shanghai", -480, "zh-CN"
    info.url = f"{base}/{page}" + (f"?{query}" if query else "")
    info.is_embedded, info.color_scheme = False, "light"
    return message.SerializeToString()


def _read_element(run: PageRun, forward) -> None:
    """What a page drew that the benchmark and the tests look at: exceptions, error boxes, notices, headings,
    metrics."""
    if forward.WhichOneof("type") != "delta" or forward.delta.WhichOneof("type") != "new_element":
        return
    element = forward.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
    elif kind == "alert" and element.alert.format == element.alert.ERROR:
        run.error_boxes.append(element.alert.body)
    elif kind == "alert":
        run.notices.append(element.alert.body)
    elif kind == "heading":
        run.headings.append(element.heading.body)
    elif kind == "metric":
        run.metrics[element.metric.label] = element.metric.body


async def page_run(base: str, cookie: str, page: str = "", query: str = "", timeout: float = 120) -> PageRun:
    """Opens the websocket at `base` with the session `cookie` and the page's Origin, runs `page` with `query` and
    reads until the run is over (a run cut short for a rerun is followed by the rerun)."""
    import websockets
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    run = PageRun()
    ws_url = "ws" + base[len("http"):] + STREAM
    start = time.perf_counter()

    async def read(ws) -> None:
        async for data in ws:
            forward = ForwardMsg()
            forward.ParseFromString(data)
            run.messages += 1
            kind = forward.WhichOneof("type")
            if kind == "page_not_found":
                run.outcome = "page_not_found"
                return
            _read_element(run, forward)
            if kind == "script_finished":
                status = forward.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                run.outcome = "compile_error" if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR else "finished"
                run.seconds = time.perf_counter() - start
                return
        run.outcome = "closed"

    try:
        # proxy=None: straight to the address given, whatever proxy the environment names
        async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=base,
                                      additional_headers={"Cookie": cookie}, proxy=None, max_size=None,
                                      open_timeout=timeout, compression=None) as ws:
            run.connect_seconds = time.perf_counter() - start
            await ws.send(rerun_message(base, page, query))
            await asyncio.wait_for(read(ws), timeout)
    except asyncio.TimeoutError:
        run.outcome = "timeout"
    except websockets.InvalidStatus:
        run.outcome = "refused"
    except (websockets.ConnectionClosed, OSError):
        run.outcome = "closed"
    return run


# ---------------------------------------------------------------- a round of N users at once

def _quantile(values, fn):
    return round(fn(values), 3) if values else None


async def _sample_rss(pids: dict[str, int], peaks: dict[str, float], stop: asyncio.Event) -> None:
    while True:
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0.0), served.rss_mb(pid))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
            return
        except asyncio.TimeoutError:
            pass


async def run_round(base: str, cookies: list[str], pids: dict[str, int], page: str, query: str,
                    timeout: float) -> tuple[list[PageRun], dict[str, float]]:
    """All users' page runs at once, and each replica's peak RSS meanwhile."""
    peaks: dict[str, float] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_rss(pids, peaks, stop))
    try:
        runs = await asyncio.gather(*(page_run(base, c, page, query, timeout) for c in cookies))
    finally:
        stop.set()
        await sampler
    return list(runs), peaks


def _server_runs(replica: served.Replica, since: int) -> list[float]:
    return [float(m.group(2)) for m in list(RUN_LINE.finditer(replica.log_text()))[since:]]


def measure(db: Path, sessions: list[int], n_replicas: int, page: str = "", query: str = "month=2024-10",
            timeout: float = 180, work: Path | None = None, progress=print) -> list[dict]:
    """The rounds of `sessions` users on `n_replicas` replicas of the dashboard over a copy of warehouse `db`."""
    from govdash.records.accounts import set_user

    own_work = work is None
    work = Path(work or tempfile.mkdtemp(prefix="govdash-wsload-"))
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "warehouse.duckdb"
    shutil.copy(db, copy)
    # the replicas' records database: $GOVDASH_RECORDS_URL when set (PostgreSQL for replicas on several machines),
    # else a SQLite file of this run
    records = os.environ.get("GOVDASH_RECORDS_URL") or f"sqlite:///{work / 'records.sqlite3'}"
    set_user(USER[0], "committee", USER[1], url=records)
    (work / "state").mkdir(exist_ok=True)
    env = {"GOVDASH_DB": str(copy), "GOVDASH_RECORDS_URL": records, "GOVDASH_STATE_DIR": str(work / "state"),
           "GOVDASH_LOG_RUNS": "1"}
    rounds = []
    try:
        with served.replicas(n_replicas, work, env) as started:
            # each replica's first run (imports, caches) once, straight to it: not measured
            for replica in started:
                warm = asyncio.run(page_run(replica.url, sign_in(replica.url, USER), page, query, timeout))
                if not warm.ok:
                    raise RuntimeError(f"warm-up run failed on {replica.url}: {warm.error()}")
            with (served.nginx([r.url for r in started], work) if n_replicas > 1 else _direct(started[0])) as front:
                pids = {r.url.split("//", 1)[1]: r.proc.pid for r in started}
                for n in sessions:
                    progress(f"[{n_replicas} 副本] {n} 个会话…")
                    cookies = [sign_in(front.url, USER) for _ in range(n)]
                    logged = {r.url: len(RUN_LINE.findall(r.log_text())) for r in started}
                    upstream_before = len(front.upstreams()) if n_replicas > 1 else 0
                    load_before = os.getloadavg()
                    runs, peaks = asyncio.run(run_round(front.url, cookies, pids, page, query, timeout))
                    load_after = os.getloadavg()
                    times = [r.seconds for r in runs if r.ok]
                    errors = [e for r in runs if (e := r.error())]
                    server = [t for r in started for t in _server_runs(r, logged[r.url])]
                    row = {"replicas": n_replicas, "sessions": n, "ok": len(times), "errors": len(errors),
                           "median_s": _quantile(times, statistics.median), "worst_s": _quantile(times, max),
                           # the websocket's handshake (through nginx when there are replicas)
                           "connect_median_s": _quantile([r.connect_seconds for r in runs if r.connect_seconds],
                                                         statistics.median),
                           "server_run_median_s": _quantile(server, statistics.median),
                           "server_run_worst_s": _quantile(server, max),
                           "rss_peak_mb": peaks, "rss_after_mb": {a: served.rss_mb(p) for a, p in pids.items()},
                           "load_avg_1m_before": round(load_before[0], 2), "load_avg_1m_after": round(load_after[0], 2),
                           "error_kinds": sorted(set(errors))[:5]}
                    if n_replicas > 1:
                        answered = [u for line, u in front.upstreams_after(upstream_before, n) if STREAM in line]
                        row["websockets_per_replica"] = {a: sum(1 for u in answered if u == a) for a in pids}
                    rounds.append(row)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    return rounds


class _direct:
    """One replica without nginx in front: its own address is the front."""

    def __init__(self, replica: served.Replica):
        self.url = replica.url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
