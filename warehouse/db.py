"""Where the warehouse lives and how processes share it.

DuckDB lets one process write a file or many read it, and an open reader blocks a writer in
another process. So writers never touch the live file: a write session copies it, works on the
copy, checkpoints, and atomically renames the copy over the live file (os.replace). Readers open
the live file read-only; a reader that opened the old snapshot keeps reading it until it reopens,
and the dashboard reopens when the file's identity (inode, mtime, size) changes. A writer killed
part-way leaves only a stray copy, which the next command or reader deletes once no writer holds the lock
(remove_stray_copies): the live file is as it was.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from govdash.core.paths import REPO_ROOT
from warehouse.sql_files import connection_sql, ddl_sql


class WarehouseError(Exception):
    """The warehouse file is missing, corrupt or unreadable; the message is for the user."""


def warehouse_path() -> Path:
    env = os.environ.get("GOVDASH_DB")
    return Path(env) if env else REPO_ROOT / "data" / "govdash.duckdb"


def data_version(path: Path | None = None) -> tuple[int, int, int] | None:
    """Identity of the current snapshot; changes whenever a write session commits."""
    path = path or warehouse_path()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def connect_read(path: Path | None = None, check_build: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-only view of the warehouse's current snapshot. With `check_build`, a warehouse that another
    version of the models and macros built is refused with what to do (govdash build), rather than
    failing later on a macro or column this version expects."""
    path = path or warehouse_path()
    remove_stray_copies(path)
    if not path.exists():
        raise WarehouseError(f"数据仓库文件不存在：{path.name}。请先运行 govdash ingest 导入数据。")
    # Each reader is its own in-memory instance that attaches the file: DuckDB caches instances by
    # path within a process, so a plain connect() after a swap could hand back the old snapshot.
    con = duckdb.connect(":memory:")
    try:
        import tempfile

        configure(con, os.path.join(tempfile.gettempdir(), "govdash-spill"))
        con.execute(connection_sql("attach_read_only"), {"path": str(path)})
        con.execute(connection_sql("use_warehouse"))
        check_complete(con, path)
        if check_build:
            check_built_by_this_version(con)
        return con
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(
            f"数据仓库文件无法打开（可能已损坏或不是 DuckDB 文件）：{path.name}。"
            f"可删除该文件后重新运行 govdash ingest 重建。详情：{error_detail(exc)}"
        ) from None


OUTDATED_BUILD = ("数据仓库由另一版本的程序构建，与当前版本的统计口径不一致。请先运行 govdash build 按当前版本重建"
                  "（或在“数据导入与质量”页面重新导入任一文件），已导入的数据不会丢失。")


