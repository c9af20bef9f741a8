"""The ingest's SQL statements (warehouse/ingest/<name>.sql), read by pipelines.ingest.

Values are $-bind parameters. A statement that must name a table or columns given by the table specs
(config/tables.toml) has `{placeholder}`s, filled by str.format with identifiers (and literals) taken
only from the specs and the code's own constants, never from data. (A file's comment names its
placeholders in backticks, as str.format would fill braces there too.)
"""
from __future__ import annotations

import functools
from pathlib import Path

INGEST_SQL_DIR = Path(__file__).resolve().parent / "ingest"


@functools.cache
def _text(name: str) -> str:
    return (INGEST_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def ingest_sql(name: str, **identifiers: str) -> str:
    """The statement warehouse/ingest/<name>.sql, its `{placeholder}`s filled with `identifiers`."""
    text = _text(name)
    return text.format(**identifiers) if identifiers else text
