"""The benchmarks (docs/benchmarks.md): the phases `govdash bench` runs in child processes read their peers from
here — a hand-written DuckDB query and a plain-pandas computation of the bulletin's department table — and the
incremental-ingest, ingest-floor and load benchmarks run as `python -m benchmarks.<name>`. Nothing here is on the
dashboard's or the reports' path. Its SQL lives in benchmarks/sql/, read by the warehouse's one loader
(named statements, warehouse/sql_files.py).
"""
from __future__ import annotations

from pathlib import Path

BENCH_SQL_DIR = Path(__file__).resolve().parent / "sql"


def bench_sql(name: str, /) -> str:
    """A benchmark's statement by name, from benchmarks/sql/."""
    from warehouse.sql_files import statement

    return statement(BENCH_SQL_DIR, name)
