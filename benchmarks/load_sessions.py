"""Load benchmark: N signed-in browser sessions open 月度通报 at once.

Starts `streamlit run app.py` on 127.0.0.1 against a given warehouse (or uses --url), opens N
Chromium contexts (Debian's /usr/bin/chromium through Playwright's async API), signs each in, and
measures, per session, the time from the sign-in click to the department table being drawn. The
server logs how long each script run took (app.py, logger `govdash.runs`); the benchmark reads that
log so it can report the server's own time next to what the browsers saw — the browsers share the
same two cores.

    python -m benchmarks.load_sessions --db data/govdash.duckdb --sessions 1 5 10 20 [--json]

A freeze is reported, not waited on: each round has a deadline, and the server's health endpoint
is checked after every round.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
RUN_LINE = re.compile(r"script-run page=(\S+) seconds=([0-9.]+) session=(\S+) cpu=([0-9.]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 5) -> bool:
    try:
        return urllib.request.urlopen(url + "/_stcore/health", timeout=timeout).read() == b"ok"
    except OSError:
        return False


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log_path: Path
    work: Path

    def script_runs(self) -> list[tuple[str, float, str, float]]:
        """(page, wall seconds, session, CPU seconds of the script thread) per logged script run."""
        text = self.log_path.read_text(errors="replace")
        return [(m.group(1), float(m.group(2)), m.group(3), float(m.group(4))) for m in RUN_LINE.finditer(text)]

    def stop(self) -> bool:
        """Stop the server; False when it ignored SIGTERM (then it is killed)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False


def start_server(db: Path, accounts: Path, work: Path, extra_env: dict | None = None) -> Server:
    port = free_port()
    log_path = work / "server.log"
    log = open(log_path, "w")
    env = {**os.environ, "GOVDASH_DB": str(db), "GOVDASH_ACCOUNTS": str(accounts), "GOVDASH_LOG_RUNS": "1",
           "GOVDASH_RECORDS_URL": f"sqlite:///{work / 'records.sqlite3'}",
           **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if healthy(url, 1):
            return Server(url, proc, log_path, work)
        time.sleep(0.25)
    proc.kill()
    raise RuntimeError("服务器未能启动：\n" + log_path.read_text()[-3000:])


@dataclass
class Round:
    sessions: int
    times: list[float] = field(default_factory=list)   # seconds from the sign-in click to the table
    failures: list[str] = field(default_factory=list)
    server_runs: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    healthy_after: bool = True

    def as_dict(self) -> dict:
        def q(values, fn):
            return round(fn(values), 3) if values else None
        return {"sessions": self.sessions, "served": len(self.times), "failed": len(self.failures),
                "median_s": q(self.times, statistics.median), "worst_s": q(self.times, max),
                "server_run_median_s": q(self.server_runs, statistics.median),
                "server_run_worst_s": q(self.server_runs, max),
                "server_cpu_median_s": q(self.server_cpu, statistics.median),
                "healthy_after": self.healthy_after, "failures": self.failures[:5]}


async def _one_session(browser, url: str, user: tuple[str, str], timeout_s: float) -> float:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = await context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        await page.goto(url + "/")
        await page.get_by_label("用户名").fill(user[0])
        await page.get_by_label("密码").fill(user[1])
        start = time.perf_counter()
        await page.get_by_role("button", name="登录").click()
        await page.locator("h1", has_text="月度通报").wait_for()
        # the department ranking table is the page's main figure
        await page.locator('[data-testid="stDataFrame"]').first.wait_for()
        elapsed = time.perf_counter() - start
        if await page.locator('[data-testid="stException"]').count():
            raise RuntimeError("页面出现异常")
        return elapsed
    finally:
        await context.close()


def niced_chromium() -> str:
    """Chromium started at the lowest CPU priority: in use, the browsers run on the officials' own machines,
    not beside the server; here they share its two cores, and would otherwise starve the server they measure."""
    wrapper = Path(tempfile.gettempdir()) / "govdash-niced-chromium"
    if not wrapper.exists():
        wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
    return str(wrapper)


async def run_round(server: Server, n: int, user: tuple[str, str], timeout_s: float) -> Round:
    from playwright.async_api import async_playwright

    result = Round(n)
    before = len(server.script_runs())
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=niced_chromium(), args=CHROMIUM_ARGS)
        try:
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(_one_session(browser, server.url, user, timeout_s) for _ in range(n)),
                               return_exceptions=True),
                timeout=timeout_s + 30)
        except asyncio.TimeoutError:
            outcomes = [TimeoutError("本轮超时")] * n
        await browser.close()
    for o in outcomes:
        if isinstance(o, BaseException):
            result.failures.append(f"{type(o).__name__}: {str(o).splitlines()[0] if str(o) else ''}")
        else:
            result.times.append(o)
    time.sleep(0.5)
    runs = [r for r in server.script_runs()[before:] if r[0] == "bulletin"]
    result.server_runs = [r[1] for r in runs]
    result.server_cpu = [r[3] for r in runs]
    result.healthy_after = healthy(server.url)
    return result


def run(db: Path, sessions: list[int], timeout_s: float = 120, repeat: int = 1,
        server: Server | None = None) -> list[dict]:
    from govdash.records.accounts import set_user

    work = Path(tempfile.mkdtemp(prefix="govdash-load-"))
    own_server = server is None
    if own_server:
        copy = work / "warehouse.duckdb"
        shutil.copy(db, copy)
        accounts = work / "accounts.toml"
        set_user("load", "committee", "load-password-1", url=f"sqlite:///{work / 'records.sqlite3'}")
        server = start_server(copy, accounts, work)
    user = ("load", "load-password-1")
    rounds = []
    try:
        asyncio.run(run_round(server, 1, user, timeout_s))  # warm the server's caches once, not measured
        for n in sessions:
            for _ in range(repeat):
                r = asyncio.run(run_round(server, n, user, timeout_s))
                rounds.append(r.as_dict())
                if not r.healthy_after:
                    return rounds
    finally:
        if own_server:
            stopped = server.stop()
            if rounds:
                rounds[-1]["stopped_on_sigterm"] = stopped
            shutil.rmtree(work, ignore_errors=True)
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rounds = run(args.db, args.sessions, args.timeout, args.repeat)
    if args.json:
        print(json.dumps(rounds, ensure_ascii=False, indent=2))
        return
    print(f"{'会话':>4} {'完成':>4} {'失败':>4} {'中位(s)':>8} {'最慢(s)':>8} {'服务端中位(s)':>12} "
          f"{'服务端最慢(s)':>12} 健康")
    for r in rounds:
        print(f"{r['sessions']:>4} {r['served']:>4} {r['failed']:>4} {r['median_s'] or '—':>8} "
              f"{r['worst_s'] or '—':>8} {r['server_run_median_s'] or '—':>12} {r['server_run_worst_s'] or '—':>12} "
              f"{'是' if r['healthy_after'] else '否'}")


if __name__ == "__main__":
    main()
