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
DDL_DIR = WAREHOUSE_DIR / "ddl"


def build_fingerprint() -> str:
    """What a build's result depends on besides the data: the model and macro files and the table specs.
    A warehouse built from other versions of them must be rebuilt before the current metrics can read it."""
    import hashlib

    from govdash.core.paths import CONFIG_DIR

    digest = hashlib.sha256()
    files = sorted((WAREHOUSE_DIR / "models").rglob("*.sql")) + sorted((WAREHOUSE_DIR / "macros").glob("*.sql"))
    for f in [*files, CONFIG_DIR / "tables.toml"]:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_files() -> dict[str, Path]:
    files = {}
    for layer in MODEL_LAYERS:
        for f in sorted((WAREHOUSE_DIR / "models" / layer).glob("*.sql")):
            files[f.stem] = f
    return files


def macro_files() -> dict[str, Path]:
    return {f.stem: f for f in sorted((WAREHOUSE_DIR / "macros").glob("*.sql"))}


# table macros earlier builds created and no file defines any more: dropped so a rebuilt warehouse holds none
RETIRED_MACROS = ("assignments_stored", "assignment_facts_stored")


def _refs(sql: str) -> set[str]:
    return set(re.findall(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", sql))


def _macros_used(sql: str) -> list[str]:
    return [m for m in macro_files() if re.search(rf"\b{m}\s*\(", sql)]


def model_order() -> list[str]:
    """Models in dependency order; a model that calls a table macro depends on what the macro reads."""
    files = model_files()
    graph = {}
    for name, f in files.items():
        sql = f.read_text(encoding="utf-8")
        refs = _refs(sql)
        for m in _macros_used(sql):
            refs |= _refs(macro_files()[m].read_text(encoding="utf-8"))
        graph[name] = {r for r in refs if r in files and r != name}
    return list(TopologicalSorter(graph).static_order())


def build(con: duckdb.DuckDBPyConnection, progress=None) -> list[str]:
    """Create raw tables if missing, load the official calendar, rebuild every model."""
    ensure_schema(con)
    load_official_calendar(con)
    files = model_files()
    order = model_order()
    macros = macro_files()
    for i, name in enumerate(order, 1):
        if progress:
            progress(i, len(order), name)
        sql = files[name].read_text(encoding="utf-8")
        # a macro a model calls is created just before it (its own inputs are built by then)
        for m in _macros_used(sql):
            con.execute(macros[m].read_text(encoding="utf-8"))
        if "$chunk_from" in sql:
            _build_by_month(con, name, sql)
        else:
            con.execute(f"create or replace table {name} as {sql}")
    # macros bind to the tables they read, so they are (re)created once every model exists
    for f in macros.values():
        con.execute(f.read_text(encoding="utf-8"))
    for name in RETIRED_MACROS:
        con.execute(f"drop macro table if exists {name}")
    con.execute((DDL_DIR / "build_info.sql").read_text(encoding="utf-8"), {"fingerprint": build_fingerprint()})
    return order


def _build_by_month(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """A model over the whole whistle log, built one month of dispatches at a time."""
    import datetime as dt

    months = [r[0] for r in con.execute(
        "select distinct date_trunc('month', ts) from stg_whistle_event_log where action = 'dispatched' order by 1").fetchall()]
    bounds = [(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31))] if not months else [
        (dt.datetime.combine(m, dt.time()), dt.datetime.combine((m.replace(day=28) + dt.timedelta(days=4)).replace(day=1), dt.time()))
        for m in months]
    for i, (start, end) in enumerate(bounds):
        params = {"chunk_from": start, "chunk_to": end}
        if i == 0:
            con.execute(f"create or replace table {name} as {sql}", params)
        else:
            con.execute(f"insert into {name} {sql}", params)


def metric_sql(name: str) -> str:
    """A named metric query (warehouse/metrics/<name>.sql), taking $-bind parameters."""
    return (METRICS_DIR / f"{name}.sql").read_text(encoding="utf-8")
