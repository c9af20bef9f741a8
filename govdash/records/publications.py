"""Publications (定稿发布) in the records database: the published monthly bulletins and quarterly/annual assessments,
their stored files and digests. The one module that reads and writes them (warehouse.archive and
warehouse.assessment_archive check digests and speak to users over it); insert-only: nothing here updates or
deletes a row, a correction is a new version. So deleting the warehouse, `govdash build --full` or a new ingest
cannot touch what was published.

`KINDS["bulletin"]`, `KINDS["assessment"]`: each a publications table and a files table, the column naming the
period ("month" / "period"), the published JSON's column and its digest's, and the columns holding JSON."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import sqlalchemy as sa

from govdash.records import db, seal
from govdash.records.schema import (
    assessment_files,
    assessment_publications,
    bulletin_files,
    bulletin_publications,
    record_imports,
)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Kind:
    table: sa.Table
    files: sa.Table
    period: str              # the column naming the period
    content: str             # the published JSON's column
    digest: str              # its SHA-256's column
    json_columns: tuple[str, ...]


KINDS = {
    "bulletin": Kind(bulletin_publications, bulletin_files, "month", "bulletin_json", "bulletin_sha256",
                     ("ingest_runs", "skipped_kinds", "changes")),
    "assessment": Kind(assessment_publications, assessment_files, "period", "assessment_json", "assessment_sha256",
                       ("ingest_runs", "changes")),
}


class PublicationTaken(Exception):
    """That period already has that version (the table's unique key said so)."""


_guarded = db.guarded("the publications", conflict=lambda exc: PublicationTaken(str(exc)))


@_guarded
def publications(kind: str, period: str | None = None, *, url: str | None = None) -> list[dict]:
    """Every publication of the period (of every period when None), by period and version, without contents or
    their links in the seal chain: the JSON columns as Python values, the times as text (YYYY-MM-DD HH:MM:SS),
    `kinds` the stored files' kinds."""
    k = KINDS[kind]
    columns = [c for c in k.table.columns if c.name != k.content and c.name not in seal.SEAL_COLUMNS]
    query = sa.select(*columns).order_by(k.table.c[k.period], k.table.c.version)
    if period is not None:
        query = query.where(k.table.c[k.period] == period)
    with db.engine(url).connect() as con:
        rows = [dict(r) for r in con.execute(query).mappings()]
        stored: dict[str, list[str]] = {}
        files = sa.select(k.files.c.publication_id, k.files.c.kind).order_by(k.files.c.kind)
        if period is not None:
            files = files.where(k.files.c.publication_id.in_([r["publication_id"] for r in rows]))
        for pid, file_kind in con.execute(files):
            stored.setdefault(pid, []).append(file_kind)
    for r in rows:
        for key in k.json_columns:
            r[key] = None if r[key] is None else json.loads(r[key])
        r["published_at"] = r["published_at"].strftime(TIME_FORMAT)
        r["as_of"] = r["as_of"].strftime(TIME_FORMAT)
        r["kinds"] = stored.get(r["publication_id"], [])
    return rows


@_guarded
def content(kind: str, publication_id: str, *, url: str | None = None) -> tuple[str, str] | None:
    """(published JSON, its stored SHA-256), or None."""
    k = KINDS[kind]
    with db.engine(url).connect() as con:
        row = con.execute(sa.select(k.table.c[k.content], k.table.c[k.digest])
                          .where(k.table.c.publication_id == publication_id)).first()
    return None if row is None else (row[0], row[1])


@_guarded
def file(kind: str, publication_id: str, file_kind: str, *, url: str | None = None) -> tuple | None:
    """(file name, MIME type, stored SHA-256, bytes) of a stored file, or None."""
    f = KINDS[kind].files
    with db.engine(url).connect() as con:
        row = con.execute(sa.select(f.c.file_name, f.c.mime, f.c.sha256, f.c.content)
                          .where((f.c.publication_id == publication_id) & (f.c.kind == file_kind))).first()
    return None if row is None else (row[0], row[1], row[2], bytes(row[3]))


def _values(k: Kind, record: dict) -> dict:
    row = {c.name: record.get(c.name) for c in k.table.columns}
    for key in k.json_columns:
        value = row[key]
        row[key] = None if value is None else value if isinstance(value, str) else json.dumps(value,
                                                                                              ensure_ascii=False)
    return row


@_guarded
def insert(kind: str, record: dict, files: list[dict], *, url: str | None = None) -> None:
    """Store one publication and its files in one transaction (the only write), sealed as the chain's next link
    (govdash.records.seal: refused with seal.ArchiveTampered, nothing written, when the chain is broken). `record`:
    every column of the publications table but the seal's (JSON columns as Python values or as their text, the
    digest included); each file: kind, file_name, mime, sha256, size, content. PublicationTaken when the period has
    that version already."""
    k = KINDS[kind]
    with seal.appending(url) as chain:
        chain.con.execute(sa.insert(k.table).values(**_values(k, record)))
        for f in files:
            chain.con.execute(sa.insert(k.files).values(publication_id=record["publication_id"], **f))
        chain.seal(kind, record["publication_id"])


@_guarded
def issued(*, url: str | None = None) -> list[tuple[str, object]]:
    """(bulletin JSON, published_at) of every bulletin publication: what the issuer's running number counts."""
    t = bulletin_publications
    with db.engine(url).connect() as con:
        return [(r[0], r[1]) for r in con.execute(sa.select(t.c.bulletin_json, t.c.published_at))]


IMPORT_NAME = "archive_warehouse"


@_guarded
def imported(*, url: str | None = None) -> dict | None:
    """The warehouse archive's import as recorded (source, imported_at, rows), or None."""
    with db.engine(url).connect() as con:
        row = con.execute(sa.select(record_imports).where(record_imports.c.name == IMPORT_NAME)).mappings().first()
    return None if row is None else dict(row)


@_guarded
def import_archive(source: str, batches: dict[str, list[tuple[dict, list[dict]]]], *, url: str | None = None) -> int:
    """The one-time import of a warehouse's archive_* tables: every publication (record, files) of each kind the
    records do not hold yet, sealed as the chain's next links in order of publication, and the import recorded, in
    one transaction. Returns how many were copied."""
    copied = []
    with seal.appending(url) as chain:
        con = chain.con
        if con.execute(sa.select(record_imports.c.name).where(record_imports.c.name == IMPORT_NAME)).first():
            return 0
        for kind, items in batches.items():
            k = KINDS[kind]
            present = set(con.execute(sa.select(k.table.c.publication_id)).scalars())
            for record, files in items:
                if record["publication_id"] in present:
                    continue
                con.execute(sa.insert(k.table).values(**_values(k, record)))
                for f in files:
                    con.execute(sa.insert(k.files).values(publication_id=record["publication_id"], **f))
                copied.append((str(record["published_at"]), kind, record["version"], record["publication_id"]))
        for _at, kind, _version, publication_id in sorted(copied):
            chain.seal(kind, publication_id)
        con.execute(sa.insert(record_imports).values(name=IMPORT_NAME, source=source, imported_at=time.time(),
                                                     rows=len(copied)))
    return len(copied)
