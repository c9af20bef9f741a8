"""The records database under test, on both engines it supports: a fresh SQLite file, or a fresh database on a
real PostgreSQL server that this test run starts itself (a throwaway cluster in a temporary folder, owned by a
non-root user, on a free loopback port; Debian's `postgresql` package, installed by scripts/system-deps.sh).
Fixtures registered by tests/conftest.py: `postgres_server` (once per run), `records_url` (parametrized over
sqlite and postgresql, a fresh database each test), `records_env` (the same set as $GOVDASH_RECORDS_URL)."""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder holding initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    port: int
    user: str
    _names = itertools.count(1)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database's URL (postgresql:// without a driver, as an operator writes it)."""
        import psycopg

        name = f"records_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(f'create database "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this run only: initdb in a temporary folder, started by pg_ctl as a non-root user
    (PostgreSQL refuses to run as root) on a free port of 127.0.0.1, trust authentication for that loopback
    only; stopped and removed at the end of the run."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("GOVDASH_REQUIRE_SERVICES"):   # scripts/test.sh (CI): installed by system-deps.sh
            pytest.fail("PostgreSQL is not installed although scripts/system-deps.sh ran before the tests")
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb missing): "
                    "run `bash scripts/system-deps.sh` as root to install Debian's postgresql package")
    folder = Path(tempfile.mkdtemp(prefix="govdash-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    run_as = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid}
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    for sub in (data, sockets):
        subprocess.run(["mkdir", "-m", "0700", str(sub)], check=True, **run_as)
    port, user = free_port(), "govdash"
    subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True, **run_as)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c max_connections=200"
    started = subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                              "-w", "-t", "60", "start"], capture_output=True, text=True, **run_as)
    if started.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    try:
        yield PostgresServer(port, user)
    finally:
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, **run_as)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def records_url(request, tmp_path_factory) -> str:
    """A fresh records database: a SQLite file, or a new database on this run's PostgreSQL server."""
    from govdash.records import db

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('records') / 'records.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server").new_database()
    yield url
    db.forget(url)


@pytest.fixture
def records_env(records_url, monkeypatch) -> str:
    """records_url as $GOVDASH_RECORDS_URL: what every govdash command and the server read."""
    monkeypatch.setenv("GOVDASH_RECORDS_URL", records_url)
    return records_url
