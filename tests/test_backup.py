"""`govdash backup` and `govdash restore`, on SQLite and on PostgreSQL: what people made (accounts, sign-outs, failed
sign-ins, publications, scoring versions) is backed up with the seal key, the settings and the list of the files
the facts came from; restored on a fresh installation and the facts rebuilt from that list, everything is served as
before, byte for byte. A backup goes only into an empty folder, a damaged backup and a records database that is not
empty are refused with nothing written.

LibreOffice is taken off PATH while publishing (as on a machine without it), so the PDF is skipped and the tests
stay fast."""
from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.records import accounts, db, schema, signin
from govdash.records import scoring_versions as versions
from tests.support.paths import REPO

MONTH = "2024-10"
CHAIR_PASSWORD = "chair-password-1"
ADDRESSES = ("10.0.0.7", "10.0.0.8", "10.0.0.9")


def invoke(*args: str, codes: tuple[int, ...] = (0,)):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in codes, (args, result.exit_code, result.stdout, result.stderr)
    return result


def published(folder: Path) -> dict[str, bytes]:
    """The published October bulletin and fourth quarter's assessment, every stored format, as
    `govdash report --published` writes them."""
    folder.mkdir(parents=True)
    out = {}
    for kind, args, formats in (("bulletin", ("--month", MONTH), ("json", "docx", "xlsx")),
                                ("assessment", ("--year", "2024", "--quarter", "4"), ("json", "xlsx"))):
        for fmt in formats:
            path = folder / f"{kind}.{fmt}"
            invoke("report", kind, *args, "--published", "--format", fmt, "--out", path)
            out[path.name] = path.read_bytes()
    return out


def place(root: Path, monkeypatch, url: str) -> Path:
    """An installation's own places: warehouse, records database, seal key, live scoring settings, state folder."""
    root.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("GOVDASH_DB", str(root / "govdash.duckdb"))
    monkeypatch.setenv("GOVDASH_RECORDS_URL", url)
    monkeypatch.setenv("GOVDASH_SEAL_KEY_FILE", str(root / "seal.key"))
    monkeypatch.setenv("GOVDASH_SCORING", str(root / "scoring.toml"))
    monkeypatch.setenv("GOVDASH_STATE_DIR", str(root / "state"))
    return root


def fresh_records(records_url: str, request, folder: Path) -> str:
    """Another empty records database on the same engine as `records_url`."""
    if records_url.startswith("sqlite"):
        return f"sqlite:///{folder / 'records.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


def tables_of(url: str) -> list[str]:
    """The tables a records database holds, read without db.engine() (which would create them)."""
    eng = sa.create_engine(db.normalise_url(url), poolclass=sa.pool.NullPool)
    try:
        return sorted(sa.inspect(eng).get_table_names())
    finally:
        eng.dispose()