def built_by_this_version(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse's models and macros are this version's (build_info holds its fingerprint)."""
    from warehouse.build import build_fingerprint

    try:
        rows = con.execute(ddl_sql("build_fingerprint")).fetchall()
    except duckdb.CatalogException:   # built before build_info existed
        rows = []
    return [r[0] for r in rows] == [build_fingerprint()]


def check_built_by_this_version(con: duckdb.DuckDBPyConnection) -> None:
    if not built_by_this_version(con):
        con.close()
        raise WarehouseError(OUTDATED_BUILD)


# DuckDB errors that say what the data or the build is, not that the file is damaged
VALUE_ERRORS = (duckdb.OutOfRangeException, duckdb.ConversionException)
BUILD_ERRORS = (duckdb.BinderException, duckdb.CatalogException)


def _column_named(detail: str) -> str:
    """The input column a DuckDB error names ("… source column sum(problems_raised)"), as the reader knows it:
    "走访记录的“发现问题数”"; empty when the error names none."""
    import re

    from govdash.core.tables import table_specs

    words = set(re.findall(r"[a-z_][a-z0-9_]*", detail))
    for spec in table_specs().values():
        for c in spec.columns:
            if c.type in ("int", "float") and c.name in words:
                return f"{spec.label}的“{c.labels[0] if c.labels else c.name}”（{spec.name}.{c.name}）"
    return ""


def out_of_range_message(exc: BaseException) -> str:
    """An overflow or a failed conversion while computing: what it is and what to do (never "the file is damaged")."""
    detail = error_detail(exc)
    column = _column_named(detail)
    return (f"数值超出范围{('：' + column) if column else ''}。数据中有超出可计算范围的取值（可能由旧版本导入，"
            "当时未按合理范围隔离）；数据仓库文件本身没有损坏。请在源文件中修正该取值后重新导入（当前版本会隔离超出合"
            f"理范围的行，修正后的行替换原行）。详情：{detail}")


def warehouse_error_message(exc: BaseException) -> str:
    """A DuckDB error that reached a command or a page, as one Chinese sentence naming its cause: a value out of
    range, a warehouse built by another version (govdash build), or a read or write failure of the file."""
    if isinstance(exc, VALUE_ERRORS):
        return out_of_range_message(exc)
    if isinstance(exc, BUILD_ERRORS):
        error_detail(exc)  # logged
        return OUTDATED_BUILD
    return f"数据仓库读写失败（文件可能已损坏）：{error_detail(exc)}"


def error_detail(exc: BaseException) -> str:
    """The first line of a DuckDB/OS error for a user's message, with file paths cut to their names
    (no server path ever reaches a user); the whole error goes to the server log."""
    import logging
    import re

    logging.getLogger("govdash.warehouse").info("warehouse error: %r", exc)
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return re.sub(r"(/[^\s\"']*/)([^/\s\"']+)", r"\2", first)


def _memory_limit() -> str:
    import re

    from govdash.core.settings import load_settings

    value = str(load_settings().get("warehouse", {}).get("memory_limit", "2GB")).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value):
        raise WarehouseError(f"设置 [warehouse] memory_limit 的值“{value}”无效，应如 \"2GB\"")
    return value


def configure(con: duckdb.DuckDBPyConnection, spill_dir: str | None = None) -> None:
    """Bound DuckDB's memory (the setting [warehouse] memory_limit); spill beyond it."""
    con.execute(connection_sql("set_memory_limit", memory_limit=_memory_limit()))
    con.execute(connection_sql("set_preserve_insertion_order"))
    if spill_dir:
        con.execute(connection_sql("set_temp_directory", temp_directory=spill_dir))


# DuckDB's file starts with three 4 KiB headers, then fixed-size blocks numbered from 0.
FILE_HEADER_BYTES = 3 * 4096


def highest_used_block(con: duckdb.DuckDBPyConnection, database: str = "warehouse") -> int:
    """The highest block id any table of `database` stores data in (-1 when none)."""
    tables = con.execute(connection_sql("database_tables"), {"database": database}).fetchall()
    highest = -1
    for schema, table in tables:
        qualified = ".".join('"' + part.replace('"', '""') + '"' for part in (database, schema, table))
        (top,) = con.execute(connection_sql("highest_block"), {"table": qualified}).fetchone()
        if top is not None:
            highest = max(highest, top)
    return highest


def check_complete(con: duckdb.DuckDBPyConnection, path: Path, database: str = "warehouse") -> None:
    """A file cut short (an interrupted copy, a full disk) can still attach: every block a table stores
    data in must lie inside the file. Free blocks that DuckDB trims from the end of a healthy file are
    not counted, so a healthy file is never flagged (the old check compared against total_blocks and
    misfired after an ordinary re-ingest)."""
    (block_size,) = con.execute(connection_sql("block_size"), {"database": database}).fetchone()
    needed = FILE_HEADER_BYTES + block_size * (highest_used_block(con, database) + 1)
    actual = os.stat(path).st_size
    if actual < needed:
        con.close()
        raise WarehouseError(f"数据仓库文件不完整（{actual:,} 字节，其中的数据需要至少 {needed:,} 字节，"
                             f"可能复制中断或磁盘已满）：{path.name}。请从备份恢复，或删除该文件后重新运行 "
                             "govdash ingest 重建。")


@contextmanager
def write_session(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction across processes: all of the session's changes land together, or none."""
    path = path or warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = str(path) + ".lock"
    with _private_umask(), open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time; readers are never blocked
        _remove_strays(path)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            if path.exists():
                shutil.copyfile(path, tmp)
            con = duckdb.connect(tmp)
            configure(con, tmp + ".spill")
            if path.exists():
                check_complete(con, Path(tmp), con.execute(connection_sql("current_database")).fetchall()[0][0])
        except WarehouseError:
            _discard(tmp)
            raise WarehouseError(f"数据仓库文件不完整（可能复制中断或磁盘已满）：{path.name}。"
                                 "请从备份恢复，或删除该文件后重新运行 govdash ingest 重建。") from None
        except (OSError, duckdb.Error) as exc:
            _discard(tmp)
            raise _write_error(path, exc, opening=True) from None
        try:
            yield con
            con.execute(connection_sql("write_checkpoint"))
            con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
            shutil.rmtree(tmp + ".spill", ignore_errors=True)
        except BaseException as exc:
            try:
                con.close()
            except duckdb.Error:
                pass
            finally:
                _discard(tmp)
            if isinstance(exc, (OSError, duckdb.Error)):
                raise _write_error(path, exc) from None
            raise


def _remove_strays(path: Path) -> list[str]:
    """Delete every working copy of `path` (and what DuckDB made beside it); only under the writers' lock."""
    removed = []
    for stale in glob.glob(glob.escape(str(path)) + ".tmp-*"):
        # left by a writer that was killed; the live file never saw it
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(stale, ignore_errors=True) if os.path.isdir(stale) else os.remove(stale)
        removed.append(os.path.basename(stale))
    return removed


def remove_stray_copies(path: Path | None = None) -> list[str]:
    """The working copies a killed writer left (a full-size copy of the warehouse each), removed by the next
    command or reader rather than the next write: when no writer holds the lock, no copy is in use. While a writer
    holds it nothing is touched (its own copy is live; it removed the older ones when it started). Returns the
    names removed; a directory this process may not write is left alone."""
    path = path or warehouse_path()
    if not glob.glob(glob.escape(str(path)) + ".tmp-*"):
        return []
    try:
        with _private_umask(), open(str(path) + ".lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return []
            try:
                return _remove_strays(path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except OSError:
        return []


def _write_error(path: Path, exc: BaseException, opening: bool = False) -> WarehouseError:
    """One Chinese message for a write that the disk refused; the live warehouse is as it was."""
    text = str(exc)
    if isinstance(exc, VALUE_ERRORS + BUILD_ERRORS):
        return WarehouseError(f"本次写入已取消，数据仓库保持原样：{warehouse_error_message(exc)}")
    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text or "not enough space" in text.lower():
        return WarehouseError(f"磁盘空间不足，本次写入已取消，数据仓库保持原样：{path.name}（位于 {path.parent.name}/）"
                              "。请清理磁盘空间后重试。")
    if isinstance(exc, PermissionError) or "Permission denied" in text:
        return WarehouseError(f"没有写入数据仓库目录的权限，本次写入已取消，数据仓库保持原样：{path.name}。")
    if opening and isinstance(exc, duckdb.Error):
        return WarehouseError(f"数据仓库文件无法打开（可能已损坏）：{path.name}。可删除该文件后重新导入。"
                              f"详情：{error_detail(exc)}")
    return WarehouseError(f"写入数据仓库失败，本次写入已取消，数据仓库保持原样：{path.name}（{type(exc).__name__}）。")


@contextmanager
def _private_umask() -> Iterator[None]:
    """Files the warehouse creates (the lock, the working copy, the live file) are the owner's only (0600)."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _discard(tmp: str) -> None:
    """Remove a working copy and everything DuckDB made beside it."""
    _remove_quietly(tmp)
    _remove_quietly(tmp + ".wal")
    shutil.rmtree(tmp + ".spill", ignore_errors=True)


def _remove_quietly(p: str) -> None:
    try:
        os.remove(p)
    except FileNotFoundError:
        pass


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """A query's rows as a polars frame (DuckDB 2.0: polars output lives on relations)."""
    return con.sql(sql, params=params or None).pl()


def read_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of a reader connection (one per query/thread), pointed at the warehouse."""
    cur = con.cursor()
    cur.execute(connection_sql("use_warehouse"))
    return cur
