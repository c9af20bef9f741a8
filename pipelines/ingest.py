"""Ingest: files → contracts → quarantine → raw tables, all in one write session.

For every file: rows read = rows loaded + rows quarantined + duplicates skipped.
- a row breaking a contract goes to `quarantine` with file, row number (header = row 1), column, reason;
  the first [limits] max_quarantine_rows_per_column reasons of each (file, column) are kept there, and
  `quarantine_counts` holds the exact counts (so a hostile file cannot fill the warehouse);
- an exact duplicate (in the file, or already in the warehouse) is skipped;
- a keyed row whose key is already loaded with other content replaces it (a corrected re-export);
- for log tables a re-export replaces the whole log of every event/appeal it covers.
The run is one transaction (warehouse.db.write_session): it lands whole or not at all.

A file that cannot be read or checked (pipelines.readers.SourceError, or any unforeseen error while
reading or checking it, logged in full) is reported with one Chinese message and loads nothing; the
other files of the run still load. Reading and checking touch only temp tables, so a failed file leaves
no trace; an error while writing (DuckDB) fails the whole run, which then changes nothing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from govdash.core.paths import REPO_ROOT
from govdash.core.tables import TableSpec
from pipelines.contracts import check_frame, default_window
from pipelines.dispute_file import NOT_FACTS, is_dispute_file
from pipelines.limits import Limits, load_limits
from pipelines.readers import (
    RaggedRows,
    SourceError,
    SourceFrame,
    iter_source_paths,
    peek_table,
    read_sources,
    unexpected_error,
)
from warehouse.build import build
from warehouse.db import write_session
from warehouse.schema import ensure_schema, quarantine_note, raw_table
from warehouse.sql_files import ingest_sql

# the reference lists shipped with the product (transcribed from the seeds), loaded when a
# warehouse has none so that clause codes can be checked from the first ingest on
BUNDLED_REFERENCE = REPO_ROOT / "reference" / "reference_items.csv"

@dataclass
class FileSummary:
    file: str
    table: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_replaced: int = 0
    rows_quarantined: int = 0
    duplicates_skipped: int = 0
    cells_cleaned: int = 0  # cells whose text lost invisible or control characters (govdash.core.textsafe)
    encoding: str | None = None
    error: str | None = None
    warning: str | None = None  # loaded, but the user should know: quarantine detail capped, sheets ignored


@dataclass
class IngestResult:
    run_id: str
    files: list[FileSummary] = field(default_factory=list)
    seconds: float = 0.0
    models: dict[str, str] = field(default_factory=dict)  # per model: "whole", "events" or "kept" (warehouse.build)

    @property
    def exit_code(self) -> int:
        if any(f.error for f in self.files):
            return 1
        if any(f.rows_quarantined for f in self.files):
            return 2
        return 0

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "seconds": round(self.seconds, 3), "exit_code": self.exit_code,
                "files": [asdict(f) for f in self.files]}


def _q(name: str) -> str:
    return f'"{name}"'


def _same(cols: list[str], a: str, b: str) -> str:
    return " and ".join(f"{a}.{_q(c)} is not distinct from {b}.{_q(c)}" for c in cols)


def reference_rules(spec: TableSpec) -> list[str]:
    """The table's references to other tables (config/tables.toml), each a rule over `incoming`: its rows whose
    value the referenced table does not hold (of its rows matching `where`, when given)."""
    out = []
    for ref in spec.references:
        names = dict(column_name=ref.column, column=_q(ref.column), reason=ref.reason, ref_column=_q(ref.to_column),
                     ref_table=raw_table(ref.to_table))
        if ref.where:
            out.append(ingest_sql("rule_foreign_key_where", **names, where_column=_q(ref.where[0]),
                                  where_value=ref.where[1]))
        else:
            out.append(ingest_sql("rule_foreign_key", **names))
    return out


def _incoming_frame(src: SourceFrame, frame: pl.DataFrame, typed: pl.DataFrame, offset: int) -> pl.DataFrame:
    extras = (
        frame.select(pl.struct([pl.col(c).cast(pl.Utf8) for c in src.extra_columns]).struct.json_encode()).to_series()
        if src.extra_columns else pl.Series("extras", [None] * typed.height, dtype=pl.Utf8)
    )
    return typed.with_columns(
        extras.alias("extras"),
        pl.int_range(offset, offset + typed.height, dtype=pl.Int64).alias("_row"),
    )


def _batch_failures(src: SourceFrame, frame: pl.DataFrame, failures: pl.DataFrame, offset: int) -> pl.DataFrame:
    """The batch's contract failures, with a row that could not be read as a row (ragged) reported for
    that alone: its emptied values would only add "必填项为空"."""
    unreadable = src.read_failures(offset, frame.height)
    if unreadable is not None:
        failures = pl.concat([failures.filter(~pl.col("row_index").is_in(unreadable["row_index"].implode())),
                              unreadable])
    return failures.with_columns(pl.col("row_index") + offset)


def _stage_incoming(con: duckdb.DuckDBPyConnection, src: SourceFrame,
                    window: tuple[dt.datetime, dt.datetime]) -> tuple[int, int]:
    """Clean, type and check the file batch by batch into temp tables `incoming` and `contract_failures`
    (DuckDB tables, which spill to disk under the memory limit); dates and times against the plausible `window` of
    the ingest. Returns the number of rows and of cells cleaned."""
    spec: TableSpec = src.table
    offset = cleaned = 0
    for n, frame in enumerate(src.iter_frames()):
        typed, failures, batch_cleaned = check_frame(spec, frame, window)
        cleaned += batch_cleaned
        batch = _incoming_frame(src, frame, typed, offset)
        failures = _batch_failures(src, frame, failures, offset)
        con.register("incoming_batch", batch)
        con.register("failures_batch", failures)
        con.execute(ingest_sql("stage_incoming_first" if n == 0 else "stage_incoming_next"))
        con.unregister("incoming_batch")
        con.unregister("failures_batch")
        offset += frame.height
    return offset, cleaned


TEMP_TABLES = ("incoming", "contract_failures", "file_contents", "valid", "failures", "failures_kept", "new_rows")
# the tables whose rows warehouse.build brings up to date event by event: the events of every row the load
# inserts or deletes are recorded in build_changed_events
EVENT_TABLES = ("whistle_event_log", "whistle_events")


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    for t in TEMP_TABLES:
        con.execute(ingest_sql("drop_temp_table", table=t))


def _stage(con: duckdb.DuckDBPyConnection, src: SourceFrame,
           window: tuple[dt.datetime, dt.datetime]) -> tuple[int, int]:
    """Read and check the source into temp tables (rows, cells cleaned). Any failure concerns this source alone and
    is one SourceError; a DuckDB error is the warehouse's, not the file's, and fails the run."""
    try:
        try:
            return _stage_incoming(con, src, window)
        except RaggedRows:  # a big file read strictly met a ragged row: find them all, read it again
            src.find_ragged_rows()
            return _stage_incoming(con, src, window)
    except (SourceError, duckdb.Error):
        raise
    except Exception as exc:
        raise unexpected_error(src.name, exc) from exc


def _quarantine(con: duckdb.DuckDBPyConnection, summary: FileSummary, run_id: str, now: dt.datetime,
                limits: Limits) -> None:
    """Replace the file's quarantine with the first reasons of each column of `failures`, and its
    counts with the exact ones (per column, and for the file: column_name null)."""
    params = {"run_id": run_id, "now": now, "file": summary.file, "table": summary.table}
    con.execute(ingest_sql("quarantine_clear"), {"file": summary.file})
    con.execute(ingest_sql("quarantine_counts_clear"), {"file": summary.file})
    con.execute(ingest_sql("quarantine_keep"), {"max_per_column": limits.max_quarantine_rows_per_column})
    con.execute(ingest_sql("quarantine_write"), params)
    con.execute(ingest_sql("quarantine_counts_write"), params)
    file_counts = con.execute(ingest_sql("quarantine_file_counts"), {"file": summary.file}).fetchall()
    rows, reasons, kept = file_counts[0] if file_counts else (0, 0, 0)
    summary.rows_quarantined = rows
    summary.warning = "；".join(filter(None, [cleaned_note(summary.cells_cleaned),
                                             quarantine_note(rows, reasons, kept)])) or None


def cleaned_note(cells: int) -> str | None:
    """The summary's line on the cells the ingest cleaned (None: none)."""
    return f"清理了 {cells} 个单元格中的不可见或控制字符" if cells else None


