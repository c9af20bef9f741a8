"""Publications (bulletins and assessments) in the records database: the warehouse is facts only, so deleting it,
`govdash build --full` or a new ingest keeps every publication, and a published month is served byte for byte; a
warehouse whose archive_* tables an earlier version wrote is imported once, every column and file."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from govdash.records import db, schema
from tests.support.paths import REPO

# the last version that kept publications in the warehouse (archive_* tables): it makes the warehouse to import
ARCHIVE_IN_WAREHOUSE = "870300666e1bda4b630d037da529e29727c79481"
MONTH = "2024-10"


def run(tree: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "govdash.cli", *args], capture_output=True, cwd=tree,
                         env={**os.environ, **env, "PYTHONPATH": str(tree)}, timeout=600)
    assert out.returncode == 0, (args, out.stderr.decode("utf-8", "replace"))
    return out


def published_files(tree: Path, env: dict, folder: Path) -> dict[str, bytes]:
    """The published October bulletin and fourth quarter's assessment, every format, as `govdash report --published`
    writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt in ("json", "docx", "xlsx"):
        run(tree, env, "report", "bulletin", "--month", MONTH, "--published", "--format", fmt, "--out",
            str(folder / f"bulletin.{fmt}"))
        out[f"bulletin.{fmt}"] = (folder / f"bulletin.{fmt}").read_bytes()
    for fmt in ("json", "xlsx"):
        run(tree, env, "report", "assessment", "--year", "2024", "--quarter", "4", "--published", "--format", fmt,
            "--out", str(folder / f"assessment.{fmt}"))
        out[f"assessment.{fmt}"] = (folder / f"assessment.{fmt}").read_bytes()
    return out


def warehouse_rows(path: Path, table: str, order: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [tuple(bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else v for v in row)
                for row in con.execute(f"select * from {table} order by {order}").fetchall()]


def records_rows(url: str, table: sa.Table, order: str) -> list[tuple]:
    """The rows as the warehouse's archive tables held them: every column but each publication's link in the seal
    chain (govdash.records.seal), which the import adds."""
    from govdash.records.seal import SEAL_COLUMNS

    columns = [c for c in table.columns if c.name not in SEAL_COLUMNS]
    with db.engine(url).connect() as con:
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in con.execute(sa.select(*columns).order_by(*[table.c[c] for c in order.split(", ")]))]


@pytest.mark.browser  # publishing makes the PDF with LibreOffice
def test_an_archive_in_the_warehouse_is_imported_once_and_outlives_the_warehouse(records_env, tmp_path):
    # the earlier version: its code, a warehouse of the sample city, accounts in a file, a month and a quarter
    # published into the warehouse's archive_* tables
    old = tmp_path / "old"
    archived = subprocess.run(["git", "-C", str(REPO), "archive", ARCHIVE_IN_WAREHOUSE], capture_output=True)
    if archived.returncode != 0:
        pytest.skip(f"the earlier version's commit {ARCHIVE_IN_WAREHOUSE[:8]} is not in this checkout (a shallow clone "
                    "or no git history: `git fetch --unshallow` to run this test)")
    with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
        tar.extractall(old, filter="data")
    warehouse = tmp_path / "data" / "govdash.duckdb"
    env = {"GOVDASH_DB": str(warehouse), "GOVDASH_ACCOUNTS": str(tmp_path / "data" / "accounts.toml"),
           "GOVDASH_STATE_DIR": str(tmp_path / "data")}
    run(old, env, "ingest", str(old / "sample_data"))  # its own sample files (it knows no disputes file)
    run(old, env, "user", "add", "chair", "--role", "committee", "--password", "chair-password-1",
        "--display-name", "张明")
    run(old, env, "user", "add", "office", "--role", "assessment", "--password", "office-password-1")
    run(old, env, "publish", "--month", MONTH, "--user", "chair")
    run(old, env, "publish", "--year", "2024", "--quarter", "4", "--user", "office")
    before = published_files(old, env, tmp_path / "before")
    legacy = {table: warehouse_rows(warehouse, table, order) for table, order in (
        ("archive_publications", "month, version"), ("archive_files", "publication_id, kind"),
        ("archive_assessments", "period, version"), ("archive_assessment_files", "publication_id, kind"))}
    assert len(legacy["archive_publications"]) == 1 and len(legacy["archive_assessments"]) == 1

    # this version, on the records database under test: the first command imports the archive and the accounts
    env = {**env, "GOVDASH_RECORDS_URL": records_env}
    assert published_files(REPO, env, tmp_path / "after") == before
    imported = {table: records_rows(records_env, getattr(schema, table), order) for table, order in (
        ("bulletin_publications", "month, version"), ("bulletin_files", "publication_id, kind"),
        ("assessment_publications", "period, version"), ("assessment_files", "publication_id, kind"))}
    # every column and every file, as the warehouse held them
    assert imported["bulletin_publications"] == legacy["archive_publications"]
    assert imported["bulletin_files"] == legacy["archive_files"]
    assert imported["assessment_publications"] == legacy["archive_assessments"]
    assert imported["assessment_files"] == legacy["archive_assessment_files"]
    # sealed as the chain's links on import, in order of publication: the archive verifies
    verified = subprocess.run([sys.executable, "-m", "govdash.cli", "verify", "--json"], capture_output=True,
                              cwd=REPO, env={**os.environ, **env}, timeout=600)
    assert verified.returncode == 0, verified.stdout.decode("utf-8", "replace")

    # the warehouse is facts: deleted and loaded again, or rebuilt, it keeps every publication, byte for byte
    warehouse.unlink()
    run(REPO, env, "ingest", str(REPO / "sample_data"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert not con.execute("select table_name from duckdb_tables() where table_name like 'archive%'").fetchall()
    assert published_files(REPO, env, tmp_path / "reloaded") == before
    run(REPO, env, "build", "--full")
    assert published_files(REPO, env, tmp_path / "rebuilt") == before
    # published once: the month's publication is refused a second time, and the running number goes on from it
    again = subprocess.run([sys.executable, "-m", "govdash.cli", "publish", "--month", MONTH, "--user", "chair"],
                           capture_output=True, text=True, cwd=REPO, env={**os.environ, **env}, timeout=600)
    assert again.returncode == 1 and "不能重复发布" in again.stderr
    run(REPO, env, "publish", "--month", "2024-11", "--user", "chair")
    with db.engine(records_env).connect() as con:
        pubs = con.execute(sa.select(schema.bulletin_publications.c.publication_id)
                           .order_by(schema.bulletin_publications.c.month)).scalars().all()
    assert pubs == ["2024-10-v1", "2024-11-v1"]
