"""The archive of published bulletins (定稿发布): reads and the one write, insert-only.

Tables `archive_publications` and `archive_files` (warehouse/archive/schema.sql) live in the warehouse
file. The build creates or replaces only its models' tables and the ingest only raw and bookkeeping rows,
and every write session copies the whole file and swaps it in, so the archive survives every ingest and
rebuild. Nothing here updates or deletes a row: a correction is a new version. Every read checks the
SHA-256 stored with the content, so a file served from the archive is the file that was published.
"""
from __future__ import annotations

import hashlib
import json

import duckdb

from warehouse.sql_files import archive_sql

ARCHIVE_PREFIX = "archive_"


class ArchiveError(Exception):
    """The archive refused a request or found stored content altered; the message is for the user."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ensure_archive(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(archive_sql("schema"))


def has_archive(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(archive_sql("tables")).fetchall())


def publications(con: duckdb.DuckDBPyConnection, month: str | None = None) -> list[dict]:
    """Every publication of the month (all months when None), oldest version first, without file contents."""
    if not has_archive(con):
        return []
    cur = con.execute(archive_sql("publications"), {"month": month})
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        r = dict(zip(names, row))
        for key in ("ingest_runs", "skipped_kinds", "changes"):
            r[key] = None if r[key] is None else json.loads(r[key])
        r["published_at"] = r["published_at"].strftime("%Y-%m-%d %H:%M:%S")
        r["as_of"] = r["as_of"].strftime("%Y-%m-%d %H:%M:%S")
        r["kinds"] = list(r["kinds"] or [])
        out.append(r)
    return out


def latest(con: duckdb.DuckDBPyConnection, month: str) -> dict | None:
    """The publication in force for the month: its latest version (a correction supersedes), or None."""
    pubs = publications(con, month)
    return pubs[-1] if pubs else None


def bulletin_text(con: duckdb.DuckDBPyConnection, publication_id: str) -> str:
    rows = con.execute(archive_sql("bulletin"), {"publication_id": publication_id}).fetchall()
    if not rows:
        raise ArchiveError(f"归档中没有发布记录 {publication_id}")
    text, digest = rows[0]
    if sha256(text.encode("utf-8")) != digest:
        raise ArchiveError(f"归档的通报数据与发布时的校验值不符（{publication_id}），请联系管理员")
    return text


def bulletin(con: duckdb.DuckDBPyConnection, publication_id: str) -> dict:
    return json.loads(bulletin_text(con, publication_id))


def file(con: duckdb.DuckDBPyConnection, publication_id: str, kind: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a stored file, checked against its SHA-256."""
    rows = con.execute(archive_sql("file"), {"publication_id": publication_id, "kind": kind}).fetchall()
    if not rows:
        raise ArchiveError(f"发布记录 {publication_id} 没有 {kind} 文件")
    name, mime, digest, content = rows[0]
    content = bytes(content)
    if sha256(content) != digest:
        raise ArchiveError(f"归档文件 {name} 与发布时的校验值不符，请联系管理员")
    return name, mime, content


def ingest_batches(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute(archive_sql("ingest_batches"))
    names = [d[0] for d in cur.description]
    return [{k: (v.strftime("%Y-%m-%d %H:%M:%S") if k == "started_at" and v is not None else v)
             for k, v in zip(names, row)} for row in cur.fetchall()]


def insert(con: duckdb.DuckDBPyConnection, record: dict, files: list[dict]) -> None:
    """Store one publication and its files (the only write). `record` holds the columns of
    archive_publications (JSON columns as Python values); each file: kind, file_name, mime, content.
    Refused when the month already has that version (the table's unique key says so too)."""
    ensure_archive(con)
    taken = [p for p in publications(con, record["month"]) if p["version"] == record["version"]]
    if taken:
        raise ArchiveError(f"{record['month']} 的第 {record['version']} 版已经发布，不能覆盖")
    row = dict(record)
    for key in ("ingest_runs", "skipped_kinds", "changes"):
        row[key] = None if row.get(key) is None else json.dumps(row[key], ensure_ascii=False)
    row["bulletin_sha256"] = sha256(row["bulletin_json"].encode("utf-8"))
    con.execute(archive_sql("insert_publication"), row)
    for f in files:
        con.execute(archive_sql("insert_file"), {"publication_id": record["publication_id"], "kind": f["kind"],
                                          "file_name": f["file_name"], "mime": f["mime"],
                                                 "sha256": sha256(f["content"]),
                                          "size": len(f["content"]), "content": f["content"]})


def issued_count(con: duckdb.DuckDBPyConnection, issuer: str, year: int | None) -> int:
    """How many documents `issuer` has published in `year` (every year when None): the running number's base."""
    if not has_archive(con):
        return 0
    return int(con.execute(archive_sql("issued_count"), {"issuer": issuer, "year": year}).fetchone()[0])
