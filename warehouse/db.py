"""Where the warehouse lives and how processes share it.

DuckDB lets one process write a file or many read it, and an open reader blocks a writer in
another process. So writers never touch the live file: a write session copies it, works on the
copy, checkpoints, and atomically renames the copy over the live file (os.replace). Readers open
the live file read-only; a reader that opened the old snapshot keeps reading it until it reopens,
and the dashboard reopens when the file's identity (inode, mtime, size) changes. A writer killed
part-way leaves only a stray copy, which the next write session deletes: the live file is as it was.
"""
from __future__ import annotations

import fcntl
import glob
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from govdash import REPO_ROOT


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


def connect_read(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    path = path or warehouse_path()
    if not path.exists():
        raise WarehouseError(f"数据仓库文件不存在：{path}。请先运行 govdash ingest 导入数据。")
    # Each reader is its own in-memory instance that attaches the file: DuckDB caches instances by
    # path within a process, so a plain connect() after a swap could hand back the old snapshot.
    con = duckdb.connect(":memory:")
    try:
        import tempfile

        configure(con, os.path.join(tempfile.gettempdir(), "govdash-spill"))
        con.execute("attach ? as warehouse (read_only)", [str(path)])
        con.execute("use warehouse")
        _check_not_truncated(con, path)
        return con
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(
            f"数据仓库文件无法打开（可能已损坏或不是 DuckDB 文件）：{path}。"
            f"可删除该文件后重新运行 govdash ingest 重建。详情：{str(exc).splitlines()[0]}"
        ) from None


def _memory_limit() -> str:
    import re

    from govdash.settings import load_settings

    value = str(load_settings().get("warehouse", {}).get("memory_limit", "2GB")).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value):
        raise WarehouseError(f"设置 [warehouse] memory_limit 的值“{value}”无效，应如 \"2GB\"")
    return value


def configure(con: duckdb.DuckDBPyConnection, spill_dir: str | None = None) -> None:
    """Bound DuckDB's memory (the setting [warehouse] memory_limit); spill beyond it."""
    con.execute(f"set memory_limit = '{_memory_limit()}'")
    con.execute("set preserve_insertion_order = false")
    if spill_dir:
        con.execute(f"set temp_directory = '{spill_dir}'")


def _check_not_truncated(con: duckdb.DuckDBPyConnection, path: Path, database: str = "warehouse") -> None:
    """A file cut short (an interrupted copy, a full disk) still attaches; its size tells."""
    block_size, total_blocks = con.execute(
        "select block_size, total_blocks from pragma_database_size() where database_name = ?", [database]).fetchall()[0]
    expected = 3 * 4096 + block_size * total_blocks
    actual = os.stat(path).st_size
    if actual < expected:
        con.close()
        raise WarehouseError(f"数据仓库文件不完整（{actual:,} 字节，应为 {expected:,} 字节，可能复制中断或磁盘已满）：{path}。"
                             "请从备份恢复，或删除该文件后重新运行 govdash ingest 重建。")


@contextmanager
def write_session(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction across processes: all of the session's changes land together, or none."""
    path = path or warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = str(path) + ".lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time; readers are never blocked
        for stale in glob.glob(glob.escape(str(path)) + ".tmp-*"):
            # left by a writer that was killed; the live file never saw it
            shutil.rmtree(stale, ignore_errors=True) if os.path.isdir(stale) else os.remove(stale)
        tmp = f"{path}.tmp-{os.getpid()}"
        if path.exists():
            shutil.copyfile(path, tmp)
        try:
            con = duckdb.connect(tmp)
            configure(con, tmp + ".spill")
            if path.exists():
                _check_not_truncated(con, Path(tmp), con.execute("select current_database()").fetchall()[0][0])
        except WarehouseError:
            _remove_quietly(tmp)
            raise WarehouseError(f"数据仓库文件不完整（可能复制中断或磁盘已满）：{path}。"
                                 "请从备份恢复，或删除该文件后重新运行 govdash ingest 重建。") from None
        except duckdb.Error as exc:
            _remove_quietly(tmp)
            raise WarehouseError(
                f"数据仓库文件无法打开（可能已损坏）：{path}。可删除该文件后重新导入。详情：{str(exc).splitlines()[0]}"
            ) from None
        try:
            yield con
            con.execute("checkpoint")
            con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            shutil.rmtree(tmp + ".spill", ignore_errors=True)
        except BaseException:
            try:
                con.close()
            finally:
                _remove_quietly(tmp)
                _remove_quietly(tmp + ".wal")
                shutil.rmtree(tmp + ".spill", ignore_errors=True)
            raise


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
    cur.execute("use warehouse")
    return cur
