"""The records database (govdash/records): what people make, kept apart from the rebuildable warehouse, on SQLite
and on a real PostgreSQL alike. Its URL, its migrations applied on first use, one engine per URL."""
from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa

from govdash.records import db, schema
from tests.support.paths import REPO


def test_the_url_defaults_to_sqlite_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVDASH_RECORDS_URL")
    monkeypatch.setenv("GOVDASH_DB", str(tmp_path / "wh" / "govdash.duckdb"))
    assert db.records_url() == f"sqlite:///{tmp_path / 'wh' / 'records.sqlite3'}"
    monkeypatch.delenv("GOVDASH_DB")
    assert db.records_url() == f"sqlite:///{REPO / 'data' / 'records.sqlite3'}"
    # a PostgreSQL URL without a driver is psycopg 3; one naming it stays as it is
    monkeypatch.setenv("GOVDASH_RECORDS_URL", "postgresql://govdash@db.example/records")
    assert db.records_url() == "postgresql+psycopg://govdash@db.example/records"
    monkeypatch.setenv("GOVDASH_RECORDS_URL", "postgresql+psycopg://u:secret@h/r")
    assert db.records_url() == "postgresql+psycopg://u:secret@h/r" and "secret" not in db.display_url()


def test_first_use_creates_every_table_at_the_newest_revision(records_url):
    eng = db.engine(records_url)
    assert db.engine(records_url) is eng          # one engine per URL in a process
    inspector = sa.inspect(eng)
    tables = set(inspector.get_table_names())
    assert set(schema.metadata.tables) <= tables and "alembic_version" in tables
    # the tables the migrations made are those the code queries, column for column
    for name, table in schema.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == set(table.columns.keys()), name
    with eng.connect() as con:
        revision = con.execute(sa.select(sa.column("version_num")).select_from(sa.table("alembic_version"))).scalar()
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    assert revision == ScriptDirectory.from_config(cfg).get_current_head()


def test_a_second_process_finds_the_schema_made_and_upgrades_nothing(records_url):
    db.engine(records_url)
    with db.engine(records_url).begin() as con:
        con.execute(sa.insert(schema.revoked_sessions).values(sid="abc", expires_at=1.0))
    code = ("import sqlalchemy as sa; from govdash.records import db, schema; e = db.engine(); "
            "print(e.connect().execute(sa.select(schema.revoked_sessions.c.sid)).scalars().all())")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "GOVDASH_RECORDS_URL": records_url},
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['abc']"


def test_the_sqlite_file_is_private_and_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'records.sqlite3'}"
    try:
        with db.engine(url).connect() as con:
            mode = con.exec_driver_sql("pragma journal_mode").scalar()
        assert mode == "wal"
        assert os.stat(tmp_path / "new" / "records.sqlite3").st_mode & 0o077 == 0
    finally:
        db.forget(url)


def test_an_unreachable_database_is_one_records_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    (tmp_path / "records.sqlite3").write_bytes(b"not a database, garbled" * 100)
    try:
        db.engine(url)
    except db.RecordsError as exc:
        assert "records.sqlite3" in str(exc)
    else:
        raise AssertionError("a garbled records file was opened")
