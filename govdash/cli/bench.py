"""Benchmarks at city to province scale: `govdash bench --scale N [--json]`.

Each phase runs in its own process so its peak memory (RSS) is its own: generate, ingest (read,
contracts, quarantine, load and model build, one transaction), rebuild, queries (one month's bulletin
JSON cold and warm, the department table against a hand-written DuckDB query over the raw tables and
against plain pandas, one year's assessment), and the bulletin page's first render in Chromium.
Timed here, never in unit tests.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from govdash.core.paths import REPO_ROOT

# the monthly bulletin as the committee runs it: a past month, cut-off now (after the last log row);
# and the same month at a cut-off inside the data, which recomputes the log facts live
MONTH, AS_OF, PAST_CUTOFF = "2024-10", None, "2024-11-10 00:00:00"


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# ---------------------------------------------------------------- phases (each in a child process)

def phase_generate(data: Path, scale: float) -> dict:
    from pipelines.sample import generate

    t = time.perf_counter()
    counts = generate(data, seed=2024, scale=scale)
    (data / ".complete").write_text(json.dumps(counts))
    return {"seconds": time.perf_counter() - t, "rows": counts}


def phase_ingest(data: Path, db: Path) -> dict:
    from pipelines.ingest import ingest

    t = time.perf_counter()
    result = ingest([data], db_path=db)
    seconds = time.perf_counter() - t
    files = {f.table: f for f in result.files}
    return {"seconds": seconds, "rows_read": sum(f.rows_read for f in result.files),
            "log_rows": files["whistle_event_log"].rows_read, "quarantined": sum(f.rows_quarantined
                                                                                 for f in result.files),
            "exit_code": result.exit_code}


def phase_build(db: Path) -> dict:
    from warehouse.build import build
    from warehouse.db import write_session

    t = time.perf_counter()
    with write_session(db) as con:
        build(con)
    return {"seconds": time.perf_counter() - t}


def phase_queries(db: Path) -> dict:
    import polars as pl

    from benchmarks import bench_sql
    from benchmarks.pandas_department_table import COLUMNS
    from govdash.core.periods import month_bounds, parse_as_of
    from govdash.figures.assessment import assessment
    from govdash.figures.bulletin import bulletin
    from govdash.figures.whistle import department_table
    from warehouse.db import connect_read, fetch_frame, read_cursor

    start, end = month_bounds(MONTH)
    as_of = parse_as_of(AS_OF)
    out = {}
    cur = read_cursor(connect_read(db))
    t = time.perf_counter()
    b = bulletin(cur, MONTH, as_of)
    out["bulletin_cold_s"] = time.perf_counter() - t
    warm = []
    for _ in range(3):
        t = time.perf_counter()
        bulletin(cur, MONTH, as_of)
        warm.append(time.perf_counter() - t)
    out["bulletin_warm_s"] = min(warm)
    out["bulletin_dispatched"] = b["city"]["dispatched"]
    past = parse_as_of(PAST_CUTOFF)
    bulletin(cur, MONTH, past)
    t = time.perf_counter()
    bulletin(cur, MONTH, past)
    out["bulletin_past_cutoff_warm_s"] = time.perf_counter() - t

    def best(fn, n=3):
        times, value = [], None
        for _ in range(n):
            t = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - t)
        return min(times), value

    out["department_table_s"], ours = best(lambda: department_table(cur, MONTH, as_of))
    hand_sql = bench_sql("hand_department_table")
    out["hand_sql_s"], hand = best(lambda: fetch_frame(cur, hand_sql, {"as_of": as_of, "month_start": start,
                                                                       "month_end": end}))
    ours = ours.select(COLUMNS).filter(pl.col("dispatched") + pl.col("returned") > 0).sort("dept_id")
    out["hand_sql_agrees"] = ours.equals(hand.select(COLUMNS).sort("dept_id"))
    # at a cut-off inside the data both recompute the log facts
    out["department_table_past_cutoff_s"], ours_past = best(lambda: department_table(cur, MONTH, past))
    out["hand_sql_past_cutoff_s"], hand_past = best(
        lambda: fetch_frame(cur, hand_sql, {"as_of": past, "month_start": start, "month_end": end}))
    out["hand_sql_past_cutoff_agrees"] = ours_past.select(COLUMNS).filter(
        pl.col("dispatched") + pl.col("returned") > 0).sort("dept_id").equals(hand_past.select(COLUMNS).sort("dept_id"))

    t = time.perf_counter()
    a = assessment(cur, 2024, None, as_of)
    out["assessment_year_s"] = time.perf_counter() - t
    out["assessment_departments"] = len(a["departments"])
    return out


def phase_pandas(db: Path) -> dict:
    """The department table with plain pandas (the peer), in its own process for its own memory."""
    import pandas as pd
    import polars as pl

    from benchmarks import bench_sql
    from benchmarks.pandas_department_table import COLUMNS
    from benchmarks.pandas_department_table import department_table as pandas_table
    from govdash.core.periods import month_bounds, parse_as_of
    from govdash.figures.whistle import department_table
    from warehouse.db import connect_read, read_cursor

    start, end = month_bounds(MONTH)
    as_of = parse_as_of(AS_OF)
    cur = read_cursor(connect_read(db))
    ours = department_table(cur, MONTH, as_of).select(COLUMNS).filter(pl.col("dispatched")
                                                                      + pl.col("returned") > 0).sort("dept_id")
    out = {}
    t = time.perf_counter()
    events = cur.sql(bench_sql("pandas_events")).df()
    log = cur.sql(bench_sql("pandas_log")).df()
    cal = cur.sql(bench_sql("pandas_calendar")).df()
    cal["date"] = pd.to_datetime(cal["date"])
    out["pandas_load_s"] = time.perf_counter() - t
    times = []
    for _ in range(2):
        t = time.perf_counter()
        theirs = pandas_table(events, log, cal, pd.Timestamp(as_of), pd.Timestamp(start), pd.Timestamp(end))
        times.append(time.perf_counter() - t)
    out["pandas_s"] = min(times)
    out["pandas_agrees"] = ours.equals(pl.from_pandas(theirs))
    return out


def phase_browser(db: Path, workdir: Path) -> dict:
    """First render of the bulletin page: a fresh server, sign in, until the page's run is over."""
    from playwright.sync_api import sync_playwright

    from govdash.records.accounts import set_user

    accounts = workdir / "bench-accounts.toml"            # none: the server's accounts are in its records database
    records = f"sqlite:///{workdir / 'bench-records.sqlite3'}"
    set_user("bench", "committee", "bench-password-1", url=records)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GOVDASH_DB": str(db), "GOVDASH_ACCOUNTS": str(accounts), "GOVDASH_RECORDS_URL": records}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"), "--server.port",
                             str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=args)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(120_000)
            renders = []
            for _attempt in range(2):   # first render on a cold server, then a second session (warm caches)
                page.goto(url + "/")
                page.get_by_label("用户名").fill("bench")
                page.get_by_label("密码").fill("bench-password-1")
                t = time.perf_counter()
                page.get_by_role("button", name="登录").click()
                page.locator("h1", has_text="月度通报").wait_for()
                page.get_by_role("button", name="下载 Excel 通报").wait_for()
                page.locator('[data-testid="stDataFrame"]').first.wait_for()
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')")
                renders.append(time.perf_counter() - t)
                page.context.clear_cookies()
            browser.close()
        return {"first_render_s": renders[0], "second_session_render_s": renders[1]}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "govdash.cli.bench", *args], capture_output=True, text=True,
                         cwd=REPO_ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"bench phase {args[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- one scale

