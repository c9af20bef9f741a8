"""Warehouse status: tables and row counts, quarantine, calendar coverage."""
from __future__ import annotations

from pathlib import Path

import duckdb

from govdash.core.tables import table_specs
from warehouse.db import connect_read, warehouse_path
from warehouse.schema import HAS_QUARANTINE_COUNTS_SQL, quarantine_counts_sql, quarantine_note, raw_table

DATA_YEARS_SQL = """
select distinct y from (
    select year(reported_at) as y from raw_whistle_events
    union all select year(ts) from raw_whistle_event_log
    union all select year(visit_date) from raw_visits
    union all select year(submitted_at) from raw_negative_reports
    union all select year(raised_at) from raw_appeals
    union all select year(issued_at) from raw_tasks
) where y is not null order by y
"""


def calendar_coverage(con: duckdb.DuckDBPyConnection) -> dict:
    rows = con.execute("""
        select year, bool_or(source = 'official') as official, bool_or(source in ('override', 'override_year')) as overrides,
               bool_and(year_covered) as covered
        from dim_calendar group by year order by year
    """).fetchall()
    official = [r[0] for r in rows if r[1]]
    by_override = [r[0] for r in rows if r[3] and not r[1]]
    data_years = [r[0] for r in con.execute(DATA_YEARS_SQL).fetchall()]
    covered = set(official) | set(by_override)
    return {
        "official_years": [min(official), max(official)] if official else None,
        "override_years": by_override,
        "data_years": data_years,
        "uncovered_data_years": [y for y in data_years if y not in covered],
        "provisional_years": [r[0] for r in rows if not r[3]],
    }


def warehouse_status(path: Path | None = None) -> dict:
    path = path or warehouse_path()
    con = connect_read(path)
    try:
        tables = []
        for spec in table_specs().values():
            n = con.execute(f"select count(*) from {raw_table(spec.name)}").fetchone()[0]
            tables.append({"table": spec.name, "label": spec.label, "rows": n})
        # exact counts: the quarantine keeps only the first reasons of each column ([limits])
        has_counts = con.execute(HAS_QUARANTINE_COUNTS_SQL).fetchone()[0] > 0
        quarantine = con.execute(f"""
            select table_name, source_file, rows, reasons, reasons_kept
            from ({quarantine_counts_sql(has_counts)}) order by table_name, source_file
        """).fetchall()
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
