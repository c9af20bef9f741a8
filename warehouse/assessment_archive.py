"""The archive of published quarterly and annual assessments (定稿): reads and the one write, insert-only.

Tables `archive_assessments` and `archive_assessment_files` (warehouse/archive/assessments.sql) live in the
warehouse file beside the bulletins' archive and follow its rules (warehouse/archive.py): the build and the ingest
never touch an `archive_` table, nothing here updates or deletes a row (a correction is a new version), and every
read checks the SHA-256 stored with the content, so what is served is what was published.
"""
from __future__ import annotations

import json

import duckdb

from warehouse.archive import ArchiveError, sha256
from warehouse.sql_files import archive_sql


def period_key(year: int, quarter: int | None) -> str:
    """"2024" for the year, "2024-Q4" for a quarter: the archive's name of a period."""
    return f"{year}" if quarter is None else f"{year}-Q{quarter}"


def ensure_archive(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(archive_sql("assessment_schema"))


def has_archive(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(archive_sql("assessment_tables")).fetchall())


def publications(con: duckdb.DuckDBPyConnection, year: int | None = None, quarter: int | None = None) -> list[dict]:
    """Every publication of the period (of every period when `year` is None), oldest version first, without
    contents."""
    if not has_archive(con):
        return []
    cur = con.execute(archive_sql("assessments"), {"period": None if year is None else period_key(year, quarter)})
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        r = dict(zip(names, row))
        for key in ("ingest_runs", "changes"):
            r[key] = None if r[key] is None else json.loads(r[key])
        r["published_at"] = r["published_at"].strftime("%Y-%m-%d %H:%M:%S")
        r["as_of"] = r["as_of"].strftime("%Y-%m-%d %H:%M:%S")
        r["kinds"] = list(r["kinds"] or [])
        out.append(r)
    return out


def latest(con: duckdb.DuckDBPyConnection, year: int, quarter: int | None) -> dict | None:
    """The publication in force for the period: its latest version (a correction supersedes), or None."""
    pubs = publications(con, year, quarter)
    return pubs[-1] if pubs else None


def assessment_text(con: duckdb.DuckDBPyConnection, publication_id: str) -> str:
    rows = con.execute(archive_sql("assessment_json"), {"publication_id": publication_id}).fetchall()
    if not rows:
        raise ArchiveError(f"归档中没有考核发布记录 {publication_id}")
    text, digest = rows[0]
    if sha256(text.encode("utf-8")) != digest:
        raise ArchiveError(f"归档的考核数据与发布时的校验值不符（{publication_id}），请联系管理员")
    return text


def assessment(con: duckdb.DuckDBPyConnection, publication_id: str) -> dict:
    return json.loads(assessment_text(con, publication_id))


def file(con: duckdb.DuckDBPyConnection, publication_id: str, kind: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a stored file, checked against its SHA-256."""
    rows = con.execute(archive_sql("assessment_file"), {"publication_id": publication_id, "kind": kind}).fetchall()
    if not rows:
        raise ArchiveError(f"考核发布记录 {publication_id} 没有 {kind} 文件")
    name, mime, digest, content = rows[0]
    content = bytes(content)
    if sha256(content) != digest:
        raise ArchiveError(f"归档文件 {name} 与发布时的校验值不符，请联系管理员")
    return name, mime, content


def insert(con: duckdb.DuckDBPyConnection, record: dict, files: list[dict]) -> None:
    """Store one published assessment and its files (the only write). `record` holds the columns of
    archive_assessments (JSON columns as Python values); each file: kind, file_name, mime, content.
    Refused when the period already has that version (the table's unique key says so too)."""
    ensure_archive(con)
    if any(p["version"] == record["version"] for p in publications(con, record["year"], record["quarter"])):
        raise ArchiveError(f"{record['period']} 考核的第 {record['version']} 版已经发布，不能覆盖")
    row = dict(record)
    for key in ("ingest_runs", "changes"):
        row[key] = None if row.get(key) is None else json.dumps(row[key], ensure_ascii=False)
    row["assessment_sha256"] = sha256(row["assessment_json"].encode("utf-8"))
    con.execute(archive_sql("insert_assessment"), row)
    for f in files:
        con.execute(archive_sql("insert_assessment_file"), {
            "publication_id": record["publication_id"], "kind": f["kind"], "file_name": f["file_name"],
            "mime": f["mime"], "sha256": sha256(f["content"]), "size": len(f["content"]), "content": f["content"]})