def write_seal(root: Path) -> tuple[bytes, bytes]:
    """A seal key and chain head where the installation keeps them (as the archive's seal makes them: 0600)."""
    key, head = os.urandom(32), b'{"seq": 2, "seal": "' + os.urandom(8).hex().encode() + b'"}\n'
    for path, data in ((db.seal_key_path(), key), (db.seal_head_path(), head)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return key, head


@pytest.fixture
def installation(committed_sample_db, records_url, tmp_path, monkeypatch) -> Path:
    """A running installation: the committed sample city's warehouse (loaded from sample_data/), its records on the
    engine under test, a seal key, its own scoring settings file."""
    root = place(tmp_path / "old", monkeypatch, records_url)
    shutil.copyfile(committed_sample_db, root / "govdash.duckdb")
    shutil.copyfile(REPO / "config" / "scoring.toml", root / "scoring.toml")
    return root


def test_a_backup_restored_on_a_fresh_installation_serves_everything_as_before(installation, records_url, request,
                                                                               tmp_path, monkeypatch):
    from govdash.web import sessions

    # what people made: accounts with real names, a sign-out, failed sign-ins, a saved scoring version, a published
    # month and quarter
    accounts.add_user("chair", "committee", CHAIR_PASSWORD, display_name="张明")
    accounts.add_user("office", "assessment", "office-password-1", display_name="李华")
    access = sessions.load_settings()
    _, signed_out = sessions.Sessions(installation / "state", access).issue("chair")
    sessions.Sessions(installation / "state", access).revoke(signed_out)
    throttle = sessions.Throttle(access, signin.ThrottleRecords())
    for address in ADDRESSES:      # one failure from each (a second at once would have to wait its delay)
        assert throttle.reserve("chair", address).allowed
        throttle.record("chair", address, ok=False)
    changed = (installation / "scoring.toml").read_text(encoding="utf-8").replace(
        "negative_list_threshold = 0.90", "negative_list_threshold = 0.85")
    assert changed != (installation / "scoring.toml").read_text(encoding="utf-8")
    (tmp_path / "new-scoring.toml").write_text(changed, encoding="utf-8")
    invoke("scoring", "save", "--file", tmp_path / "new-scoring.toml", "--reason", "下调负面清单阈值",
           "--user", "office")
    with monkeypatch.context() as m:
        (tmp_path / "bin").mkdir()
        m.setenv("PATH", str(tmp_path / "bin"))
        invoke("publish", "--month", MONTH, "--user", "chair")
    invoke("publish", "--year", "2024", "--quarter", "4", "--user", "office")
    # the archive's seal key and chain head, made by the first publication
    key, head = db.seal_key_path().read_bytes(), db.seal_head_path().read_bytes()
    before = published(tmp_path / "before")
    history, saved = versions.history(), versions.list_versions()
    texts = {v["id"]: versions.version_text(v["id"]) for v in saved}
    live_scoring = (installation / "scoring.toml").read_bytes()
    assert [(h["action"], h["author"]) for h in history] == [("save", "李华")]   # the person, by real name

    backup = tmp_path / "backup"
    out = invoke("backup", backup).stdout
    assert "备份完成" in out
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    engine = "sqlite" if records_url.startswith("sqlite") else "postgresql"
    assert manifest["records"]["engine"] == engine
    assert manifest["records"]["file"] == ("records.sqlite3" if engine == "sqlite" else "records.pgdump")
    assert manifest["records"]["alembic_revision"] == db_revision_head()
    assert manifest["product_version"] and manifest["created_at"]
    listed = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == listed
    assert {"seal/seal.key", "seal/seal.key.head", "settings/settings.toml", "settings/scoring.toml",
            "settings/access.toml", "sources.json"} <= listed
    for name in ("seal/seal.key", "seal/seal.key.head"):
        assert stat.S_IMODE((backup / name).stat().st_mode) == 0o600
    assert (backup / "settings" / "scoring.toml").read_bytes() == live_scoring
    # the facts' sources: every file of sample_data, with the digest it was loaded with
    sources = json.loads((backup / "sources.json").read_text(encoding="utf-8"))
    files = [f for b in sources["batches"] for f in b["files"]]
    # (the disputes' file is records, not facts: the ingest passes it by)
    sample = {p.resolve() for p in (REPO / "sample_data").iterdir() if p.suffix == ".csv" and p.name != "disputes.csv"}
    assert {Path(f["path"]) for f in files} == sample
    for f in files:
        assert f["sha256"] == file_digest(Path(f["path"])) and f["rows_read"] > 0

    # a fresh installation: another warehouse path, another empty records database, another key path
    new = place(tmp_path / "new", monkeypatch, fresh_records(records_url, request, tmp_path / "new"))
    restored = invoke("restore", backup, "--with-settings").stdout
    assert "govdash ingest" in restored
    assert db.seal_key_path() == new / "seal.key" and db.seal_key_path().read_bytes() == key
    assert stat.S_IMODE(db.seal_key_path().stat().st_mode) == 0o600
    assert db.seal_head_path().read_bytes() == head
    assert (new / "scoring.toml").read_bytes() == live_scoring     # --with-settings: the live scoring settings
    assert not (new / "govdash.duckdb").exists()                   # the facts are rebuilt, not restored
    for batch in sources["batches"]:
        invoke("ingest", *[f["path"] for f in batch["files"]], codes=(0, 2))

    assert published(tmp_path / "after") == before
    assert "归档校验通过" in invoke("verify").stdout   # the restored key and head: the chain holds
    assert versions.history() == history and versions.list_versions() == saved
    assert {v: versions.version_text(v) for v in texts} == texts
    chair = accounts.authenticate("chair", CHAIR_PASSWORD)
    assert chair is not None and chair.role == "committee" and chair.display_name == "张明"
    assert accounts.authenticate("chair", "wrong-password-1") is None
    assert signin.Revocations().revoked(signed_out.sid)
    restarted = sessions.Throttle(access, signin.ThrottleRecords())
    assert restarted.failures("account_total", "chair") == 3
    assert [restarted.failures("account", "chair", a) for a in ADDRESSES] == [1, 1, 1]


def db_revision_head() -> str:
    from govdash.records.backup import head_revision

    return head_revision()


def file_digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_goes_only_into_an_empty_folder(tmp_path, monkeypatch):
    place(tmp_path / "old", monkeypatch, os.environ["GOVDASH_RECORDS_URL"])
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "notes.txt").write_text("上月的备份说明", encoding="utf-8")
    result = invoke("backup", folder, codes=(1,))
    assert "不为空" in result.stderr and str(folder) in result.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "上月的备份说明"
    # an empty folder, or one that does not exist yet, is taken
    invoke("backup", tmp_path / "empty-made")
    (tmp_path / "empty").mkdir()
    invoke("backup", tmp_path / "empty")
    assert (tmp_path / "empty" / "manifest.json").is_file()


