"""Published quarterly and annual assessments (定稿) as figures (declared in the catalogue): what the archive holds
for a period, the assessment exactly as published (cut like any assessment), its stored files (the committee's and
the assessment office's), and the scores a recomputation changes (the 更正 notice and a correction's record)."""
from __future__ import annotations

from govdash.core.formatting import EMPTY
from warehouse import assessment_archive

# what anyone who may open the assessment may know of a publication
PUBLIC_FIELDS = ("publication_id", "period", "year", "quarter", "version", "status", "supersedes", "published_at",
                 "published_by", "as_of", "scoring_version", "kinds", "reason")
# the figures of a department a correction compares, in the order the notice lists them
SCORE_FIGURES = (("score", "得分"), ("grade", "等次"), ("rank", "排名"))


def assessment_publications(con, year: int, quarter: int | None) -> list[dict]:
    """The period's publications, oldest version first (the last one is in force); no scores in them."""
    return [{k: p[k] for k in PUBLIC_FIELDS} for p in assessment_archive.publications(con, year, quarter)]


def published_assessment(con, publication_id: str) -> dict:
    """The assessment exactly as published (checked against its stored SHA-256)."""
    return assessment_archive.assessment(con, publication_id)


def published_assessment_file(con, publication_id: str, kind: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of a stored file, byte for byte as published."""
    return assessment_archive.file(con, publication_id, kind)


def _shown(field: str, value) -> str:
    if value is None:
        return EMPTY
    if field == "score":
        return f"{value:.2f}"
    if field == "rank":
        return f"第 {value} 名"
    return str(value)


def changed_scores(published: dict, live: dict) -> list[dict]:
    """Every department whose score, grade or rank differs between a published assessment and a recomputation:
    one row per changed figure (department, 得分 / 等次 / 排名, as published → as recomputed), in the published
    ranking's order; a department present in one of them only is one row (列入 / 无)."""
    before = {d["dept_id"]: d for d in published.get("departments") or []}
    after = {d["dept_id"]: d for d in live.get("departments") or []}
    out = []
    for dept_id in list(before) + [k for k in after if k not in before]:
        old, new = before.get(dept_id), after.get(dept_id)
        name = (old or new)["dept_name"]
        if old is None or new is None:
            out.append({"dept_id": dept_id, "dept_name": name, "figure": "（整行）",
                        "old": "列入" if old else "无", "new": "列入" if new else "无"})
            continue
        for field, label in SCORE_FIGURES:
            if old.get(field) != new.get(field):
                out.append({"dept_id": dept_id, "dept_name": name, "figure": label,
                            "old": _shown(field, old.get(field)), "new": _shown(field, new.get(field))})
    return out
