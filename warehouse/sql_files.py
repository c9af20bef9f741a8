"""The statements the code runs, each a .sql file in a folder under warehouse/ (issue 12: no SQL text in
Python). One loader and one rule for all of them:

Values are $-bind parameters. A statement that must name a table or columns, or embed a model's own query,
has `{placeholder}`s, filled by str.format with identifiers (and literals, and model SQL) taken only from
the table specs (config/tables.toml), the model and macro file names and texts, and the code's own
constants and validated settings, never from data. (A file's comment names its placeholders in backticks,
as str.format would fill braces there too.) A statement without placeholders is returned as written. The
loaders take the file's name positionally only, so `name` can be a placeholder too.

Folders: ingest/ (pipelines.ingest), build_steps/ (warehouse.build and the calendar it loads), connection/
(warehouse.db: attach, settings, storage checks), archive/ (warehouse.archive), ddl/ (warehouse.schema's
bookkeeping and raw tables, generated from the table specs; the build's build_info). The metric queries
(metrics/, warehouse.build.metric_sql) and the model and macro files are read by the build's own rules.
"""
from __future__ import annotations

import functools
from pathlib import Path

WAREHOUSE_DIR = Path(__file__).resolve().parent
INGEST_SQL_DIR = WAREHOUSE_DIR / "ingest"
BUILD_STEPS_DIR = WAREHOUSE_DIR / "build_steps"
CONNECTION_SQL_DIR = WAREHOUSE_DIR / "connection"
ARCHIVE_SQL_DIR = WAREHOUSE_DIR / "archive"
DDL_DIR = WAREHOUSE_DIR / "ddl"


@functools.cache
def _text(folder: Path, name: str) -> str:
    return (folder / f"{name}.sql").read_text(encoding="utf-8")


def statement(folder: Path, name: str, /, **identifiers: str) -> str:
    """The statement <folder>/<name>.sql, its `{placeholder}`s filled with `identifiers`."""
    text = _text(folder, name)
    return text.format(**identifiers) if identifiers else text


def ingest_sql(name: str, /, **identifiers: str) -> str:
    """warehouse/ingest/<name>.sql (pipelines.ingest)."""
    return statement(INGEST_SQL_DIR, name, **identifiers)


def build_sql(name: str, /, **identifiers: str) -> str:
    """warehouse/build_steps/<name>.sql (warehouse.build, warehouse.calendar)."""
    return statement(BUILD_STEPS_DIR, name, **identifiers)


def connection_sql(name: str, /, **identifiers: str) -> str:
    """warehouse/connection/<name>.sql (warehouse.db)."""
    return statement(CONNECTION_SQL_DIR, name, **identifiers)


def archive_sql(name: str, /) -> str:
    """warehouse/archive/<name>.sql (warehouse.archive)."""
    return statement(ARCHIVE_SQL_DIR, name)


def ddl_sql(name: str, /, **identifiers: str) -> str:
    """warehouse/ddl/<name>.sql (warehouse.schema, warehouse.build)."""
    return statement(DDL_DIR, name, **identifiers)