def load_source(con: duckdb.DuckDBPyConnection, src: SourceFrame, run_id: str, now: dt.datetime,
                limits: Limits) -> FileSummary:
    spec: TableSpec = src.table
    file_name = src.name
    summary = FileSummary(file=file_name, table=spec.name, encoding=src.encoding)
    cols = spec.column_names
    content = cols + ["extras"]
    raw = raw_table(spec.name)
    key = list(spec.key)
    try:
        n_rows, summary.cells_cleaned = _stage(con, src, default_window(now))
        summary.rows_read = n_rows
        rules = [ingest_sql("rule_contract")] + reference_rules(spec) + [ingest_sql(rule) for rule in spec.cross_rules]
        key_list = ", ".join(_q(k) for k in key)
        content_list = ", ".join(_q(c) for c in content)
        # distinct contents of the whole file (hash aggregate): a key carried by two contents is a conflict
        con.execute(ingest_sql("file_contents", content_list=content_list))
        rules.append(ingest_sql("rule_key_conflict", key_column_name=key[0], key_column=_q(key[0]),
                                key_names="、".join(key), key_list=key_list, same_key=_same(key, "i", "k")))
        con.execute(ingest_sql("failures", rules=" union all ".join(f"({r})" for r in rules)))
        _quarantine(con, summary, run_id, now, limits)

        # valid rows, one per distinct content (exact repeats in the file are duplicates); without
        # failures these are the distinct contents already counted
        if summary.rows_quarantined == 0:
            con.execute(ingest_sql("valid_all"))
        else:
            con.execute(ingest_sql("valid_without_failures", content_list=content_list))
        n_valid_rows = n_rows - summary.rows_quarantined
        n_distinct = con.execute(ingest_sql("count_rows", table="valid")).fetchall()[0][0]
        in_file_dups = n_valid_rows - n_distinct

        raw_is_empty = con.execute(ingest_sql("raw_is_empty", raw=raw)).fetchall()[0][0] == 0
        events = spec.name in EVENT_TABLES  # their changed events are recorded for the build (warehouse.build)
        if raw_is_empty:
            # first load of this table: nothing to compare against or replace
            already, replaced = 0, 0
            new_rows = "valid"
        else:
            # the rows not loaded yet, found once (one pass over the raw table): counted, recorded and inserted
            con.execute(ingest_sql("new_rows", raw=raw, same_content=_same(content, "r", "v")))
            already = n_distinct - con.execute(ingest_sql("count_rows", table="new_rows")).fetchall()[0][0]
            new_rows = "new_rows"
            # a corrected re-export: the rows of what it covers (the log of an event it holds, a keyed row) that it
            # no longer holds; an event table returns the deleted rows' event ids, recorded for the build
            returning = "returning event_id" if events else ""
            same_content = _same(content, "r", "v")
            if spec.parent:
                delete = ingest_sql("delete_replaced_log", raw=raw, parent=_q(spec.parent),
                                    same_content=same_content, returning=returning)
            else:
                delete = ingest_sql("delete_replaced_keyed", raw=raw, same_key=_same(key, "r", "v"),
                                    same_content=same_content, returning=returning)
            deleted = con.execute(delete).fetchall()
            replaced = len(deleted) if events else deleted[0][0]
            if events and deleted:
                con.execute(ingest_sql("changed_events_ids"), {"ids": sorted({r[0] for r in deleted})})
        if events:
            con.execute(ingest_sql("changed_events_rows", rows=new_rows))
        con.execute(ingest_sql("insert_raw", raw=raw, content_list=content_list,
                               v_content_list=", ".join("v." + _q(c) for c in content), rows=new_rows),
                    {"file": file_name, "run_id": run_id})
        summary.rows_loaded = n_distinct - already
        summary.rows_replaced = replaced
        summary.duplicates_skipped = in_file_dups + already
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed DuckDB statement has aborted the transaction
            _drop_temp_tables(con)
        raise
    _drop_temp_tables(con)
    return summary


