"""The records database copied out and put back: what `govdash backup` and `govdash restore` do with it.

SQLite is copied with SQLite's online backup (a consistent snapshot while servers keep writing); PostgreSQL with
`pg_dump` in its custom format, by the pg_dump of the server's major version (an older pg_dump refuses a newer
server), the password in the environment, never on the command line. A copy is put back only into an empty records
database: for SQLite a file that does not exist yet, for PostgreSQL a database the operator created that holds no
table (`pg_restore --no-owner` in one transaction, so a failed restore leaves it empty). Then the migrations bring
it to this version's newest revision.

Every refusal is a BackupError with a Chinese message for the operator."""
from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from govdash.records import db, schema

SQLITE_FILE = "records.sqlite3"
POSTGRES_FILE = "records.pgdump"
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"       # Debian's and Ubuntu's PostgreSQL packages, one per version
DUMP_TIMEOUT_SECONDS = 3600
# libpq's environment for a URL's query options: a socket folder, TLS; anything else stays out of argv too
LIBPQ_QUERY_ENV = {"host": "PGHOST", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                   "sslkey": "PGSSLKEY", "options": "PGOPTIONS"}


class BackupError(RuntimeError):
    """A backup or restore refused or failed; the message (Chinese) is for the operator."""


def engine_name(url: str | None = None) -> str:
    """"sqlite" or "postgresql": the records database's engine."""
    name = sa.engine.make_url(db.normalise_url(url) if url else db.records_url()).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"记录库类型 {name} 不支持备份与恢复（只支持 SQLite 与 PostgreSQL）")
    return name


def dump_file_name(engine: str) -> str:
    return SQLITE_FILE if engine == "sqlite" else POSTGRES_FILE


def _url(url: str | None) -> URL:
    return sa.engine.make_url(db.normalise_url(url) if url else db.records_url())


def _sqlite_path(url: str | None) -> Path:
    path = _url(url).database
    if not path or path == ":memory:":
        raise BackupError("内存中的 SQLite 记录库无法备份或恢复，请用 GOVDASH_RECORDS_URL 指定数据库文件")
    return Path(path)


def head_revision() -> str:
    """This version's newest migration."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def known_revision(revision: str | None) -> bool:
    """Whether `revision` is one of this version's migrations (a backup of a newer version is not)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if not revision:
        return False
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except CommandError:
        return False


def _revision_of(eng: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with eng.connect() as con:
        return MigrationContext.configure(con).get_current_revision()


def revision(url: str | None = None) -> str | None:
    """The Alembic revision the records database is at."""
    return _revision_of(db.engine(url))


def _read_only_sqlite(path: Path) -> Engine:
    """An engine reading the SQLite file as it lies (immutable: no lock, no -wal or -shm file made beside it)."""
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro&immutable=1",
                                                                         uri=True), poolclass=sa.pool.NullPool)


# what a restore reports it put back, table by table
COUNTED = (("账号", schema.accounts), ("月度通报发布记录", schema.bulletin_publications),
           ("考核发布记录", schema.assessment_publications), ("评分设置版本", schema.scoring_versions),
           ("已注销的登录会话", schema.revoked_sessions), ("登录失败计数", schema.signin_failures))


def counts(url: str | None = None) -> dict[str, int]:
    """Rows of the records that people made, by what they are (Chinese labels)."""
    with db.engine(url).connect() as con:
        return {label: con.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for label, table in COUNTED}


# ---------------------------------------------------------------- PostgreSQL's programs and their environment


def _version_of(program: Path) -> int | None:
    try:
        out = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def postgres_program(name: str, server_major: int) -> Path:
    """`pg_dump` or `pg_restore` for a server of major version `server_major`: the installed version that matches
    it, else the oldest newer one (each reads the dumps and servers of older versions), else the one on PATH when
    it is new enough."""
    installed = {}
    for folder in glob.glob(POSTGRES_BIN_GLOB):
        program = Path(folder) / name
        if program.exists() and Path(folder).parent.name.isdigit():
            installed[int(Path(folder).parent.name)] = program
    usable = sorted(v for v in installed if v >= server_major)
    if usable:
        return installed[usable[0]]
    on_path = shutil.which(name)
    if on_path and (_version_of(Path(on_path)) or 0) >= server_major:
        return Path(on_path)
    raise BackupError(f"找不到 PostgreSQL {server_major} 或更新版本的 {name}（服务器为 {server_major} 版），"
                      f"请安装相应版本的 PostgreSQL 客户端（如 postgresql-client-{server_major}）")


