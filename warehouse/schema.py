"""Raw tables (one per input table, columns from config/tables.toml) and bookkeeping tables."""
from __future__ import annotations

import duckdb

from govdash.core.tables import DUCKDB_TYPES, table_specs

BOOKKEEPING = """
create table if not exists quarantine (
    run_id varchar, quarantined_at timestamp, source_file varchar, table_name varchar,
    source_row bigint, column_name varchar, value varchar, reason varchar
);
-- exact quarantine counts of each file's latest load, per column and for the file as a whole
-- (column_name null); `quarantine` keeps only the first reasons of each column ([limits])
create table if not exists quarantine_counts (
    run_id varchar, quarantined_at timestamp, source_file varchar, table_name varchar, column_name varchar,
    rows bigint, reasons bigint, reasons_kept bigint
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


def quarantine_note(rows: int, reasons: int, kept: int) -> str | None:
    """What to tell the user when the quarantine keeps only part of a file's reasons ([limits])."""
    return f"共 {rows:,} 行被隔离，仅保留前 {kept:,} 条明细" if kept < reasons else None


def raw_table(name: str) -> str:
    return f"raw_{name}"


def raw_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per input table. The raw tables are generated from config/tables.toml, so is this query (one scan)."""
    names = list(table_specs())
    sql = " union all ".join(f"select '{n}' as name, count(*) as n from {raw_table(n)}" for n in names)
    return dict(con.execute(sql).fetchall())


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.archive import ensure_archive

    con.execute(BOOKKEEPING)
    ensure_archive(con)  # the archive of published bulletins (create if missing; never dropped or rebuilt)
    for spec in table_specs().values():
        cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in spec.columns)
        con.execute(
            f"create table if not exists {raw_table(spec.name)} ({cols}, extras varchar, "
            f"_source_file varchar, _source_row bigint, _run_id varchar)"
        )