def run_scale(scale: float, workdir: Path, browser: bool, progress=print) -> dict:
    data = workdir / f"sample-{scale:g}"
    db = workdir / f"warehouse-{scale:g}.duckdb"
    result = {"scale": scale}
    if not (data / ".complete").exists():
        shutil.rmtree(data, ignore_errors=True)
        progress(f"[{scale:g}] 生成数据…")
        result["generate"] = _child(["generate", str(data), str(scale)])
    counts = json.loads((data / ".complete").read_text())
    result["rows"] = counts
    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    progress(f"[{scale:g}] 导入…")
    ingest = _child(["ingest", str(data), str(db)])
    ingest["rows_per_s"] = ingest["rows_read"] / ingest["seconds"]
    ingest["log_rows_per_s"] = ingest["log_rows"] / ingest["seconds"]
    result["ingest"] = ingest
    progress(f"[{scale:g}] 重建模型…")
    result["build"] = _child(["build", str(db)])
    progress(f"[{scale:g}] 查询…")
    q = _child(["queries", str(db)])
    q["ratio_to_hand_sql"] = q["department_table_s"] / q["hand_sql_s"]
    q["ratio_to_hand_sql_past_cutoff"] = q["department_table_past_cutoff_s"] / q["hand_sql_past_cutoff_s"]
    result["queries"] = q
    progress(f"[{scale:g}] pandas 对照…")
    pd_ = _child(["pandas", str(db)])
    pd_["ratio_pandas_to_ours"] = pd_["pandas_s"] / q["department_table_s"]
    pd_["ratio_pandas_to_ours_past_cutoff"] = pd_["pandas_s"] / q["department_table_past_cutoff_s"]
    result["pandas"] = pd_
    if browser:
        if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
            progress(f"[{scale:g}] 浏览器首屏…")
            result["browser"] = _child(["browser", str(db), str(workdir)])
        else:
            result["browser"] = {"skipped": "chromium not installed"}
    result["db_mb"] = round(db.stat().st_size / 2 ** 20)
    return result


