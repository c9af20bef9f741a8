"""Raw tables (one per input table, columns from config/tables.toml) and bookkeeping tables."""
from __future__ import annotations

import duckdb

from govdash.core.tables import DUCKDB_TYPES, table_specs
from warehouse.sql_files import ddl_sql


def quarantine_note(rows: int, reasons: int, kept: int) -> str | None:
    """What to tell the user when the quarantine keeps only part of a file's reasons ([limits])."""
    return f"共 {rows:,} 行被隔离，仅保留前 {kept:,} 条明细" if kept < reasons else None


def raw_table(name: str) -> str:
    return f"raw_{name}"


def raw_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per input table. The raw tables are generated from config/tables.toml, so is this query (one scan)."""
    names = list(table_specs())
    sql = " union all ".join(ddl_sql("raw_row_count", name=n, table=raw_table(n)) for n in names)
    return dict(con.execute(sql).fetchall())


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.archive import ensure_archive

    con.execute(ddl_sql("bookkeeping"))
    # publications live in the records database; a warehouse of an earlier version's archive_* tables are copied
    # there before anything else of this write session (once), so no ingest or rebuild can come before that copy
    ensure_archive(con)
    for spec in table_specs().values():
        cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in spec.columns)
        con.execute(ddl_sql("raw_table", table=raw_table(spec.name), columns=cols))
