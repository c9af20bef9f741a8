"""Two replicas of the dashboard behind nginx, as deploy/nginx.conf ships it (README, 多副本部署): two `govdash serve`
processes on the same warehouse file and the same sign-in state, nginx in front on loopback.

- the shipped configuration is what runs: only its `[operator: …]` lines differ in the running copy, it passes
  `nginx -t`, and its stickiness hashes the product's own session cookie;
- a sign-in through nginx works (the guard's origin check sees the browser's Host through the proxy) and a form from
  another origin is still refused;
- a websocket client through nginx runs a page to its end (script_finished, no exception, no error box);
- every request and websocket of one sign-in reaches the same replica (nginx's access log names the replica, and that
  replica's own log has the page run), and sign-ins spread over both;
- the sign-in cookie is valid on either replica (one shared state), so a replica taken out keeps its users signed in;
- an ingest (the warehouse snapshot swapped by rename) is seen by both replicas without a restart: the month's 派单数
  on each becomes the figure `govdash report bulletin` gives for the new snapshot;
- `govdash bench load` serves every virtual user on one replica and on two.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from benchmarks import replicas as served
from benchmarks.ws_load import page_run, session_cookie_name, sign_in
from tests.support.access import settings_file
from tests.support.browser import CHAIR
from tests.support.nginx import config_test, nginx_in_front, require_nginx
from tests.support.paths import REPO

MONTH = "2024-10"
QUERY = f"month={MONTH}"
RUN_LINE = re.compile(r"script-run page=\S+ seconds=")


def _get(base: str, path: str, cookie: str = "", origin: str = "") -> tuple[int, dict]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {**({"Cookie": cookie} if cookie else {}), **({"Origin": origin} if origin else {})}
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.headers.items()}
    finally:
        conn.close()


def _run(base: str, cookie: str):
    return asyncio.run(page_run(base, cookie, "", QUERY, timeout=180))


def _dispatched(run) -> int:
    return int(run.metrics["派单数"].replace(",", ""))


# ---------------------------------------------------------------- the shipped file

@pytest.mark.fast
def test_the_running_copy_differs_from_the_shipped_file_only_in_marked_lines(tmp_path):
    require_nginx()
    shipped = served.NGINX_CONF.read_text(encoding="utf-8")
    replicas = ["127.0.0.1:18001", "127.0.0.1:18002", "127.0.0.1:18003"]
    rendered = served.render_nginx_conf(shipped, replicas, "127.0.0.1:18090", tmp_path)
    marked_shipped = {i for i, _ in served.marked_lines(shipped)}
    marked_rendered = {i for i, _ in served.marked_lines(rendered)}
    unmarked = [line for i, line in enumerate(shipped.splitlines()) if i not in marked_shipped]
    assert unmarked == [line for i, line in enumerate(rendered.splitlines()) if i not in marked_rendered]
    assert re.findall(r"^\s*server (\S+);", rendered, re.M) == replicas
    assert re.findall(r"^\s*listen (\S+);", rendered, re.M) == ["127.0.0.1:18090"]
    # every path nginx writes is under the run's own folder
    for line in rendered.splitlines():
        if "[operator: path]" in line and not line.lstrip().startswith("#"):
            assert str(tmp_path) in line, line
    conf = tmp_path / "nginx.conf"
    conf.write_text(rendered, encoding="utf-8")
    checked = config_test(conf, tmp_path)
    assert checked.returncode == 0, checked.stderr
    # the operator's lines are marked: replicas, listen, server_name, paths, user
    assert {kind for _, kind in served.marked_lines(shipped)} == {"replica", "listen", "server_name", "path", "user"}


@pytest.mark.fast
def test_the_shipped_file_keeps_a_sign_in_on_one_replica_and_passes_the_websocket():
    text = served.NGINX_CONF.read_text(encoding="utf-8")
    upstream = re.search(r"upstream govdash \{(.*?)\}", text, re.S).group(1)
    assert re.search(rf"^\s*hash \$cookie_{session_cookie_name()} consistent;", upstream, re.M), upstream
    assert re.search(r"map \$http_upgrade \$connection_upgrade", text)
    for header in ("Host $http_host", "Upgrade $http_upgrade", "Connection $connection_upgrade",
                   "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in text, header
    stream = re.search(r"location /_stcore/stream \{(.*?)\}", text, re.S).group(1)
    assert re.search(r"proxy_read_timeout 1d;", stream), stream


# ---------------------------------------------------------------- two replicas behind nginx

@pytest.fixture(scope="module")
def pair(tmp_path_factory, postgres_server):
    """Two `govdash serve` on one warehouse (a small generated city) and one records database on this run's real
    PostgreSQL (accounts, sign-outs, failed sign-ins, publications), one state folder (the session secret), the
    access rules with the proxy's client-address header declared (X-Real-IP, as README advises), nginx in front."""
    from govdash.records import accounts as account_store
    from govdash.records import db as records_db
    from pipelines.ingest import ingest
    from pipelines.sample import generate

    require_nginx()
    work = tmp_path_factory.mktemp("replicas")
    generate(work / "first", seed=1, scale=0.05)
    generate(work / "second", seed=2, scale=0.05)   # other event ids: loaded later, it adds October's whistles
    db = work / "warehouse.duckdb"
    assert ingest([work / "first"], db_path=db).exit_code in (0, 2)
    records = postgres_server.new_database()
    account_store.set_user(CHAIR[0], "committee", CHAIR[1], url=records)
    (work / "state").mkdir()
    env = {"GOVDASH_DB": str(db), "GOVDASH_RECORDS_URL": records, "GOVDASH_STATE_DIR": str(work / "state"),
           "GOVDASH_SEAL_KEY_FILE": str(work / "seal.key"),
           "GOVDASH_ACCESS_SETTINGS": str(settings_file(work)), "GOVDASH_LOG_RUNS": "1"}
    with served.replicas(2, work, env) as started, nginx_in_front([r.url for r in started], work) as front:
        yield {"replicas": started, "nginx": front, "db": db, "env": env, "work": work}
    records_db.forget(records)


