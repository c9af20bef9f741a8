"""The published bulletins (定稿发布) as the product reads and writes them: digests checked on every read, the one
write, and the issuer's running number. They are kept in the records database (govdash.records.publications, the
one module storing publications of both kinds), apart from the warehouse, so deleting the warehouse or rebuilding
it loses none; nothing here updates or deletes one: a correction is a new version. Every read checks the SHA-256
stored with the content and the publication's seal and its link to the one before (govdash.records.seal: an HMAC
chain under a key kept outside the database), so a file served is the file that was published; a publication that
fails is refused with 归档未通过校验, naming the month and what broke, and nothing is appended to a broken chain.

The warehouse is given (`con`) where a publication needs the facts it was made from (the ingest batches) and for
the one-time import: a warehouse made before the records database kept its publications in tables `archive_*`;
the first use of the records database with such a warehouse copies them all (both kinds, every column and file)
and records the import, after which those tables are never read again (migrate_warehouse_archive).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading

import duckdb

from govdash.records import db as records_db
from govdash.records import publications as records
from govdash.records import seal
from warehouse.sql_files import archive_sql

ARCHIVE_PREFIX = "archive_"
log = logging.getLogger("govdash.records")
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


class ArchiveError(Exception):
    """The archive refused a request or found stored content altered; the message is for the user."""


REFUSED_ON_BROKEN_CHAIN = "在归档恢复之前不能发布新的记录（运行 govdash verify 查看详情）"


def check_sealed(kind: str, publication_id: str) -> None:
    """Before a publication (bulletin or assessment) is served: its seal and its link to the publication before it
    hold, else ArchiveError with 归档未通过校验, the month or period, the version and what broke."""
    try:
        seal.check_publication(kind, publication_id)
    except seal.ArchiveTampered as exc:
        raise ArchiveError(str(exc)) from exc


def check_chain() -> None:
    """Before anything is published: the whole chain holds (every seal, every link, the head), else ArchiveError
    naming the first broken link; no new link is added to a broken chain."""
    result = seal.verify()
    if not result["ok"]:
        raise ArchiveError(f"{result['first']}。{REFUSED_ON_BROKEN_CHAIN}")


def stored(write) -> None:
    """Run the one write of a publication: a broken chain found inside its transaction is an ArchiveError too."""
    try:
        write()
    except seal.ArchiveTampered as exc:
        raise ArchiveError(f"{exc}。{REFUSED_ON_BROKEN_CHAIN}") from exc


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _legacy(con: duckdb.DuckDBPyConnection, statement: str) -> list[dict]:
    cur = con.execute(archive_sql(statement))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def migrate_warehouse_archive(con: duckdb.DuckDBPyConnection) -> None:
    """Once per records database: copy the publications a warehouse of an earlier version holds in its archive_*
    tables (bulletins and assessments, every column and file) into the records database, and record the import.
    A warehouse without those tables has nothing to copy (and nothing is recorded, so an older warehouse put in
    its place later is still imported)."""
    key = records_db.records_url()
    if key in _migrated:
        return
    with _migrate_lock:
        if key in _migrated:
            return
        if records.imported() is not None:
            _migrated.add(key)
            return
        tables = {r["table_name"] for r in _legacy(con, "tables")}
        if not tables:
            return
        batches = {}
        for kind, (pubs, files) in {"bulletin": ("archive_publications", "archive_files"),
                                    "assessment": ("archive_assessments", "archive_assessment_files")}.items():
            if pubs not in tables:
                continue
            by_id: dict[str, list[dict]] = {}
            for f in _legacy(con, f"legacy_{files}") if files in tables else []:
                pid = f.pop("publication_id")
                by_id.setdefault(pid, []).append({**f, "content": bytes(f["content"])})
            batches[kind] = [(r, by_id.get(r["publication_id"], [])) for r in _legacy(con, f"legacy_{pubs}")]
        source = con.execute(archive_sql("warehouse_file")).fetchone()[0]
        copied = records.import_archive(str(source), batches)
        log.warning("publications imported from the warehouse's archive tables (%s) into the records database %s: "
                    "%d; those tables are no longer read", source, records_db.display_url(), copied)
        _migrated.add(key)


def ensure_archive(con: duckdb.DuckDBPyConnection) -> None:
    """Before a publication is read or written: the warehouse's old archive imported, once."""
    migrate_warehouse_archive(con)