@pytest.fixture
def small_backup(records_url, tmp_path, monkeypatch) -> Path:
    """A backup of an installation with one account and a seal key (no warehouse yet)."""
    root = place(tmp_path / "old", monkeypatch, records_url)
    accounts.add_user("chair", "committee", CHAIR_PASSWORD, display_name="张明")
    write_seal(root)
    invoke("backup", tmp_path / "backup")
    return tmp_path / "backup"


@pytest.mark.parametrize("damaged", ["records", "seal/seal.key"])
def test_a_damaged_backup_is_refused_naming_the_file_with_nothing_written(small_backup, records_url, request,
                                                                          tmp_path, monkeypatch, damaged):
    manifest = json.loads((small_backup / "manifest.json").read_text(encoding="utf-8"))
    name = manifest["records"]["file"] if damaged == "records" else damaged
    data = bytearray((small_backup / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (small_backup / name).write_bytes(bytes(data))
    url = fresh_records(records_url, request, tmp_path / "new")
    new = place(tmp_path / "new", monkeypatch, url)
    result = invoke("restore", small_backup, codes=(1,))
    assert name in result.stderr and "SHA-256" in result.stderr
    assert not db.seal_key_path().exists() and not db.seal_head_path().exists()
    assert sorted(p.name for p in new.iterdir()) == []
    if url.startswith("postgresql"):
        assert tables_of(url) == []


def test_restore_into_a_records_database_that_is_not_empty_is_refused(small_backup, records_url, request, tmp_path,
                                                                      monkeypatch):
    url = fresh_records(records_url, request, tmp_path / "new")
    place(tmp_path / "new", monkeypatch, url)
    accounts.add_user("someone", "committee", "someone-password-1")     # a records database in use
    result = invoke("restore", small_backup, codes=(1,))
    assert "记录库" in result.stderr and ("不是空库" in result.stderr or "已存在" in result.stderr)
    assert set(accounts.load_accounts()) == {"someone"}
    assert not db.seal_key_path().exists()


def test_restore_never_replaces_a_different_seal_key(small_backup, records_url, request, tmp_path, monkeypatch):
    url = fresh_records(records_url, request, tmp_path / "new")
    new = place(tmp_path / "new", monkeypatch, url)
    (new / "seal.key").write_bytes(b"another installation's key")
    result = invoke("restore", small_backup, codes=(1,))
    assert "封存密钥" in result.stderr and "拒绝覆盖" in result.stderr
    assert (new / "seal.key").read_bytes() == b"another installation's key"
    assert tables_of(url) == []


def test_a_warehouse_loaded_before_paths_were_recorded_lists_its_files_by_name(committed_sample_db, tmp_path,
                                                                               monkeypatch):
    import duckdb

    root = place(tmp_path / "old", monkeypatch, os.environ["GOVDASH_RECORDS_URL"])
    warehouse = root / "govdash.duckdb"
    shutil.copyfile(committed_sample_db, warehouse)
    with duckdb.connect(str(warehouse)) as con:     # as an earlier version left it: no path, no digest
        con.execute("alter table ingest_runs drop column source_path")
        con.execute("alter table ingest_runs drop column source_sha256")
    invoke("backup", tmp_path / "backup")
    [batch] = json.loads((tmp_path / "backup" / "sources.json").read_text(encoding="utf-8"))["batches"]
    assert {f["file"] for f in batch["files"]} == {p.name for p in (REPO / "sample_data").glob("*.csv")} - {
        "disputes.csv"}
    assert {f["path"] for f in batch["files"]} == {None} and {f["sha256"] for f in batch["files"]} == {None}
    place(tmp_path / "new", monkeypatch, f"sqlite:///{tmp_path / 'new' / 'records.sqlite3'}")
    assert "未记录路径" in invoke("restore", tmp_path / "backup").stdout
    # the next ingest into that warehouse records its files' paths and digests again, beside the older rows
    monkeypatch.setenv("GOVDASH_DB", str(warehouse))
    invoke("ingest", REPO / "sample_data" / "departments.csv", codes=(0, 2))
    invoke("backup", tmp_path / "backup-2")
    first, second = json.loads((tmp_path / "backup-2" / "sources.json").read_text(encoding="utf-8"))["batches"]
    assert {f["path"] for f in first["files"]} == {None}
    [earlier] = [f for f in first["files"] if f["file"] == "departments.csv"]
    assert second["files"] == [{"path": str((REPO / "sample_data" / "departments.csv").resolve()),
                                "sha256": file_digest(REPO / "sample_data" / "departments.csv"),
                                "file": "departments.csv", "tables": "departments",
                                "rows_read": earlier["rows_read"], "rows_loaded": 0}]   # loaded before: all skipped


def test_a_backup_of_an_older_revision_is_brought_to_the_newest_after_restore(tmp_path, monkeypatch):
    """A backup whose records an earlier version made (before the scoring versions' tables, revision 0003) is
    restored as it was, then migrated: its account signs in, and the newer tables are there."""
    from alembic import command
    from alembic.config import Config

    from govdash.records.backup import head_revision

    place(tmp_path / "old", monkeypatch, os.environ["GOVDASH_RECORDS_URL"])
    backup = tmp_path / "backup"
    invoke("backup", backup)
    # the records file as that version left it: migrated only to 0003, one account
    older = tmp_path / "older.sqlite3"
    eng = sa.create_engine(f"sqlite:///{older}")
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with eng.begin() as con:
        cfg.attributes["connection"] = con
        command.upgrade(cfg, "0003")
        con.execute(sa.insert(schema.accounts).values(
            username="chair", role="committee", dept=None, display_name="张明",
            password_hash=accounts.hash_password(CHAIR_PASSWORD), email=None))
    eng.dispose()
    assert "scoring_versions" not in tables_of(f"sqlite:///{older}")
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    shutil.copyfile(older, backup / "records.sqlite3")
    manifest["records"]["alembic_revision"] = "0003"
    manifest["files"]["records.sqlite3"] = {"sha256": file_digest(older), "size": older.stat().st_size}
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    url = f"sqlite:///{tmp_path / 'new' / 'records.sqlite3'}"
    place(tmp_path / "new", monkeypatch, url)
    out = invoke("restore", backup).stdout
    assert f"0003 → {head_revision()}" in out and head_revision() != "0003"
    assert {"scoring_versions", "scoring_history"} <= set(tables_of(url))
    assert accounts.authenticate("chair", CHAIR_PASSWORD).display_name == "张明"


def test_a_backup_is_restored_only_onto_its_own_engine(postgres_server, tmp_path, monkeypatch):
    place(tmp_path / "old", monkeypatch, f"sqlite:///{tmp_path / 'old' / 'records.sqlite3'}")
    accounts.add_user("chair", "committee", CHAIR_PASSWORD)
    invoke("backup", tmp_path / "backup")
    url = postgres_server.new_database()
    place(tmp_path / "new", monkeypatch, url)
    result = invoke("restore", tmp_path / "backup", codes=(1,))
    assert "sqlite" in result.stderr and "postgresql" in result.stderr and "不能跨数据库类型恢复" in result.stderr
    assert tables_of(url) == []


def test_the_password_of_the_records_url_stays_out_of_the_backup_and_of_pg_dumps_arguments(postgres_server, tmp_path,
                                                                                          monkeypatch):
    from govdash.records.backup import libpq_connection

    plain = postgres_server.new_database()
    url = plain.replace(f"//{postgres_server.user}@", f"//{postgres_server.user}:s3cret-pw@")
    assert url != plain
    place(tmp_path / "old", monkeypatch, url)
    accounts.add_user("chair", "committee", CHAIR_PASSWORD)
    invoke("backup", tmp_path / "backup")
    for path in (tmp_path / "backup").rglob("*.json"):
        assert "s3cret-pw" not in path.read_text(encoding="utf-8"), path
    args, env = libpq_connection(sa.engine.make_url(db.normalise_url(url + "?sslmode=disable")))
    assert "s3cret-pw" not in " ".join(args) and env["PGPASSWORD"] == "s3cret-pw" and env["PGSSLMODE"] == "disable"
    assert args == ["--host", "127.0.0.1", "--port", str(postgres_server.port), "--username", postgres_server.user]


def test_a_sqlite_backup_taken_while_sign_outs_are_written_is_a_consistent_snapshot(tmp_path, monkeypatch):
    """SQLite's online backup: a server signing sessions out all the while (another connection writing) does not
    stop the backup, and the copy is a whole database holding some prefix of those writes."""
    import sqlite3
    import threading

    url = f"sqlite:///{tmp_path / 'old' / 'records.sqlite3'}"
    place(tmp_path / "old", monkeypatch, url)
    revocations = signin.Revocations(url)
    revocations.revoke("first", 4_000_000_000.0, 0.0)
    stop, under_way, written = threading.Event(), threading.Event(), []

    def sign_outs():
        while not stop.is_set():
            sid = f"s{len(written):06d}"
            revocations.revoke(sid, 4_000_000_000.0, 0.0)
            written.append(sid)
            if len(written) == 20:
                under_way.set()

    writer = threading.Thread(target=sign_outs)
    writer.start()
    try:
        assert under_way.wait(60)            # the writer is under way before the backup starts
        invoke("backup", tmp_path / "backup")
    finally:
        stop.set()
        writer.join()
    copy = sqlite3.connect(tmp_path / "backup" / "records.sqlite3")
    try:
        assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
        sids = sorted(r[0] for r in copy.execute("select sid from revoked_sessions"))
    finally:
        copy.close()
    # the sign-outs committed before the snapshot, in order, and none after it
    assert sids == sorted(["first", *written[:len(sids) - 1]]) and 20 <= len(sids) - 1 <= len(written)


def test_a_backup_that_cannot_reach_the_records_leaves_no_folder_behind(postgres_server, tmp_path, monkeypatch):
    place(tmp_path / "old", monkeypatch, postgres_server.url("no_such_database"))
    result = invoke("backup", tmp_path / "backup", codes=(1,))
    assert "记录库" in result.stderr
    assert not (tmp_path / "backup").exists()      # no half-made backup to be mistaken for one
