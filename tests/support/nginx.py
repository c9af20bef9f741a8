"""nginx in front of served replicas, for the replica tests: the shipped deploy/nginx.conf with only its
`[operator: …]` lines replaced (the replicas' ports, a free loopback port to listen on, pid, logs and temporary files
under the test's folder, the current user), run by the current user in the foreground and stopped afterwards
(benchmarks/replicas.py does the work; `govdash bench load` runs the same). Without nginx the tests are skipped with
the reason, except in CI (`CI` set), where scripts/system-deps.sh must have installed it: there they fail."""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks import replicas as served

MISSING = "nginx 未安装（/usr/sbin/nginx）：请运行 scripts/system-deps.sh 安装 Debian 的 nginx-light"


def require_nginx() -> str:
    """The nginx binary; skips the test without it, fails it under scripts/test.sh (CI), which installed it."""
    if Path(served.NGINX).exists():
        return served.NGINX
    if os.environ.get("GOVDASH_REQUIRE_SERVICES") or os.environ.get("CI"):
        pytest.fail(MISSING + "（CI 中必须安装）")
    pytest.skip(MISSING)


def config_test(conf: Path, prefix: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on a rendered configuration (syntax, and every path it names can be opened)."""
    return subprocess.run([require_nginx(), "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "t.log")],
                          capture_output=True, text=True, timeout=30)


@contextmanager
def nginx_in_front(replica_urls: list[str], work: Path):
    """nginx (deploy/nginx.conf) in front of `replica_urls` on a free loopback port; yields benchmarks.replicas.Nginx
    (its url, its access log's upstream of every request)."""
    require_nginx()
    with served.nginx(replica_urls, work) as front:
        yield front
