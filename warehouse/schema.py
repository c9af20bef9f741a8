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
-- the events an ingest loaded log or event rows of (pipelines.ingest), which warehouse.build brings up to
-- date event by event; emptied by every build
create table if not exists build_changed_events (event_id varchar);
-- the raw tables an ingest changed since the last build (an ingest without a build leaves them for the next)
create table if not exists build_changed_tables (table_name varchar);
create table if not exists ref_calendar_official (
    date date primary key, is_workday boolean not null, note varchar
);
"""


HAS_QUARANTINE_COUNTS_SQL = "select count(*) as n from duckdb_tables() where table_name = 'quarantine_counts'"


def quarantine_counts_sql(has_counts: bool, by_column: bool = False) -> str:
    """Exact quarantine counts, per file or per (file, column): source_file, table_name, column_name (null
    per file), rows, reasons, reasons_kept. From quarantine_counts; for a file loaded before that table
    existed (`has_counts` False: the whole warehouse), from its complete detail in `quarantine`."""
    column = "column_name" if by_column else "null"
    detail = (f"select source_file, any_value(table_name) as table_name, {column} as column_name, "
              "count(distinct source_row) as rows, count(*) as reasons, count(*) as reasons_kept from quarantine {where} "
              f"group by source_file{', column_name' if by_column else ''}")
    if not has_counts:
        return detail.format(where="")
    return (f"select source_file, table_name, column_name, rows, reasons, reasons_kept from quarantine_counts "
            f"where column_name is {'not ' if by_column else ''}null union all "
            + detail.format(where="where source_file not in (select source_file from quarantine_counts)"))


def quarantine_note(rows: int, reasons: int, kept: int) -> str | None:
    """What to tell the user when the quarantine keeps only part of a file's reasons ([limits])."""
    return f"共 {rows:,} 行被隔离，仅保留前 {kept:,} 条明细" if kept < reasons else None


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
