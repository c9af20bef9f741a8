"""Published bulletins as figures (declared in the catalogue): what the archive holds for a month, the
bulletin exactly as published (cut like any bulletin), and its stored files (the committee's and the
assessment office's: the circulated documents are the whole city's)."""
from __future__ import annotations

from warehouse import archive

# what anyone who may open the bulletin may know of a publication
PUBLIC_FIELDS = ("publication_id", "month", "version", "status", "supersedes", "published_at", "published_by", "as_of",
                 "provisional", "scoring_version", "kinds", "skipped_kinds")


def publications(con, month: str) -> list[dict]:
    """The month's publications, oldest version first (the last one is in force); no figures in them."""
    return [{k: p[k] for k in PUBLIC_FIELDS} for p in archive.publications(con, month)]


def publication_record(con, publication_id: str) -> dict:
    """The whole record of a publication: settings digest, scoring version, ingest batches, a correction's changes."""
    month = publication_id.rsplit("-v", 1)[0]
    found = [p for p in archive.publications(con, month) if p["publication_id"] == publication_id]
    if not found:
        raise archive.ArchiveError(f"归档中没有发布记录 {publication_id}")
    return found[0]


def published_bulletin(con, publication_id: str) -> dict:
    """The bulletin exactly as published (checked against its stored SHA-256)."""
    return archive.bulletin(con, publication_id)


def published_file(con, publication_id: str, kind: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a stored file, byte for byte as published."""
    return archive.file(con, publication_id, kind)


def circulated_published_bulletin(con, publication_id: str) -> dict:
    """The published bulletin as it is circulated to every department: the whole city's, exactly as published."""
    return archive.bulletin(con, publication_id)