def libpq_connection(url: URL) -> tuple[list[str], dict[str, str]]:
    """The connection as arguments without the password, and the environment that carries the password."""
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)      # libpq reads the same PG* variables (a ~/.pgpass too) as the product's connections
    if url.password:
        env["PGPASSWORD"] = url.password
    env.setdefault("PGCONNECT_TIMEOUT", "30")
    for key, value in url.query.items():
        if key in LIBPQ_QUERY_ENV:
            env[LIBPQ_QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    return args, env


def _server_major(eng: Engine) -> int:
    with eng.connect():
        pass
    return eng.dialect.server_version_info[0]


def _run(program: Path, args: list[str], env: dict[str, str], doing: str) -> None:
    try:
        done = subprocess.run([str(program), *args], capture_output=True, text=True, env=env,
                              timeout=DUMP_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{doing}失败：{exc}") from exc
    if done.returncode != 0:
        raise BackupError(f"{doing}失败（{program.name} 退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------- copying out


def dump(folder: Path, url: str | None = None) -> tuple[str, str | None]:
    """Copy the records database into `folder` (records.sqlite3 or records.pgdump, 0600); returns the file's name
    and the copy's Alembic revision."""
    engine = engine_name(url)
    eng = db.engine(url)          # at this version's newest revision, as every command finds it
    target = folder / dump_file_name(engine)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if engine == "sqlite":
        source = sqlite3.connect(_sqlite_path(url), timeout=db.SQLITE_BUSY_SECONDS)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)   # page by page, restarting when a writer changes the file meanwhile
        finally:
            copy.close()
            source.close()
        copied = _read_only_sqlite(target)
        try:
            return target.name, _revision_of(copied)
        finally:
            copied.dispose()
    parsed = _url(url)
    rev = _revision_of(eng)
    program = postgres_program("pg_dump", _server_major(eng))
    args, env = libpq_connection(parsed)
    _run(program, ["--format=custom", "--no-password", *args, "--file", str(target), "--dbname",
                   parsed.database or ""], env, "pg_dump 导出记录库")
    os.chmod(target, 0o600)
    return target.name, rev


# ---------------------------------------------------------------- putting back


def check_empty(url: str | None = None) -> None:
    """Refuse a records database that is not empty: a SQLite file that exists, a PostgreSQL database with a table."""
    if engine_name(url) == "sqlite":
        path = _sqlite_path(url)
        for existing in (path, path.with_name(path.name + "-wal")):
            if existing.exists():
                raise BackupError(f"记录库文件 {existing} 已存在。恢复只写入新的记录库：请指定一个不存在的文件"
                                  f"（GOVDASH_RECORDS_URL），或先移走该文件")
        return
    eng = sa.create_engine(_url(url), poolclass=sa.pool.NullPool)   # not db.engine(): that would create the tables
    try:
        inspector = sa.inspect(eng)
        tables = [f"{schema}.{t}" for schema in inspector.get_schema_names()
                  if schema not in ("information_schema",) and not schema.startswith("pg_")
                  for t in inspector.get_table_names(schema=schema)]
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"无法连接恢复目标记录库 {db.display_url(url)}：{exc}") from exc
    finally:
        eng.dispose()
    if tables:
        raise BackupError(f"恢复目标记录库 {db.display_url(url)} 不是空库（已有 {len(tables)} 张表，如 "
                          f"{'、'.join(sorted(tables)[:3])}）。请新建一个空数据库再恢复")


def load(source: Path, url: str | None = None) -> None:
    """Put the copy `source` into the (checked empty) records database."""
    if engine_name(url) == "sqlite":
        path = _sqlite_path(url)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".restoring")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # it holds password hashes
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
            os.link(partial, path)    # never over a file that appeared meanwhile
        finally:
            partial.unlink(missing_ok=True)
        return
    parsed = _url(url)
    eng = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    try:
        major = _server_major(eng)
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"无法连接恢复目标记录库 {db.display_url(url)}：{exc}") from exc
    finally:
        eng.dispose()
    args, env = libpq_connection(parsed)
    _run(postgres_program("pg_restore", major),
         ["--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", "--no-password", *args,
          "--dbname", parsed.database or "", str(source)], env, "pg_restore 恢复记录库")