def _script(name: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *args], capture_output=True, text=True,
                         cwd=REPO_ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark {name} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_incremental(scale: float, workdir: Path, progress=print) -> dict:
    """The incremental ingest at one scale: one day's and ten days' export into a warehouse holding the rest
    against the same rows into a near-empty one (benchmarks.incremental, with the October bulletin at a past
    cut-off against "now"), and the whole ingest of the log file against a one-pass SQL floor
    (benchmarks.ingest_floor)."""
    data = workdir / f"sample-{scale:g}"
    result = {"scale": scale}
    if not (data / ".complete").exists():
        shutil.rmtree(data, ignore_errors=True)
        progress(f"[{scale:g}] 生成数据…")
        result["generate"] = _child(["generate", str(data), str(scale)])
    progress(f"[{scale:g}] 增量导入…")
    result["incremental"] = _script("incremental", str(data), str(workdir / f"incremental-{scale:g}"))
    progress(f"[{scale:g}] 导入与单趟 SQL 下限…")
    result["floor"] = _script("ingest_floor", str(data), str(workdir / f"floor-{scale:g}"))
    return result


def machine() -> dict:
    import duckdb
    import polars

    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return {"date": dt.date.today().isoformat(), "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "polars": polars.__version__,
            "os": platform.platform()}


def main_phase(argv: list[str]) -> None:
    name, *rest = argv
    if name == "generate":
        out = phase_generate(Path(rest[0]), float(rest[1]))
    elif name == "ingest":
        out = phase_ingest(Path(rest[0]), Path(rest[1]))
    elif name == "build":
        out = phase_build(Path(rest[0]))
    elif name == "queries":
        out = phase_queries(Path(rest[0]))
    elif name == "pandas":
        out = phase_pandas(Path(rest[0]))
    elif name == "browser":
        out = phase_browser(Path(rest[0]), Path(rest[1]))
    else:
        raise SystemExit(f"unknown phase {name}")
    out["peak_rss_mb"] = _rss_mb()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main_phase(sys.argv[1:])
