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
from warehouse.sql_files import build_sql, connection_sql, ddl_sql

WAREHOUSE_DIR = Path(__file__).resolve().parent
MODEL_LAYERS = ("staging", "marts")


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


# Models an ingest can bring up to date event by event: the rows of the events in build_changed_events are
# deleted and computed again ($changed_only true), every other row stays. The raw tables whose changes the
# ingest records there by event (pipelines.ingest: the event ids of every loaded log or event row).
EVENT_KEYED_MODELS = ("stg_whistle_event_log", "stg_whistle_event_log_ends", "stg_whistle_events",
                      "fct_assignment_facts")
EVENT_KEYED_RAW = ("raw_whistle_event_log", "raw_whistle_events")
# above this share of the events changed, an event-keyed model is rebuilt whole (a re-export of everything)
INCREMENTAL_MAX_SHARE = 0.25
BUILD_STATE = "build_models"


def _model_inputs(name: str, files: dict[str, Path]) -> set[str]:
    """The tables a model reads, directly or through the table macros it calls."""
    sql = files[name].read_text(encoding="utf-8")
    refs = _refs(sql)
    for m in _macros_used(sql):
        refs |= _refs(macro_files()[m].read_text(encoding="utf-8"))
    return refs - {name}


def _definition_hash(name: str, files: dict[str, Path]) -> str:
    """A model's SQL and the macros it calls: a change (a new release) rebuilds the model whole."""
    import hashlib

    sql = files[name].read_text(encoding="utf-8")
    text = sql + "".join(macro_files()[m].read_text(encoding="utf-8") for m in _macros_used(sql))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    db = con.execute(connection_sql("current_database")).fetchall()[0][0]
    return {r[0] for r in con.execute(build_sql("existing_tables"), {"database": db}).fetchall()}


def build(con: duckdb.DuckDBPyConnection, progress=None, incremental: bool = False) -> dict[str, str]:
    """Create raw tables if missing, load the official calendar, bring every model up to date.

    Not incremental (govdash build, a full rebuild): every model is rebuilt from its SQL. Incremental (an
    ingest), from the raw tables ingests changed since the last build (build_changed_tables) and the events
    they changed (build_changed_events): a model none of whose inputs changed is left as it is; an
    event-keyed model whose changed inputs are all recorded by event in build_changed_events recomputes those
    events' rows only; every other model with a changed input is rebuilt whole (and counts as changed for the
    models that read it). A model missing from the warehouse, or whose SQL changed since it was built, is
    rebuilt whole. Tables that are not models (raw_*, archive_*, bookkeeping) are never dropped or rebuilt.
    A small model rebuilt because an input changed, whose rows come out the same, is left as it was.
    Returns, per model in build order, what was done: "whole", "events" (event by event), "unchanged"
    (computed again, equal, left as it was) or "kept" (no input changed)."""
    ensure_schema(con)
    _set_plausible_window(con)
    calendar_reloaded = load_official_calendar(con)
    files = model_files()
    order = model_order()
    macros = macro_files()
    existing = _existing_tables(con)
    con.execute(build_sql("build_state_create", state=BUILD_STATE))
    built_hash = dict(con.execute(build_sql("build_state_hashes", state=BUILD_STATE)).fetchall())
    full = not incremental
    changed_tables = {r[0] for r in con.execute(build_sql("changed_tables")).fetchall()}
    changed: set[str] = set() if full else changed_tables | ({"ref_calendar_official"} if calendar_reloaded else set())
    n_changed_events = con.execute(build_sql("changed_events_count")).fetchall()[0][0]
    n_events = con.execute(build_sql("events_count")).fetchall()[0][0]
    few_events = n_changed_events <= INCREMENTAL_MAX_SHARE * max(n_events, 1)
    by_event: set[str] = set()   # models brought up to date event by event
    done: dict[str, str] = {}
    for i, name in enumerate(order, 1):
        if progress:
            progress(i, len(order), name)
        sql = files[name].read_text(encoding="utf-8")
        inputs = _model_inputs(name, files)
        definition = _definition_hash(name, files)
        stale = full or name not in existing or built_hash.get(name) != definition
        changed_inputs = inputs & (changed | by_event)
        if not stale and not changed_inputs:
            done[name] = "kept"
            continue
        # a macro a model calls is created just before it (its own inputs are built by then)
        for m in _macros_used(sql):
            con.execute(macros[m].read_text(encoding="utf-8"))
        if (not stale and name in EVENT_KEYED_MODELS and few_events
                and changed_inputs <= by_event | set(EVENT_KEYED_RAW)):
            _build_events(con, name, sql)
            by_event.add(name)
            done[name] = "events"
        elif not stale and _rebuilt_equal(con, name, sql):
            # a small model its changed inputs did not change (the calendar's span on most days): left as it
            # was, so the models reading it are not rebuilt and the commit does not rewrite it
            done[name] = "unchanged"
        else:
            _build_whole(con, name, sql)
            changed.add(name)
            done[name] = "whole"
            con.execute(build_sql("build_state_record", state=BUILD_STATE),
                        {"model": name, "definition_hash": definition})
    # macros bind to the tables they read, so they are (re)created once every model exists
    for f in macros.values():
        con.execute(f.read_text(encoding="utf-8"))
    for name in RETIRED_MACROS:
        con.execute(build_sql("retired_macro_drop", name=name))
    con.execute(ddl_sql("build_info"), {"fingerprint": build_fingerprint()})
    con.execute(build_sql("changed_events_clear"))
    con.execute(build_sql("changed_tables_clear"))
    return done


