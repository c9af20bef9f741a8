"""The SQL loader (warehouse/sql_files.py): statements found by name in a folder and its subfolders, several
named statements to a file (`-- name: <statement>`, the convention of aiosql and PugSQL), a duplicate name
refused, and the metric queries read once and again only when their file changes (its path and mtime)."""
from __future__ import annotations

import ast
import os
import re

import pytest

from warehouse import sql_files
from warehouse.sql_files import SqlFileError, metric_sql, statement, statement_names

REPO = sql_files.WAREHOUSE_DIR.parent


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_holds_several_named_statements_and_a_one_statement_file_is_named_by_its_file(tmp_path):
    _write(tmp_path / "steps.sql", "-- The steps of one concern.\n\n"
                                   "-- name: first_step\n-- The first. No params.\nselect 1\n\n"
                                   "-- name: second_step\n-- The second. Placeholder `table`.\nselect "
                                   "count(*) from {table}\n")
    _write(tmp_path / "domain" / "alone.sql", "-- One statement, no marker.\nselect 3\n")
    assert statement(tmp_path, "first_step") == "-- The first. No params.\nselect 1\n"
    assert statement(tmp_path, "second_step",
                     table="t") == "-- The second. Placeholder `table`.\nselect count(*) from t\n"
    assert statement(tmp_path, "alone") == "-- One statement, no marker.\nselect 3\n"
    assert statement_names(tmp_path) == {"first_step": tmp_path / "steps.sql", "second_step": tmp_path / "steps.sql",
                                         "alone": tmp_path / "domain" / "alone.sql"}


def test_a_name_defined_twice_is_refused_naming_both_files(tmp_path):
    _write(tmp_path / "whistle" / "rates.sql", "select 1\n")
    _write(tmp_path / "visits" / "rates.sql", "select 2\n")
    with pytest.raises(SqlFileError,
                       match=r"rates.*whistle/rates\.sql.*visits/rates\.sql|rates.*visits/rates\.sql.*wh"
                             r"istle/rates\.sql"):
        statement(tmp_path, "rates")
    other = tmp_path.parent / (tmp_path.name + "-named")
    _write(other / "a.sql", "-- name: same\nselect 1\n-- name: same\nselect 2\n")
    with pytest.raises(SqlFileError, match="same"):
        statement(other, "same")


def test_sql_before_the_first_name_marker_is_refused(tmp_path):
    """Text before a file's first `-- name:` belongs to no statement: only a comment may stand there."""
    _write(tmp_path / "a.sql", "select 0\n-- name: one\nselect 1\n")
    with pytest.raises(SqlFileError, match="a.sql"):
        statement(tmp_path, "one")


def test_an_unknown_name_says_so(tmp_path):
    _write(tmp_path / "a.sql", "select 1\n")
    with pytest.raises(SqlFileError, match="nothing_here"):
        statement(tmp_path, "nothing_here")


def test_a_metric_is_read_once_until_its_file_changes(tmp_path, monkeypatch):
    """Cached by the file's path and mtime: a second call does not read the file (the proof: text changed behind
    the loader's back with the mtime put back is not seen), an edit (a new mtime) is picked up without a restart,
    and a metric added or moved to another domain folder is found."""
    monkeypatch.setattr(sql_files, "METRICS_DIR", tmp_path)
    f = _write(tmp_path / "whistle" / "probe.sql", "select 1 as v\n")
    assert metric_sql("probe") == "select 1 as v\n"
    stat = f.stat()
    f.write_text("select 2 as v\n", encoding="utf-8")               # same size, mtime put back: not read again
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert metric_sql("probe") == "select 1 as v\n"
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))   # an edit: a new mtime
    assert metric_sql("probe") == "select 2 as v\n"
    _write(tmp_path / "visits" / "added.sql", "select 3 as v\n")
    assert metric_sql("added") == "select 3 as v\n"
    (tmp_path / "appeals").mkdir()
    f.rename(tmp_path / "appeals" / "probe.sql")
    assert metric_sql("probe") == "select 2 as v\n"


def test_every_statement_folder_loads_without_a_duplicate_name():
    folders = (sql_files.METRICS_DIR, sql_files.INGEST_SQL_DIR, sql_files.BUILD_STEPS_DIR, sql_files.CONNECTION_SQL_DIR,
               sql_files.ARCHIVE_SQL_DIR, sql_files.DDL_DIR)
    names = {folder.name: statement_names(folder) for folder in folders}
    assert len(names["metrics"]) > 60
    # the metrics live in domain folders, none loose
    assert {p.parent.parent for p in names["metrics"].values()} == {sql_files.METRICS_DIR}


def _called_names(loader: str) -> set[str]:
    """The statement names the product's Python passes to a loader as a literal."""
    found = set()
    for path in REPO.glob("**/*.py"):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith((".venv/", "tests/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == loader
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("loader,folder", [("metric_sql", "METRICS_DIR"), ("build_sql", "BUILD_STEPS_DIR"),
                                           ("connection_sql", "CONNECTION_SQL_DIR"), ("archive_sql", "ARCHIVE_SQL_DIR"),
                                           ("ddl_sql", "DDL_DIR"), ("ingest_sql", "INGEST_SQL_DIR")])
def test_every_statement_the_code_names_exists(loader, folder):
    called = _called_names(loader)
    assert called, loader
    missing = called - set(statement_names(getattr(sql_files, folder)))
    assert not missing, f"{loader}: no statement named {sorted(missing)}"


def test_no_benchmark_statement_on_the_runtime_path():
    """The benchmarks' own queries (the pandas peer's inputs) live under benchmarks/sql/, not among the metrics."""
    assert not [n for n in statement_names(sql_files.METRICS_DIR) if re.match(r"bench", n)]
    from benchmarks import bench_sql

    assert "from raw_whistle_events" in bench_sql("pandas_events")
