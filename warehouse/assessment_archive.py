"""The published quarterly and annual assessments (定稿) as the product reads and writes them: digests checked on
every read and the one write, over the records database (govdash.records.publications) like the bulletins
(warehouse/archive.py: insert-only, a correction is a new version, every read checked against the stored SHA-256,
a warehouse of an earlier version's archive_* tables imported once, every read checked against the archive's
seal chain)."""
from __future__ import annotations

import json

import duckdb

from govdash.records import publications as records
from warehouse.archive import ArchiveError, check_sealed, ensure_archive, sha256, stored, stored_files


def period_key(year: int, quarter: int | None) -> str:
    """"2024" for the year, "2024-Q4" for a quarter: the archive's name of a period."""
    return f"{year}" if quarter is None else f"{year}-Q{quarter}"


def publications(con: duckdb.DuckDBPyConnection, year: int | None = None, quarter: int | None = None) -> list[dict]:
    """Every publication of the period (of every period when `year` is None), oldest version first, without
    contents."""
    ensure_archive(con)
    return records.publications("assessment", None if year is None else period_key(year, quarter))


def latest(con: duckdb.DuckDBPyConnection, year: int, quarter: int | None) -> dict | None:
    """The publication in force for the period: its latest version (a correction supersedes), or None."""
    pubs = publications(con, year, quarter)
    return pubs[-1] if pubs else None


def assessment_text(con: duckdb.DuckDBPyConnection, publication_id: str) -> str:
    ensure_archive(con)
    found = records.content("assessment", publication_id)
    if found is None:
        raise ArchiveError(f"归档中没有考核发布记录 {publication_id}")
    text, digest = found
    if sha256(text.encode("utf-8")) != digest:
        raise ArchiveError(f"归档的考核数据与发布时的校验值不符（{publication_id}），请联系管理员")
    check_sealed("assessment", publication_id)
    return text


def assessment(con: duckdb.DuckDBPyConnection, publication_id: str) -> dict:
    return json.loads(assessment_text(con, publication_id))


def file(con: duckdb.DuckDBPyConnection, publication_id: str, kind: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a stored file, checked against its SHA-256."""
    ensure_archive(con)
    found = records.file("assessment", publication_id, kind)
    if found is None:
        raise ArchiveError(f"考核发布记录 {publication_id} 没有 {kind} 文件")
    name, mime, digest, content = found
    if sha256(content) != digest:
        raise ArchiveError(f"归档文件 {name} 与发布时的校验值不符，请联系管理员")
    check_sealed("assessment", publication_id)
    return name, mime, content


def insert(con: duckdb.DuckDBPyConnection, record: dict, files: list[dict]) -> None:
    """Store one published assessment and its files (the only write). `record` holds the columns of an assessment
    publication (JSON columns as Python values); each file: kind, file_name, mime, content.
    Refused when the period already has that version (the table's unique key says so too)."""
    ensure_archive(con)
    if any(p["version"] == record["version"] for p in publications(con, record["year"], record["quarter"])):
        raise ArchiveError(f"{record['period']} 考核的第 {record['version']} 版已经发布，不能覆盖")
    row = {**record, "assessment_sha256": sha256(record["assessment_json"].encode("utf-8"))}
    try:
        stored(lambda: records.insert("assessment", row, stored_files(files)))
    except records.PublicationTaken as exc:
        raise ArchiveError(f"{record['period']} 考核的第 {record['version']} 版已经发布，不能覆盖") from exc