def _set_plausible_window(con: duckdb.DuckDBPyConnection) -> None:
    """The models read the plausible window of the data's dates (settings [plausibility], as of now) from a
    session variable, so the calendar never spans a year outside it."""
    from govdash.core.periods import plausible_window
    from govdash.core.settings import load_settings

    first, last = plausible_window(load_settings())
    con.execute(build_sql("plausible_window_set"), {"first": first.date(), "last": last.date()})


def _build_whole(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    params = {"changed_only": False} if "$changed_only" in sql else {}
    if "$chunk_from" in sql:
        _build_by_month(con, name, sql, params)
    else:
        con.execute(build_sql("model_create", name=name, sql=sql), params or None)


SMALL_MODEL_ROWS = 200_000


def _rebuilt_equal(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> bool:
    """For a small model built whole from one query: compute it into a temp table and compare its rows with the
    stored ones (True: equal, the model is left as it is; False: the caller rebuilds it). A large or chunked
    model is never compared (False)."""
    if "$chunk_from" in sql:
        return False
    (rows,) = con.execute(build_sql("model_count", name=name)).fetchall()[0]
    if rows > SMALL_MODEL_ROWS:
        return False
    params = {"changed_only": False} if "$changed_only" in sql else None
    con.execute(build_sql("rebuilt_create", sql=sql), params)
    try:
        (differ,) = con.execute(build_sql("rebuilt_differ", name=name)).fetchall()[0]
        same_shape = (con.execute(build_sql("column_count", table="temp._model_rebuilt")).fetchall()
                      == con.execute(build_sql("column_count", table=name)).fetchall())
        return differ == 0 and same_shape
    finally:
        con.execute(build_sql("rebuilt_drop"))


def _build_events(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """The rows of the changed events deleted and computed again; the model's SQL reads only those events
    when $changed_only is true."""
    import datetime as dt

    params = {"changed_only": True}
    if "$chunk_from" in sql:
        params |= {"chunk_from": dt.datetime(1, 1, 1), "chunk_to": dt.datetime(9999, 12, 31)}
    con.execute(build_sql("model_delete_changed_events", name=name))
    con.execute(build_sql("model_insert", name=name, sql=sql), params)


def _build_by_month(con: duckdb.DuckDBPyConnection, name: str, sql: str, extra: dict | None = None) -> None:
    """A model over the whole whistle log, built one month of dispatches at a time."""
    import datetime as dt

    from govdash.core.periods import month_bounds

    months = [r[0] for r in con.execute(build_sql("dispatch_months")).fetchall()]
    # month_bounds: the last month a date can name (9999-12, left by an older version) ends without overflowing
    bounds = [(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31))] if not months else [
        month_bounds(f"{m:%Y-%m}") for m in months]
    for i, (start, end) in enumerate(bounds):
        params = {"chunk_from": start, "chunk_to": end, **(extra or {})}
        if i == 0:
            con.execute(build_sql("model_create", name=name, sql=sql), params)
        else:
            con.execute(build_sql("model_insert", name=name, sql=sql), params)