def _replica_of(pair, address: str):
    return next(r for r in pair["replicas"] if r.url.endswith("//" + address))


@pytest.mark.browser
def test_sign_in_and_a_page_run_through_nginx(pair):
    front = pair["nginx"]
    cookie = sign_in(front.url, CHAIR)
    assert cookie.startswith(session_cookie_name() + "=")
    run = _run(front.url, cookie)
    assert run.outcome == "finished", run
    assert not run.exceptions and not run.error_boxes, run
    assert "月度通报" in " ".join(run.headings), run.headings
    assert _dispatched(run) > 0
    # a page load with the cookie is the page, not the sign-in form
    status, _ = _get(front.url, f"/?{QUERY}", cookie)
    assert status == 200
    # the guard still refuses a form from another origin behind the proxy
    parts = urlsplit(front.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", "/account/sign-in", body=f"username={CHAIR[0]}&password={CHAIR[1]}",
                 headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://127.0.0.1:1"})
    refused = conn.getresponse()
    refused.read()
    conn.close()
    assert refused.status == 403


@pytest.mark.browser
def test_one_sign_in_stays_on_one_replica(pair):
    front = pair["nginx"]
    start = len(front.upstreams())
    cookies = [sign_in(front.url, CHAIR) for _ in range(12)]
    # nginx logs a request after answering it: wait for the twelve sign-ins' lines before counting from here
    front.upstreams_after(start, 12)
    chosen = {}
    for cookie in cookies:
        seen = len(front.upstreams())
        logged = {r.url: len(RUN_LINE.findall(r.log_text())) for r in pair["replicas"]}
        for _ in range(3):
            assert _get(front.url, f"/?{QUERY}", cookie)[0] == 200
        run = _run(front.url, cookie)
        assert run.ok, run.error()
        answered = front.upstreams_after(seen, 4)
        # three page loads and the websocket (logged when it closed)
        assert len(answered) == 4 and any("/_stcore/stream" in line for line, _ in answered), answered
        replicas = {upstream for _, upstream in answered}
        assert len(replicas) == 1, answered
        chosen[cookie] = replicas.pop()
        # the page ran on that replica and on no other (each replica's own log of script runs)
        grew = {r.url for r in pair["replicas"] if len(RUN_LINE.findall(r.log_text())) > logged[r.url]}
        assert grew == {_replica_of(pair, chosen[cookie]).url}, (grew, chosen[cookie])
        # the same cookie again: the same replica
        before = len(front.upstreams())
        _get(front.url, "/whistle", cookie)
        assert {u for _, u in front.upstreams_after(before, 1)} == {chosen[cookie]}
    # twelve sign-ins are not all on one replica (the hash spreads sessions)
    assert len(set(chosen.values())) == 2, chosen


@pytest.mark.browser
def test_a_sign_in_is_valid_on_either_replica(pair):
    cookie = sign_in(pair["nginx"].url, CHAIR)
    for replica in pair["replicas"]:
        run = _run(replica.url, cookie)
        assert run.ok, (replica.url, run.error())
        assert "月度通报" in " ".join(run.headings)


@pytest.mark.browser
def test_an_ingest_is_seen_by_both_replicas_without_a_restart(pair):
    front, env = pair["nginx"], pair["env"]
    cookie = sign_in(front.url, CHAIR)
    before = {r.url: _dispatched(_run(r.url, cookie)) for r in pair["replicas"]}
    assert len(set(before.values())) == 1, before
    pids = [r.proc.pid for r in pair["replicas"]]
    loaded = subprocess.run([sys.executable, "-m", "govdash.cli", "ingest", str(pair["work"] / "second")],
                            env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert loaded.returncode in (0, 2), loaded.stderr[-2000:]
    report = subprocess.run([sys.executable, "-m", "govdash.cli", "report", "bulletin", "--month", MONTH, "--format",
                             "json"], env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr[-2000:]
    expected = json.loads(report.stdout)["city"]["dispatched"]
    assert expected != next(iter(before.values())), "the second city adds October's whistles"
    # the same sign-in, through nginx and on each replica directly: the new figure everywhere
    assert _dispatched(_run(front.url, cookie)) == expected
    after = {r.url: _dispatched(_run(r.url, cookie)) for r in pair["replicas"]}
    assert after == {r.url: expected for r in pair["replicas"]}, (before, after, expected)
    assert [r.proc.pid for r in pair["replicas"]] == pids and all(r.proc.poll() is None for r in pair["replicas"])


# ---------------------------------------------------------------- the load benchmark

@pytest.mark.browser
def test_the_load_bench_serves_every_session_on_one_and_on_two_replicas(sample_db):
    """`govdash bench load` starts its replicas (and nginx for two), and every virtual user's page run ends."""
    require_nginx()
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "bench", "load", "--sessions", "3", "--replicas", "1,2",
                          "--db", str(sample_db), "--json"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    rounds = json.loads(out.stdout)["rounds"]
    assert [(r["replicas"], r["sessions"]) for r in rounds] == [(1, 3), (2, 3)]
    for r in rounds:
        assert r["ok"] == 3 and r["errors"] == 0, r
        assert 0 < r["median_s"] <= r["worst_s"], r
        assert len(r["rss_peak_mb"]) == r["replicas"] and min(r["rss_peak_mb"].values()) > 50, r
        assert r["server_run_median_s"] is not None, r
    assert sum(rounds[1]["websockets_per_replica"].values()) == 3, rounds[1]


# ---------------------------------------------------------------- what people make, shared by the replicas

def _post(base: str, path: str, cookie: str) -> tuple[int, dict]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("POST", path, body="", headers={"Cookie": cookie, "Origin": base,
                                                     "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.headers.items()}
    finally:
        conn.close()


@pytest.mark.browser
def test_a_sign_out_through_one_replica_is_refused_by_the_other_at_its_next_request(pair):
    front = pair["nginx"]
    cookie = sign_in(front.url, CHAIR)
    for replica in pair["replicas"]:
        assert _get(replica.url, "/whistle", cookie)[0] == 200, replica.url
    seen = len(front.upstreams())
    status, headers = _post(front.url, "/account/sign-out", cookie)
    assert status == 303, (status, headers)
    # the replica nginx sent the sign-out to (its log line may follow a late line of the sign-in)
    deadline = time.monotonic() + 30
    while not (out := [u for line, u in front.upstreams()[seen:] if "/account/sign-out" in line]):
        assert time.monotonic() < deadline, front.upstreams()[seen:]
        time.sleep(0.02)   # the log file has no event to await
    (signed_out_on,) = out
    other = next(r for r in pair["replicas"] if not r.url.endswith("//" + signed_out_on))
    # the very next request on the other replica: the sign-in page, and its websocket is refused
    status, headers = _get(other.url, "/whistle", cookie)
    assert status == 303 and headers.get("location", "").startswith("/account/sign-in"), (status, headers)
    assert _run(other.url, cookie).outcome in ("refused", "closed")
    for replica in pair["replicas"]:
        assert _get(replica.url, "/whistle", cookie)[0] == 303, replica.url


@pytest.mark.browser
def test_a_month_published_by_one_process_is_served_as_published_by_both_replicas(pair):
    """Publishing writes the records database every replica reads: a month published by `govdash publish` (a third
    process on the same records) shows as published on each replica at its next page run, with no restart."""
    front, env = pair["nginx"], pair["env"]
    cookie = sign_in(front.url, CHAIR)
    month = "2024-09"
    query = f"month={month}"
    before = [asyncio.run(page_run(r.url, cookie, "", query, timeout=180)) for r in pair["replicas"]]
    assert all(run.ok for run in before), [run.error() for run in before]
    assert not any("定稿发布" in note for run in before for note in run.notices), [run.notices for run in before]
    published = subprocess.run([sys.executable, "-m", "govdash.cli", "publish", "--month", month, "--user", CHAIR[0]],
                               env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert published.returncode == 0, published.stderr[-2000:]
    for replica in pair["replicas"]:
        run = asyncio.run(page_run(replica.url, cookie, "", query, timeout=180))
        assert run.ok, (replica.url, run.error())
        assert any("通报已于" in note and "定稿发布" in note for note in run.notices), (replica.url, run.notices)
