"""Raw tables (one per input table, columns from config/tables.toml) and bookkeeping tables."""
from __future__ import annotations

import duckdb

from pipelines.tables import DUCKDB_TYPES, table_specs

BOOKKEEPING = """
create table if not exists quarantine (
    run_id varchar, quarantined_at timestamp, source_file varchar, table_name varchar,
    source_row bigint, column_name varchar, value varchar, reason varchar
);
create table if not exists ingest_runs (
    run_id varchar, started_at timestamp, finished_at timestamp, source_file varchar,
    table_name varchar, encoding varchar, rows_read bigint, rows_loaded bigint,
    rows_replaced bigint, rows_quarantined bigint, duplicates_skipped bigint
);
create table if not exists ref_calendar_official (
    date date primary key, is_workday boolean not null, note varchar
);
"""


def raw_table(name: str) -> str:
    return f"raw_{name}"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(BOOKKEEPING)
    for spec in table_specs().values():
        cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in spec.columns)
        con.execute(
            f"create table if not exists {raw_table(spec.name)} ({cols}, extras varchar, "
            f"_source_file varchar, _source_row bigint, _run_id varchar)"
        )
