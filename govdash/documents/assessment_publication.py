"""定稿: the assessment office publishes a quarterly or annual assessment; the warehouse archive keeps it unchanged.

The pattern of the bulletin's publication (govdash.documents.publication): publishing scores the period at its
default cut-off (the end of the 5th working day after it, settings [cutoff]; `assessment_final_cutoff`) with the
live scoring version, renders the workbook through the one render path (render_assessment), and stores, in one
write session, the assessment JSON and the workbook with their SHA-256, the cut-off, the scoring version, the
settings' digest, the ingest batches included, who (the account's real name) and when
(warehouse/assessment_archive.py, insert-only). A published period is then served from the archive: a new
scoring version, new data or a changed setting never changes it. When a recomputation at the same cut-off
differs, the assessment office may publish a correction: a new version that supersedes the previous one, with
a reason, both kept.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from govdash.core.formatting import json_text
from govdash.core.labels import scoring_version_label
from govdash.core.periods import moment_label, parse_as_of
from govdash.core.principal import AccessDenied, Principal
from govdash.core.settings import settings_path
from govdash.figures.assessment import assessment as compute_assessment
from govdash.figures.assessment import period_bounds
from govdash.figures.cutoff import period_default_cutoff
from govdash.figures.published_assessments import changed_scores
from warehouse import archive, assessment_archive
from warehouse.db import OUTDATED_BUILD, WarehouseError, built_by_this_version, write_session

# the files a published assessment stores, in this order, all required
FILE_KINDS = ("json", "xlsx")
MIME = {"json": "application/json", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
NOT_ALLOWED = "只有考绩办账号可以定稿发布季度和年度考核"


class AssessmentPublishError(ValueError):
    """A publication refused (already published, nothing to correct, provisional scores), in Chinese."""


def file_name(period: str, kind: str, version: int) -> str:
    """"2024年第4季度考核.xlsx"; a correction "2024年第4季度考核-更正第1版.xlsx"."""
    return f"{period}考核" + ("" if version == 1 else f"-更正第{version - 1}版") + f".{kind}"


def publication_note(p: dict) -> str:
    """One Chinese line naming a publication: the period, version, status, when, by whom, cut-off, scoring version."""
    period = period_bounds(p["year"], p["quarter"])["label"]
    at = moment_label(parse_as_of(p["published_at"]))
    text = (f"{period}考核已于 {at} 由 {p['published_by']} 定稿发布" if p["status"] == "published" else
            f"{period}考核更正版（第 {p['version']} 版，替代第 {p['version'] - 1} 版）已于 {at} "
            f"由 {p['published_by']} 发布")
    return (text + f"，截止时点 {moment_label(parse_as_of(p['as_of']))}，"
            f"评分设置版本 {scoring_version_label(p['scoring_version'])}")


def _archive_refusal(fn) -> None:
    """Run an archive step; its refusal (the archive failed verification, a version taken) is an
    AssessmentPublishError."""
    try:
        fn()
    except archive.ArchiveError as exc:
        raise AssessmentPublishError(str(exc)) from exc


def _render_xlsx(a: dict) -> bytes:
    from govdash.documents.documents import render_assessment

    return render_assessment(a)


def publish_assessment(year: int, quarter: int | None, principal: Principal, correction: bool = False,
                       reason: str = "", db_path: Path | None = None, now: dt.datetime | None = None) -> dict:
    """Publish the period's assessment (or, `correction`, a correction of the publication in force) and return the
    stored record (without contents). Refused: a principal other than the assessment office; a period already
    published (unless a correction); a correction without a reason or with nothing changed; provisional scores."""
    if not principal.can_publish_assessment:
        raise AccessDenied(NOT_ALLOWED)
    p = period_bounds(year, quarter)   # a quarter outside 1–4 fails before anything is written
    reason = (reason or "").strip()
    if correction and not reason:
        raise AssessmentPublishError("请填写更正原因")
    with write_session(db_path) as con:
        if not built_by_this_version(con):  # scores from another version's models must not be published
            raise WarehouseError(OUTDATED_BUILD)
        assessment_archive.ensure_archive(con)
        _archive_refusal(archive.check_chain)   # no new link on a broken chain: refused before anything is made
        current = assessment_archive.latest(con, year, quarter)
        if current is not None and not correction:
            raise AssessmentPublishError(publication_note(current)
                                         + "，不能重复发布。如重新计算的得分不同，请核对后发布更正版。")
        if current is None and correction:
            raise AssessmentPublishError(f"{p['label']}考核尚未定稿发布，没有可更正的版本")
        # a correction keeps the cut-off of the publication it corrects; a first publication takes the period's default
        cutoff = parse_as_of(current["as_of"]) if correction else period_default_cutoff(con, p["date_to"])
        a = compute_assessment(con, year, quarter, cutoff)
        if a["provisional"]:
            raise AssessmentPublishError(f"{p['label']}的正式截止时点 {moment_label(parse_as_of(a['final_cutoff']))} "
                                         "尚未到达，得分为初步数据，不能定稿发布")
        changes = None
        if correction:
            changes = changed_scores(assessment_archive.assessment(con, current["publication_id"]), a)
            if not changes:
                raise AssessmentPublishError("重新计算的得分与已发布版本完全相同，无需更正")
        version = 1 if current is None else current["version"] + 1
        published_at = (now or parse_as_of(None)).replace(microsecond=0)  # local China time, as every timestamp
        a["publication"] = {"status": "correction" if correction else "published",
                            "published_at": published_at.strftime("%Y-%m-%d %H:%M:%S"),
                            "published_by": principal.name, "version": version}
        if correction:
            a["publication"]["supersedes_version"] = current["version"]
            a["publication"]["reason"] = reason
        text = json_text(a)
        contents = {"json": text.encode("utf-8"), "xlsx": _render_xlsx(a)}
        files = [{"kind": kind, "file_name": file_name(a["period"], kind, version), "mime": MIME[kind],
                  "content": contents[kind]} for kind in FILE_KINDS]
        key = assessment_archive.period_key(year, quarter)
        record = {
            "publication_id": f"{key}-v{version}", "period": key, "year": year, "quarter": quarter,
            "version": version, "status": a["publication"]["status"],
            "supersedes": None if current is None else current["publication_id"],
            "published_at": published_at, "published_by": principal.name, "as_of": cutoff,
            "scoring_version": a["settings"]["version"],
            "settings_sha256": hashlib.sha256(settings_path().read_bytes()).hexdigest(),
            "ingest_runs": archive.ingest_batches(con), "assessment_json": text, "changes": changes,
            "reason": reason or None,
        }
        _archive_refusal(lambda: assessment_archive.insert(con, record, files))
    out = {k: v for k, v in record.items() if k != "assessment_json"}
    out["files"] = [{"kind": f["kind"], "file_name": f["file_name"], "size": len(f["content"]),
                     "sha256": archive.sha256(f["content"])} for f in files]
    return out