def _load_file(con: duckdb.DuckDBPyConnection, path: Path, run_id: str, now: dt.datetime,
               limits: Limits) -> list[FileSummary]:
    """A file's summaries: one per table it holds (a workbook may hold several), or one with its error."""
    try:
        source = read_sources(path, limits=limits)
        digest = file_sha256(path)   # the file as it was read: a rebuild from the same files checks it
    except SourceError as exc:
        return [FileSummary(file=path.name, table=None, error=exc.problem)]
    except Exception as exc:
        return [FileSummary(file=path.name, table=None, error=unexpected_error(path.name, exc).problem)]
    summaries = []
    for src in source.frames:
        try:
            summary = load_source(con, src, run_id, now, limits)
        except SourceError as exc:
            summaries.append(FileSummary(file=src.name, table=src.table.name, error=exc.problem))
            continue
        summaries.append(summary)
        con.execute(ingest_sql("ingest_run"), {
            "run_id": run_id, "started": now, "finished": dt.datetime.now(), "file": summary.file,
            "table": summary.table, "encoding": summary.encoding, "rows_read": summary.rows_read,
            "rows_loaded": summary.rows_loaded, "rows_replaced": summary.rows_replaced,
            "rows_quarantined": summary.rows_quarantined, "duplicates_skipped": summary.duplicates_skipped,
            "path": str(path.resolve()), "sha256": digest})
    if source.note:
        first = summaries[0]
        first.warning = "；".join(filter(None, [first.warning, source.note]))
    return summaries


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingested_sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The files the warehouse's facts were loaded from, batch by batch in the order they ran: run_id,
    started_at, path (None for a file loaded before paths were recorded), sha256, file (its name), tables,
    rows_read, rows_loaded. Ingesting them again, batch after batch, rebuilds the same facts."""
    try:
        cur = con.execute(ingest_sql("ingested_sources"))
    except duckdb.BinderException:   # paths and digests not recorded yet (a warehouse of an earlier version)
        cur = con.execute(ingest_sql("ingested_sources_unrecorded"))
    names = [d[0] for d in cur.description]
    return [{k: (v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else v) for k, v in zip(names, row)}
            for row in cur.fetchall()]


def ingest(paths: list[Path | str], db_path: Path | None = None, progress=None, do_build: bool = True) -> IngestResult:
    """Load every file; unreadable files are reported and skipped, the rest land in one transaction.
    Raises pipelines.limits.LimitsError (before touching anything) when the [limits] settings are wrong."""
    limits = load_limits()
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:12]
    result = IngestResult(run_id=run_id)
    files = iter_source_paths(paths)
    # order the files by table (references first) from their names or header lines; each file is then
    # read, checked and loaded on its own, so memory holds one file at a time
    planned, passed_by = [], []
    for path in files:
        if is_dispute_file(path):   # records, not facts: `govdash dispute load` replays them
            passed_by.append(path)
            continue
        spec = peek_table(path)
        planned.append((spec.order if spec else 99, str(path), path))
    planned.sort()
    now = dt.datetime.now().replace(microsecond=0)
    with write_session(db_path) as con:
        ensure_schema(con)
        con.begin()
        has_reference = con.execute(ingest_sql("has_reference")).fetchall()[0][0] > 0
        if not has_reference and not any(o == 0 for o, _, _ in planned):
            planned.insert(0, (0, str(BUNDLED_REFERENCE), BUNDLED_REFERENCE))
        position = {path: i for i, path in enumerate(files)}
        loaded = []
        for i, (_, _, path) in enumerate(planned, 1):
            if progress:
                progress("load", i, len(planned), path.name)
            loaded.append((position.get(path, -1), _load_file(con, path, run_id, now, limits)))
        loaded.extend((position[path], [FileSummary(file=path.name, table=None, warning=NOT_FACTS)])
                      for path in passed_by)
        # only what the loaded rows change is rebuilt (warehouse.build): the raw tables rows went into or out of,
        # recorded so that an ingest without a build leaves them to the next build
        for table in sorted({raw_table(s.table) for _, summaries in loaded for s in summaries
                             if s.table and (s.rows_loaded or s.rows_replaced)}):
            con.execute(ingest_sql("changed_table"), {"table": table})
        if do_build:
            result.models = build(con, progress=(lambda i, n, name: progress("build", i, n, name)) if progress
                                  else None, incremental=True)
        con.commit()
    # in the order the files were given (the bundled reference lists first)
    result.files = [s for _, summaries in sorted(loaded, key=lambda x: x[0]) for s in summaries]
    result.seconds = time.perf_counter() - started
    return result
