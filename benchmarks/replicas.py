"""Replicas of the dashboard behind nginx, on this machine's loopback: N `govdash serve` processes on one warehouse
and one sign-in state, and nginx run with the shipped `deploy/nginx.conf` (only its `[operator: …]` lines replaced:
the replicas' and nginx's own ports, and paths under a work folder). Used by `govdash bench load` and by the replica
tests (tests/support/nginx.py); nothing of it is on the dashboard's path.
"""
from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX_CONF = REPO / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# the end of a directive's line an operator changes: `server 127.0.0.1:8501;  # [operator: replica]` (a line that is
# a comment only, like the file's own explanation of the marks, is no such line)
OPERATOR_MARK = re.compile(r"^\s*[^#\s][^#]*(#\s*\[operator:\s*([a-z_]+)\])")
START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2) -> bool:
    try:
        return urllib.request.urlopen(url + "/_stcore/health", timeout=timeout).read() == b"ok"
    except OSError:
        return False


def marked_lines(text: str) -> list[tuple[int, str]]:
    """(line number, kind) of every line an operator changes."""
    return [(i, m.group(2)) for i, line in enumerate(text.splitlines()) if (m := OPERATOR_MARK.search(line))]


def render_nginx_conf(text: str, replicas: list[str], listen: str, prefix: Path, user: str | None = None) -> str:
    """The shipped configuration with its marked lines set for one run: the `server` lines of the upstream become
    one per replica address (host:port), `listen` the given address, every marked path a file or folder of the same
    name under `prefix`, `user` the given account (default: the current one). Unmarked lines stay as they are."""
    out, replicas_written = [], False
    for line in text.splitlines():
        mark = OPERATOR_MARK.search(line)
        kind = mark.group(2) if mark else None
        indent = line[: len(line) - len(line.lstrip())]
        comment = mark.group(1) if mark else ""
        if kind == "replica":
            if not replicas_written:
                out += [f"{indent}server {address};  {comment}" for address in replicas]
                replicas_written = True
            continue
        if kind == "listen":
            line = f"{indent}listen {listen};  {comment}"
        elif kind == "user":
            line = f"{indent}user {user or getpass.getuser()};  {comment}"
        elif kind == "path":
            directive, path, *rest = line[: mark.start(1)].split()
            path = path.rstrip(";")
            tail = " ".join([str(prefix / Path(path).name), *[r.rstrip(";") for r in rest]]).strip()
            line = f"{indent}{directive} {tail};  {comment}"
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass
class Replica:
    url: str
    port: int
    proc: subprocess.Popen
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Nginx:
    url: str
    port: int
    proc: subprocess.Popen
    prefix: Path
    conf: Path
    replicas: list[str] = field(default_factory=list)

    @property
    def access_log(self) -> Path:
        return self.prefix / "govdash-access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "govdash-error.log"

    def upstreams(self) -> list[tuple[str, str]]:
        """(request line, the replica host:port that answered it) of every request so far, in the order nginx
        finished them (the access log's "GET /path HTTP/1.1" and upstream=; a websocket is logged when it closes)."""
        if not self.access_log.exists():
            return []
        return re.findall(r'"([^"]*)" \d+ .*? upstream=(\S+)', self.access_log.read_text(errors="replace"))

    def upstreams_after(self, seen: int, count: int, timeout: float = 30) -> list[tuple[str, str]]:
        """The requests logged after the first `seen`, once there are `count` of them: nginx writes a request's
        line after its response has gone out (a websocket's when it closes), so a client may be ahead of the log."""
        deadline = time.monotonic() + timeout
        while True:
            logged = self.upstreams()[seen:]
            if len(logged) >= count or time.monotonic() > deadline:
                return logged
            time.sleep(0.02)   # the log file has no event to await


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _await_health(url: str, proc: subprocess.Popen, log_path: Path, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if healthy(url, 1):
            return
        time.sleep(0.25)   # polling a port that is not listening yet: there is no event to await
    _stop(proc)
    raise RuntimeError(f"{what} 未能启动：\n" + log_path.read_text(errors="replace")[-3000:])


@contextmanager
def replicas(n: int, work: Path, env: dict):
    """`n` processes of `govdash serve` on free loopback ports, each with `env` added to the environment (the same
    GOVDASH_DB, GOVDASH_RECORDS_URL and GOVDASH_STATE_DIR for all: one warehouse, one records database); yields them
    once every one answers its health check. Logs: work/replica-<i>.log."""
    started: list[Replica] = []
    logs = []
    try:
        for i in range(n):
            port = free_port()
            log_path = work / f"replica-{i + 1}.log"
            log = open(log_path, "w")
            logs.append(log)
            proc = subprocess.Popen([sys.executable, "-m", "govdash.cli", "serve", "--port", str(port),
                                     "--address", "127.0.0.1"],
                                    cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
            started.append(Replica(f"http://127.0.0.1:{port}", port, proc, log_path))
        for i, replica in enumerate(started):
            _await_health(replica.url, replica.proc, replica.log_path, f"副本 {i + 1}")
        yield started
    finally:
        for replica in started:
            _stop(replica.proc)
        for log in logs:
            log.close()


@contextmanager
def nginx(replica_urls: list[str], work: Path, conf_text: str | None = None):
    """nginx in front of `replica_urls` (http://host:port), on a free loopback port, run as the current user in the
    foreground with its own prefix folder work/nginx (pid, logs, temporary files); yields an Nginx once it answers
    the replicas' health check through itself. Stopped (gracefully) on exit."""
    prefix = work / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    addresses = [u.split("://", 1)[1] for u in replica_urls]
    conf = prefix / "nginx.conf"
    conf.write_text(render_nginx_conf(conf_text if conf_text is not None else NGINX_CONF.read_text(encoding="utf-8"),
                                      addresses, f"127.0.0.1:{port}", prefix), encoding="utf-8")
    log_path = prefix / "nginx-stderr.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "govdash-error.log"),
                                 "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
        served = Nginx(f"http://127.0.0.1:{port}", port, proc, prefix, conf, addresses)
        try:
            _await_health(served.url, proc, log_path, "nginx")
            yield served
        finally:
            _stop(proc, signal.SIGQUIT)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    import psutil

    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    except psutil.NoSuchProcess:
        return 0.0
    return round(total / 2 ** 20, 1)