def publications(con: duckdb.DuckDBPyConnection, month: str | None = None) -> list[dict]:
    """Every publication of the month (all months when None), oldest version first, without file contents."""
    ensure_archive(con)
    return records.publications("bulletin", month)


def latest(con: duckdb.DuckDBPyConnection, month: str) -> dict | None:
    """The publication in force for the month: its latest version (a correction supersedes), or None."""
    pubs = publications(con, month)
    return pubs[-1] if pubs else None


def bulletin_text(con: duckdb.DuckDBPyConnection, publication_id: str) -> str:
    ensure_archive(con)
    found = records.content("bulletin", publication_id)
    if found is None:
        raise ArchiveError(f"归档中没有发布记录 {publication_id}")
    text, digest = found
    if sha256(text.encode("utf-8")) != digest:
        raise ArchiveError(f"归档的通报数据与发布时的校验值不符（{publication_id}），请联系管理员")
    check_sealed("bulletin", publication_id)
    return text


def bulletin(con: duckdb.DuckDBPyConnection, publication_id: str) -> dict:
    return json.loads(bulletin_text(con, publication_id))


def file(con: duckdb.DuckDBPyConnection, publication_id: str, kind: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a stored file, checked against its SHA-256."""
    ensure_archive(con)
    found = records.file("bulletin", publication_id, kind)
    if found is None:
        raise ArchiveError(f"发布记录 {publication_id} 没有 {kind} 文件")
    name, mime, digest, content = found
    if sha256(content) != digest:
        raise ArchiveError(f"归档文件 {name} 与发布时的校验值不符，请联系管理员")
    check_sealed("bulletin", publication_id)
    return name, mime, content


def ingest_batches(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute(archive_sql("ingest_batches"))
    names = [d[0] for d in cur.description]
    return [{k: (v.strftime("%Y-%m-%d %H:%M:%S") if k == "started_at" and v is not None else v)
             for k, v in zip(names, row)} for row in cur.fetchall()]


def stored_files(files: list[dict]) -> list[dict]:
    """Files as the records keep them: kind, file_name, mime, their SHA-256 and size, content."""
    return [{"kind": f["kind"], "file_name": f["file_name"], "mime": f["mime"], "sha256": sha256(f["content"]),
             "size": len(f["content"]), "content": f["content"]} for f in files]


def insert(con: duckdb.DuckDBPyConnection, record: dict, files: list[dict]) -> None:
    """Store one publication and its files (the only write). `record` holds the columns of a bulletin
    publication (JSON columns as Python values); each file: kind, file_name, mime, content.
    Refused when the month already has that version (the table's unique key says so too)."""
    ensure_archive(con)
    if any(p["version"] == record["version"] for p in publications(con, record["month"])):
        raise ArchiveError(f"{record['month']} 的第 {record['version']} 版已经发布，不能覆盖")
    row = {**record, "bulletin_sha256": sha256(record["bulletin_json"].encode("utf-8"))}
    try:
        stored(lambda: records.insert("bulletin", row, stored_files(files)))
    except records.PublicationTaken as exc:    # another process published that version a moment ago
        raise ArchiveError(f"{record['month']} 的第 {record['version']} 版已经发布，不能覆盖") from exc


def issued_count(con: duckdb.DuckDBPyConnection, issuer: str, year: int | None) -> int:
    """How many documents `issuer` has published in `year` (every year when None): the running number's base. A
    publication stored before it named its issuer counts as the issuer's."""
    ensure_archive(con)
    count = 0
    for text, published_at in records.issued():
        named = (json.loads(text).get("publication") or {}).get("issuer")
        if (year is None or published_at.year == year) and (named or issuer) == issuer:
            count += 1
    return count
