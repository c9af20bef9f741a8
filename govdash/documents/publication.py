"""定稿发布: the committee publishes a month's bulletin; the warehouse archive keeps it unchanged.

Publishing computes the bulletin at the month's cut-off (by default the rule of settings [cutoff]),
renders its files through the one render path (govdash.documents.documents.render_bulletin) and stores, in
one write session, the bulletin JSON, every file with its SHA-256, the cut-off, the settings' digest and
the scoring version, the ingest batches included, who and when (warehouse/archive.py, insert-only).
A published month is then served from the archive. A month is published once; when a recomputation at the
same cut-off differs (a corrected re-export was ingested), the committee may publish a correction: a new
version that supersedes the previous one, both kept.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

from govdash.core.formatting import json_text
from govdash.core.periods import moment_label, month_label, parse_as_of
from govdash.core.principal import AccessDenied, Principal
from govdash.core.scoring import scoring_path
from govdash.core.scoring_versions import version_label
from govdash.core.settings import settings_path
from govdash.figures.bulletin import bulletin as compute_bulletin
from govdash.figures.bulletin import compared_with
from govdash.figures.corrections import changed_figures
from govdash.figures.cutoff import month_default_cutoff
from warehouse import archive
from warehouse.db import OUTDATED_BUILD, WarehouseError, built_by_this_version, write_session

# the files a publication stores, in this order; json and the Word and Excel files are required, any other
# kind the renderer refuses (ValueError) or cannot produce here is skipped with its reason recorded
FILE_KINDS = ("json", "docx", "xlsx", "pdf")
REQUIRED_KINDS = ("json", "docx", "xlsx")
MIME = {"json": "application/json",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf"}
STATUS_LABELS = {"published": "定稿发布", "correction": "更正"}
# the named steps of a publication, in order, as `publish_month` reports them to its `progress` callback
STEP_FIGURES, STEP_ARCHIVE = "计算数字", "写入归档"
KIND_STEPS = {"docx": "生成 Word", "xlsx": "生成 Excel", "pdf": "生成 PDF"}
PUBLISH_STEPS = (STEP_FIGURES, *(KIND_STEPS[k] for k in FILE_KINDS if k in KIND_STEPS), STEP_ARCHIVE)
NOT_ALLOWED = "只有基层治理委员会账号可以定稿发布月度通报"


class PublishError(ValueError):
    """A publication refused (already published, nothing to correct, provisional figures), in Chinese."""


def file_name(month: str, kind: str, version: int) -> str:
    return f"{month}-月度通报" + ("" if version == 1 else f"-更正第{version - 1}版") + f".{kind}"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _render(kind: str, b: dict, previous: dict | None) -> bytes:
    from govdash.documents.documents import render_bulletin

    return render_bulletin(kind, b, previous)


def publication_note(p: dict) -> str:
    """One Chinese line naming a publication: version, status, when, by whom, cut-off."""
    at = parse_as_of(p["published_at"])
    text = (f"{month_label(p['month'])}通报已于 {moment_label(at)} 由 {p['published_by']} 定稿发布"
            if p["status"] == "published" else
            f"{month_label(p['month'])}通报更正版（第 {p['version']} 版，替代第 {p['version'] - 1} 版）已于 "
            f"{moment_label(at)} 由 {p['published_by']} 发布")
    return text + f"，截止时点 {moment_label(parse_as_of(p['as_of']))}"


def publish_month(month: str, principal: Principal, as_of: str | dt.datetime | None = None, correction: bool = False,
                  reason: str = "", db_path: Path | None = None, now: dt.datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Publish the month's bulletin (or, `correction`, a correction of the publication in force) and return
    the stored record (without file contents). Refused: a principal other than the committee; a month
    already published (unless a correction); a correction with nothing changed; provisional figures.
    `progress` is called with each step's Chinese name (PUBLISH_STEPS) as it starts: publishing takes seconds."""
    step = progress or (lambda _name: None)
    if not principal.can_publish:
        raise AccessDenied(NOT_ALLOWED)
    parse_as_of(as_of) if as_of is not None else None  # a cut-off that does not parse fails before anything is written
    with write_session(db_path) as con:
        if not built_by_this_version(con):  # figures from another version's models must not be published
            raise WarehouseError(OUTDATED_BUILD)
        archive.ensure_archive(con)
        _archive_refusal(archive.check_chain)   # no new link on a broken chain: refused before anything is made
        current = archive.latest(con, month)
        if current is not None and not correction:
            raise PublishError(publication_note(current) + "，不能重复发布。如数据已更正，请核对更正内容后发布更正版。")
        if current is None and correction:
            raise PublishError(f"{month_label(month)}通报尚未定稿发布，没有可更正的版本")
        step(STEP_FIGURES)
        if correction:
            cutoff = parse_as_of(current["as_of"])  # a correction keeps the cut-off of the publication it corrects
        else:
            cutoff = parse_as_of(as_of) if as_of is not None else month_default_cutoff(con, month)
        # with what it is compared with as that stands now (the month before's totals, the trend), stored with it
        b = {**compute_bulletin(con, month, cutoff), **compared_with(con, month, cutoff)}
        if b["provisional"]:
            raise PublishError(f"截止时点 {moment_label(cutoff)} 早于{month_label(month)}的正式截止时点 "
                               f"{moment_label(parse_as_of(b['final_cutoff']))}，数字为初步数据，不能定稿发布")
        changes = None
        if correction:
            changes = changed_figures(archive.bulletin(con, current["publication_id"]), b)
            if not changes:
                raise PublishError("重新计算的数字与已发布版本完全相同，无需更正")
        version = 1 if current is None else current["version"] + 1
        published_at = (now or parse_as_of(None)).replace(microsecond=0)  # local China time, as every timestamp
        publication = {"status": "correction" if correction else "published",
                       "published_at": published_at.strftime("%Y-%m-%d %H:%M:%S"),
                       "published_by": principal.name, "version": version}
        if correction:
            publication["supersedes_version"] = current["version"]
        # 发文字号: the year of issue and the issuer's running number, frozen in the record
        from govdash.documents.documents import document_settings, format_number, running_number_year

        doc = document_settings()
        publication["issuer"] = doc["issuer"]
        count = archive.issued_count(con, doc["issuer"], running_number_year(doc, published_at))
        publication["document_number"] = format_number(doc, published_at, count + 1)
        b["publication"] = publication
        previous = b["comparison"]   # the Word and PDF files' 较上月, as stored in the bulletin
        text = json_text(b)
        files, skipped = [], {}
        for kind in FILE_KINDS:
            if kind in KIND_STEPS:
                step(KIND_STEPS[kind])
            try:
                content = text.encode("utf-8") if kind == "json" else _render(kind, b, previous)
            except Exception as exc:  # noqa: BLE001 — an optional kind the renderer cannot make here is skipped
                if kind in REQUIRED_KINDS:
                    raise
                skipped[kind] = _reason(kind, exc)
                continue
            files.append({"kind": kind, "file_name": file_name(month, kind, version), "mime": MIME[kind],
                          "content": content})
        record = {
            "publication_id": f"{month}-v{version}", "month": month, "version": version,
            "status": publication["status"], "supersedes": None if current is None else current["publication_id"],
            "published_at": published_at, "published_by": principal.name, "as_of": cutoff,
            "provisional": bool(b["provisional"]), "settings_sha256": _file_digest(settings_path()),
            "scoring_version": version_label(scoring_path().read_text(encoding="utf-8")),
            "ingest_runs": archive.ingest_batches(con), "bulletin_json": text, "skipped_kinds": skipped,
            "changes": changes, "reason": (reason or "").strip() or None,
        }
        step(STEP_ARCHIVE)
        _archive_refusal(lambda: archive.insert(con, record, files))
    out = {k: v for k, v in record.items() if k != "bulletin_json"}
    out["files"] = [{"kind": f["kind"], "file_name": f["file_name"], "size": len(f["content"]),
                     "sha256": archive.sha256(f["content"])} for f in files]
    return out


def _archive_refusal(fn) -> None:
    """Run an archive step; its refusal (the archive failed verification, a version taken) is a PublishError."""
    try:
        fn()
    except archive.ArchiveError as exc:
        raise PublishError(str(exc)) from exc


def _reason(kind: str, exc: BaseException) -> str:
    from warehouse.db import error_detail

    if isinstance(exc, ValueError):
        return f"本系统暂不能生成 {kind.upper()} 文件：{error_detail(exc)}"
    return f"生成 {kind.upper()} 文件失败：{error_detail(exc)}"
