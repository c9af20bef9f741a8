"""Data quality (数据导入与质量): the warehouse's tables and row counts, the quarantine by file, by column and row by
row, the recent ingests and the working-day calendar's coverage."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from govdash.core.tables import table_specs
from warehouse.db import connect_read, fetch_frame, warehouse_path
from warehouse.schema import quarantine_note, raw_row_counts
from warehouse.sql_files import metric_sql


def calendar_coverage(con: duckdb.DuckDBPyConnection) -> dict:
    rows = con.execute(metric_sql("status_calendar_years")).fetchall()
    official = [r[0] for r in rows if r[1]]
    by_override = [r[0] for r in rows if r[3] and not r[1]]
    data_years = [r[0] for r in con.execute(metric_sql("status_data_years")).fetchall()]
    covered = set(official) | set(by_override)
    return {
        "official_years": [min(official), max(official)] if official else None,
        "override_years": by_override,
        "data_years": data_years,
        "uncovered_data_years": [y for y in data_years if y not in covered],
        "provisional_years": [r[0] for r in rows if not r[3]],
    }


def _quarantine_counts(con, by: str) -> pl.DataFrame:
    """Exact quarantine counts by "file" or "column" (the detail keeps only the first reasons of each column,
    [limits]); a warehouse from before the counts table is counted from its detail."""
    has_counts = con.execute(metric_sql("status_has_quarantine_counts")).fetchall()[0][0]
    return fetch_frame(con, metric_sql(f"quarantine_by_{by}" + ("" if has_counts else "_legacy")))


def quarantine_by_file(con) -> pl.DataFrame:
    return _quarantine_counts(con, "file").sort("source_file")


def quarantine_by_column(con) -> pl.DataFrame:
    return _quarantine_counts(con, "column").sort(["source_file", "reasons"], descending=[False, True])


def quarantine_detail(con, file: str, limit: int, offset: int) -> pl.DataFrame:
    """One page of the quarantine's rows, of one file or of all (file = "")."""
    return fetch_frame(con, metric_sql("quarantine_detail"), {"file": file, "limit": limit, "offset": offset})


def recent_ingests(con) -> pl.DataFrame:
    return fetch_frame(con, metric_sql("recent_ingests"))


def warehouse_status(path: Path | None = None) -> dict:
    path = path or warehouse_path()
    con = connect_read(path, check_build=False)   # status shows what is loaded even before a rebuild
    try:
        counts = raw_row_counts(con)
        tables = [{"table": spec.name, "label": spec.label, "rows": counts[spec.name]}
                  for spec in table_specs().values()]
        # exact counts: the quarantine keeps only the first reasons of each column ([limits])
        quarantine = quarantine_by_file(con).sort("table_name", "source_file").select(
            "table_name", "source_file", "rows", "reasons", "reasons_kept").rows()
        return {
            "warehouse": str(path),
            "tables": tables,
            "quarantined_rows": sum(r[2] for r in quarantine),
            "quarantine_by_file": [{"table": r[0], "file": r[1], "rows": r[2], "note": quarantine_note(*r[2:])}
                                   for r in quarantine],
            "calendar": calendar_coverage(con),
        }
    finally:
        con.close()
