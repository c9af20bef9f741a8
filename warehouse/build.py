"""Builds staging and mart models from their .sql files, in dependency order.

Each model file `<layer>/<name>.sql` becomes table `<name>`; table macros in macros/*.sql are
created after the models they read. Dependencies are read from the names a model selects from.
"""
from __future__ import annotations

import re
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from warehouse.calendar import load_official_calendar
from warehouse.schema import ensure_schema

WAREHOUSE_DIR = Path(__file__).resolve().parent
MODEL_LAYERS = ("staging", "marts")
METRICS_DIR = WAREHOUSE_DIR / "metrics"


def model_files() -> dict[str, Path]:
    files = {}
    for layer in MODEL_LAYERS:
        for f in sorted((WAREHOUSE_DIR / "models" / layer).glob("*.sql")):
            files[f.stem] = f
    return files


def model_order() -> list[str]:
    files = model_files()
    graph = {}
    for name, f in files.items():
        sql = f.read_text(encoding="utf-8")
        refs = set(re.findall(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", sql))
        graph[name] = {r for r in refs if r in files and r != name}
    return list(TopologicalSorter(graph).static_order())


def build(con: duckdb.DuckDBPyConnection, progress=None) -> list[str]:
    """Create raw tables if missing, load the official calendar, rebuild every model."""
    ensure_schema(con)
    load_official_calendar(con)
    files = model_files()
    order = model_order()
    for i, name in enumerate(order, 1):
        if progress:
            progress(i, len(order), name)
        con.execute(f"create or replace table {name} as {files[name].read_text(encoding='utf-8')}")
    # macros bind to the tables they read, so they are created once the models exist
    for f in sorted((WAREHOUSE_DIR / "macros").glob("*.sql")):
        con.execute(f.read_text(encoding="utf-8"))
    return order


def metric_sql(name: str) -> str:
    """A named metric query (warehouse/metrics/<name>.sql), taking $-bind parameters."""
    return (METRICS_DIR / f"{name}.sql").read_text(encoding="utf-8")
