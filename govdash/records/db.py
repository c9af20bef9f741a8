"""The records database's engine: which URL, one engine per URL, its schema brought up to date on first use.

`records_url()` is `$GOVDASH_RECORDS_URL` when set (`sqlite:////abs/path/records.sqlite3`,
`postgresql://user@host/db`, `postgresql+psycopg://…`), else SQLite at `records.sqlite3` beside the warehouse
file (the folder of `$GOVDASH_DB`, else `data/`). `engine()` returns the process's one engine for that URL after
`alembic upgrade head` ran on it once (the migrations in govdash/records/migrations/), so every `govdash` command
and the server find the tables they need. SQLite runs in WAL mode with a busy timeout, so several processes share
one file; PostgreSQL through psycopg 3.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from govdash.core.paths import REPO_ROOT

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_SECONDS = 30      # a writer of another process holds the file this long at most before we give up

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


class RecordsError(RuntimeError):
    """The records database cannot be reached, read or written; the message (English) is for the server log."""


def guarded(what: str, *, conflict=None, url_first: bool = False):
    """A records function's database failure as a RecordsError naming `what` ("the disputes") and the records
    database (the function's `url` keyword, or its first argument with `url_first`); with `conflict`, a unique key
    refusing a write is `conflict(exc)` instead (another process recorded the same step a moment ago)."""
    import functools

    def decorate(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except sa.exc.IntegrityError as exc:
                if conflict is None:
                    raise _records_error(what, args, kwargs, url_first, exc) from exc
                raise conflict(exc) from exc
            except sa.exc.SQLAlchemyError as exc:
                raise _records_error(what, args, kwargs, url_first, exc) from exc
        return wrapped
    return decorate


def _records_error(what: str, args, kwargs, url_first: bool, exc: Exception) -> RecordsError:
    url = args[0] if url_first and args else kwargs.get("url")
    return RecordsError(f"cannot read or write {what} in the records database {display_url(url)}: {exc!r}")


def default_path() -> Path:
    """records.sqlite3 in the warehouse file's folder (`$GOVDASH_DB`'s, else data/)."""
    db = os.environ.get("GOVDASH_DB")
    folder = Path(db).resolve().parent if db else REPO_ROOT / "data"
    return folder / "records.sqlite3"


def seal_key_path() -> Path:
    """The archive's seal key (HMAC, 0600, made on first use): `$GOVDASH_SEAL_KEY_FILE`, else seal.key beside
    the default records file. It is kept outside both databases, so holding a database is not holding the key."""
    env = os.environ.get("GOVDASH_SEAL_KEY_FILE", "").strip()
    return Path(env) if env else default_path().parent / "seal.key"


def seal_head_path() -> Path:
    """The chain's head beside the key (the last publication's sequence number and seal), so deleting the
    newest publication is detected too."""
    key = seal_key_path()
    return key.with_name(key.name + ".head")


def normalise_url(url: str) -> str:
    """A PostgreSQL URL without a driver means psycopg 3 (SQLAlchemy's default would be psycopg2)."""
    url = url.strip()
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare):]
    return url


def records_url() -> str:
    env = os.environ.get("GOVDASH_RECORDS_URL", "").strip()
    return normalise_url(env) if env else f"sqlite:///{default_path()}"


def display_url(url: str | None = None) -> str:
    """The URL as logs and `govdash status` show it: without a password."""
    return sa.engine.make_url(url or records_url()).render_as_string(hide_password=True)


SQLITE_CONNECTION_SQL = Path(__file__).resolve().parent / "sqlite_connection.sql"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Each new SQLite connection: the statements of sqlite_connection.sql (WAL, foreign keys); the busy
    timeout is the driver's `timeout`."""
    text = "\n".join(line for line in SQLITE_CONNECTION_SQL.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("--"))
    cur = dbapi_connection.cursor()
    for statement in filter(None, (s.strip() for s in text.split(";"))):
        cur.execute(statement)
    cur.close()


def _create(url: str) -> Engine:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():   # created 0600: it holds password hashes
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        eng = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        sa.event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    return sa.create_engine(url, pool_pre_ping=True)


def upgrade(eng: Engine) -> None:
    """`alembic upgrade head` on this engine (one process at a time: Alembic's own version table decides)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with eng.begin() as con:
        cfg.attributes["connection"] = con
        command.upgrade(cfg, "head")


def engine(url: str | None = None) -> Engine:
    """The process's engine for `url` (default: records_url()), its schema at the newest revision."""
    url = normalise_url(url) if url else records_url()
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            try:
                eng = _create(url)
                upgrade(eng)
            except sa.exc.SQLAlchemyError as exc:
                raise RecordsError(f"cannot open the records database {display_url(url)}: {exc!r}") from exc
            _engines[url] = eng
        return eng


def exists(url: str | None = None) -> bool:
    """Whether the records database may hold anything: a SQLite file that is not there yet holds nothing, so a
    reader answers "no records" without creating it; any other database is asked."""
    url = normalise_url(url) if url else records_url()
    if url in _engines:
        return True
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).exists()
    return True


def forget(url: str | None = None) -> None:
    """Dispose of the engine of `url` (every engine when None): tests and a server shutting down."""
    with _lock:
        for key in [normalise_url(url)] if url else list(_engines):
            eng = _engines.pop(key, None)
            if eng is not None:
                eng.dispose()
