"""Ingest: files → contracts → quarantine → raw tables, all in one write session.

For every file: rows read = rows loaded + rows quarantined + duplicates skipped.
- a row breaking a contract goes to `quarantine` with file, row number (header = row 1), column, reason;
- an exact duplicate (in the file, or already in the warehouse) is skipped;
- a keyed row whose key is already loaded with other content replaces it (a corrected re-export);
- for log tables a re-export replaces the whole log of every event/appeal it covers.
The run is one transaction (warehouse.db.write_session): it lands whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from govdash import REPO_ROOT
from pipelines.contracts import check_frame
from pipelines.readers import SourceError, SourceFrame, iter_source_paths, peek_table, read_source
from pipelines.tables import TableSpec
from warehouse.build import build
from warehouse.db import write_session
from warehouse.schema import ensure_schema, raw_table

# the reference lists shipped with the product (transcribed from the seeds), loaded when a
# warehouse has none so that clause codes can be checked from the first ingest on
BUNDLED_REFERENCE = REPO_ROOT / "reference" / "reference_items.csv"

# (column, referenced table, referenced column, reason[, condition on the referenced rows])
FOREIGN_KEYS: dict[str, list[tuple]] = {
    "bindings": [("jpc_id", "communities", "jpc_id", "未知的社区联合党委"), ("dept_id", "departments", "dept_id", "未知的部门")],
    "whistle_events": [("community_id", "communities", "community_id", "未知的社区")],
    "whistle_event_log": [("event_id", "whistle_events", "event_id", "未知的吹哨事件"), ("dept_id", "departments", "dept_id", "未知的部门")],
    "visits": [("dept_id", "departments", "dept_id", "未知的部门"), ("jpc_id", "communities", "jpc_id", "未知的社区联合党委")],
    "negative_reports": [("jpc_id", "communities", "jpc_id", "未知的社区联合党委"),
                         ("clause_code", "reference_items", "item_id", "条款编号不在附录 E 廉洁履职负面清单中：",
                          "list_id = 'integrity_clause'")],
    "appeals": [("community_id", "communities", "community_id", "未知的社区")],
    "appeal_log": [("appeal_id", "appeals", "appeal_id", "未知的诉求")],
    "tasks": [("dept_id", "departments", "dept_id", "未知的部门"), ("community_id", "communities", "community_id", "未知的社区")],
    "ratings": [("jpc_id", "communities", "jpc_id", "未知的社区联合党委"), ("dept_id", "departments", "dept_id", "未知的部门")],
}

# Rules across tables or rows, in SQL over `incoming` (the file's typed rows, with _row).
# Each returns (_row, column_name, value, reason).
CROSS_RULES: dict[str, list[str]] = {
    "whistle_event_log": ["""
        select i._row, 'ts' as column_name, cast(i.ts as varchar) as value,
               '记录时间早于事件上报时间（' || strftime(e.reported_at, '%Y-%m-%d %H:%M') || '）' as reason
        from incoming i join raw_whistle_events e using (event_id)
        where i.ts < e.reported_at
    """],
    "appeal_log": ["""
        with ordered as (
            select i._row, i.appeal_id, i.level, i.outcome, a.origin_level, a.raised_at, i.entered_at,
                   lag(i.level) over w as prev_level,
                   row_number() over w as pos,
                   count(*) over (partition by i.appeal_id) as n
            from incoming i join raw_appeals a using (appeal_id)
            window w as (partition by i.appeal_id order by i.entered_at, i.level)
        ),
        broken as (
            select appeal_id, string_agg(problem, '；' order by pos) as problems from (
                select appeal_id, pos, '第 ' || pos || ' 条记录从第 ' || prev_level || ' 级到第 ' || level || ' 级（跳级或倒退）' as problem
                from ordered where prev_level is not null and level <> prev_level + 1
                union all
                select appeal_id, pos, '起始层级 ' || level || ' 与诉求的起始层级 ' || origin_level || ' 不一致'
                from ordered where pos = 1 and level <> origin_level
                union all
                select appeal_id, pos, '第 ' || level || ' 级不是最后一级，结果应为 escalated'
                from ordered where pos < n and outcome <> 'escalated'
                union all
                select appeal_id, pos, '进入时间早于诉求提出时间'
                from ordered where entered_at < raised_at
            ) group by appeal_id
        )
        select o._row, 'level', cast(o.level as varchar), '诉求流转层级不连续：' || b.problems
        from ordered o join broken b using (appeal_id)
    """],
}


@dataclass
class FileSummary:
    file: str
    table: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_replaced: int = 0
    rows_quarantined: int = 0
    duplicates_skipped: int = 0
    encoding: str | None = None
    error: str | None = None


@dataclass
class IngestResult:
    run_id: str
    files: list[FileSummary] = field(default_factory=list)
    seconds: float = 0.0

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


def _incoming_frame(src: SourceFrame, frame: pl.DataFrame, typed: pl.DataFrame, offset: int) -> pl.DataFrame:
    extras = (
        frame.select(pl.struct([pl.col(c).cast(pl.Utf8) for c in src.extra_columns]).struct.json_encode()).to_series()
        if src.extra_columns else pl.Series("extras", [None] * typed.height, dtype=pl.Utf8)
    )
    return typed.with_columns(
        extras.alias("extras"),
        pl.int_range(offset, offset + typed.height, dtype=pl.Int64).alias("_row"),
    )


def _stage_incoming(con: duckdb.DuckDBPyConnection, src: SourceFrame) -> int:
    """Type and check the file batch by batch into temp tables `incoming` and `contract_failures`
    (DuckDB tables, which spill to disk under the memory limit); returns the number of rows."""
    spec: TableSpec = src.table
    offset = 0
    for n, frame in enumerate(src.iter_frames()):
        typed, failures = check_frame(spec, frame)
        batch = _incoming_frame(src, frame, typed, offset)
        failures = failures.with_columns(pl.col("row_index") + offset)
        con.register("incoming_batch", batch)
        con.register("failures_batch", failures)
        if n == 0:
            con.execute("create or replace temp table incoming as select * from incoming_batch")
            con.execute("create or replace temp table contract_failures as select * from failures_batch")
        else:
            con.execute("insert into incoming select * from incoming_batch")
            con.execute("insert into contract_failures select * from failures_batch")
        con.unregister("incoming_batch")
        con.unregister("failures_batch")
        offset += frame.height
    return offset


def load_source(con: duckdb.DuckDBPyConnection, src: SourceFrame, run_id: str, now: dt.datetime) -> FileSummary:
    spec: TableSpec = src.table
    file_name = src.path.name
    summary = FileSummary(file=file_name, table=spec.name, encoding=src.encoding)
    summary.rows_read = n_rows = _stage_incoming(con, src)
    cols = spec.column_names
    content = cols + ["extras"]
    raw = raw_table(spec.name)
    key = list(spec.key)
    try:
        rules = ["select row_index as _row, column_name, value, reason from contract_failures"]
        for col, ref, ref_col, reason, *condition in FOREIGN_KEYS.get(spec.name, []):
            extra = f" and {condition[0]}" if condition else ""
            rules.append(f"""
                select _row, '{col}', {_q(col)}, '{reason}“' || {_q(col)} || '”' from incoming
                where {_q(col)} is not null
                  and {_q(col)} not in (select {ref_col} from {raw_table(ref)} where {ref_col} is not null{extra})
            """)
        rules.extend(CROSS_RULES.get(spec.name, []))
        key_list = ", ".join(_q(k) for k in key)
        content_list = ", ".join(_q(c) for c in content)
        # distinct contents of the whole file (hash aggregate): a key carried by two contents is a conflict
        con.execute(f"create or replace temp table file_contents as "
                    f"select {content_list}, min(_row) as _row from incoming group by all")
        rules.append(f"""
            select i._row, '{key[0]}', cast(i.{_q(key[0])} as varchar),
                   '同一主键（{"、".join(key)}）在文件中出现多次且内容不同（共 ' || k.n || ' 种）'
            from incoming i join (
                select {key_list}, count(*) as n from file_contents group by {key_list} having count(*) > 1
            ) k on {_same(key, 'i', 'k')}
        """)
        con.execute("create or replace temp table failures as " + " union all ".join(f"({r})" for r in rules))
        con.execute("delete from quarantine where source_file = ?", [file_name])
        con.execute(
            "insert into quarantine select ?, ?, ?, ?, _row + 2, column_name, value, reason from failures order by _row",
            [run_id, now, file_name, spec.name],
        )
        summary.rows_quarantined = con.execute("select count(distinct _row) from failures").fetchall()[0][0]

        # valid rows, one per distinct content (exact repeats in the file are duplicates); without
        # failures these are the distinct contents already counted
        if summary.rows_quarantined == 0:
            con.execute("create or replace temp table valid as select * from file_contents")
        else:
            con.execute(f"""
                create or replace temp table valid as
                select {content_list}, min(_row) as _row from incoming
                where _row not in (select _row from failures)
                group by all
            """)
        n_valid_rows = n_rows - summary.rows_quarantined
        n_distinct = con.execute("select count(*) from valid").fetchall()[0][0]
        in_file_dups = n_valid_rows - n_distinct

        raw_is_empty = con.execute(f"select count(*) from (select 1 from {raw} limit 1)").fetchall()[0][0] == 0
        if raw_is_empty:
            # first load of this table: nothing to compare against or replace
            already, replaced = 0, 0
            con.execute(f"""
                insert into {raw} ({content_list}, _source_file, _source_row, _run_id)
                select {", ".join('v.' + _q(c) for c in content)}, ?, v._row + 2, ? from valid v
            """, [file_name, run_id])
        else:
            already = con.execute(
                f"select count(*) from valid v where exists (select 1 from {raw} r where {_same(content, 'r', 'v')})"
            ).fetchall()[0][0]
            if spec.parent:
                parent = _q(spec.parent)
                replaced = con.execute(f"""
                    delete from {raw} r
                    where r.{parent} in (select {parent} from valid)
                      and not exists (select 1 from valid v where {_same(content, 'r', 'v')})
                """).fetchall()[0][0]
            else:
                replaced = con.execute(f"""
                    delete from {raw} r
                    where exists (select 1 from valid v where {_same(key, 'r', 'v')})
                      and not exists (select 1 from valid v where {_same(content, 'r', 'v')})
                """).fetchall()[0][0]
            con.execute(f"""
                insert into {raw} ({content_list}, _source_file, _source_row, _run_id)
                select {", ".join('v.' + _q(c) for c in content)}, ?, v._row + 2, ?
                from valid v where not exists (select 1 from {raw} r where {_same(content, 'r', 'v')})
            """, [file_name, run_id])
        summary.rows_loaded = n_distinct - already
        summary.rows_replaced = replaced
        summary.duplicates_skipped = in_file_dups + already
    finally:
        for t in ("incoming", "contract_failures", "file_contents", "valid", "failures"):
            con.execute(f"drop table if exists {t}")
    return summary


def ingest(paths: list[Path | str], db_path: Path | None = None, progress=None, do_build: bool = True) -> IngestResult:
    """Load every file; unreadable files are reported and skipped, the rest land in one transaction."""
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:12]
    result = IngestResult(run_id=run_id)
    files = iter_source_paths(paths)
    # order the files by table (references first) from their names or header lines; each file is then
    # read, checked and loaded on its own, so memory holds one file at a time
    planned = []
    for path in files:
        spec = peek_table(path)
        planned.append((spec.order if spec else 99, str(path), path))
    planned.sort()
    now = dt.datetime.now().replace(microsecond=0)
    with write_session(db_path) as con:
        ensure_schema(con)
        con.execute("begin")
        has_reference = con.execute("select count(*) from raw_reference_items").fetchall()[0][0] > 0
        if not has_reference and not any(o == 0 for o, _, _ in planned):
            planned.insert(0, (0, str(BUNDLED_REFERENCE), BUNDLED_REFERENCE))
        for i, (_, _, path) in enumerate(planned, 1):
            if progress:
                progress("load", i, len(planned), path.name)
            try:
                src = read_source(path)
            except SourceError as exc:
                result.files.append(FileSummary(file=path.name, table=None, error=exc.problem))
                continue
            summary = load_source(con, src, run_id, now)
            del src
            result.files.append(summary)
            con.execute(
                "insert into ingest_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, now, dt.datetime.now(), summary.file, summary.table, summary.encoding, summary.rows_read,
                 summary.rows_loaded, summary.rows_replaced, summary.rows_quarantined, summary.duplicates_skipped],
            )
        if do_build:
            build(con, progress=(lambda i, n, name: progress("build", i, n, name)) if progress else None)
        con.execute("commit")
    order = {str(p.name): i for i, p in enumerate(files)}
    result.files.sort(key=lambda f: order.get(f.file, 0))
    result.seconds = time.perf_counter() - started
    return result
