"""Scoring settings as versions, kept in the records database: every save of the 年度考核 page's what-if (or
`govdash scoring save`) is a new version with its author, time and reason, never rewritten; an earlier version can
be viewed and applied again; saves and applies are one history. The live settings stay the file
config/scoring.toml (or $GOVDASH_SCORING) that the ground floor reads: a save or an apply replaces it atomically
with the version's text, so a score names the version (govdash.core.scoring_versions.version_label).

The version files of earlier versions (config/scoring_versions/vNNNN.toml and history.jsonl) are imported once,
each text byte for byte, on the first use of the records database; then they are not read again."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import time

import sqlalchemy as sa

from govdash.core import scoring_versions as settings_text
from govdash.core.scoring import parse_scoring
from govdash.records import db
from govdash.records.schema import record_imports, scoring_history, scoring_versions

IMPORT_NAME = "scoring_versions"
_imported: set[str] = set()
_lock = threading.Lock()


_records_errors = db.guarded("the scoring versions")


def _import_files(con) -> None:
    """The version files and history of earlier versions, once (inside the caller's transaction)."""
    if con.execute(sa.select(record_imports.c.name).where(record_imports.c.name == IMPORT_NAME)).first():
        return
    folder = settings_text.versions_dir()
    if not folder.exists():      # nothing to import (and nothing recorded: a folder put in place later still is)
        return
    rows = 0
    for path in sorted(folder.glob("v[0-9][0-9][0-9][0-9].toml")) if folder.exists() else []:
        text = path.read_text(encoding="utf-8")
        meta = settings_text.version_meta(text) or {}
        con.execute(sa.insert(scoring_versions).values(
            version_id=path.stem, author=str(meta.get("author", "")), saved_at=str(meta.get("saved_at", "")),
            reason=str(meta.get("reason", "")), based_on=str(meta.get("based_on", "")),
            body_sha256=str(meta.get("body_sha256", "")), text=text))
        rows += 1
    history = folder / "history.jsonl"
    if history.exists():
        for line in history.read_text(encoding="utf-8").splitlines():
            if line.strip():
                h = json.loads(line)
                con.execute(sa.insert(scoring_history).values(
                    action=h["action"], version_id=h["version"], author=h.get("author", ""), at=h.get("at", ""),
                    reason=h.get("reason", ""), based_on=h.get("based_on")))
    con.execute(sa.insert(record_imports).values(name=IMPORT_NAME, source=str(folder), imported_at=time.time(),
                                                 rows=rows))


def _engine() -> sa.Engine:
    key = db.records_url()
    if key not in _imported:
        with _lock:
            if key not in _imported:
                try:
                    with db.engine(key).begin() as con:
                        _import_files(con)
                except sa.exc.IntegrityError:   # another process imported them at the same moment
                    pass
                _imported.add(key)
    return db.engine(key)


@_records_errors
def list_versions() -> list[dict]:
    """Every saved version, oldest first: id, author, saved_at, reason, based_on, intact (its text still has the
    digest it recorded)."""
    with _engine().connect() as con:
        rows = con.execute(sa.select(scoring_versions).order_by(scoring_versions.c.version_id)).mappings().all()
    return [{"id": r["version_id"], "author": r["author"], "saved_at": r["saved_at"], "reason": r["reason"],
             "based_on": r["based_on"], "intact": r["body_sha256"] == settings_text.digest(r["text"])} for r in rows]


@_records_errors
def version_text(version_id: str) -> str:
    if not re.fullmatch(r"v\d{4}", version_id):
        raise ValueError(f"无效的版本号“{version_id}”")
    with _engine().connect() as con:
        text = con.execute(sa.select(scoring_versions.c.text)
                           .where(scoring_versions.c.version_id == version_id)).scalar()
    if text is None:
        raise ValueError(f"没有评分设置版本 {version_id}")
    return text


@_records_errors
def history() -> list[dict]:
    """Saves and applies in order: action, version, author, at, reason (and a save's based_on)."""
    with _engine().connect() as con:
        rows = con.execute(sa.select(scoring_history).order_by(scoring_history.c.seq)).mappings().all()
    return [{"action": r["action"], "version": r["version_id"], "author": r["author"], "at": r["at"],
             "reason": r["reason"], **({} if r["based_on"] is None else {"based_on": r["based_on"]})} for r in rows]


def _now(now: dt.datetime | None) -> str:
    from govdash.core.periods import parse_as_of

    return (now or parse_as_of(None)).strftime("%Y-%m-%d %H:%M:%S")   # local China time, as every timestamp


@_records_errors
def save_version(body: str, author: str, reason: str, now: dt.datetime | None = None) -> str:
    """Record `body` (settings text, checked by the caller) as a new version by `author` for `reason`, make it the
    live settings, and return its id. A version is never overwritten (its id is the table's key: two saves at
    once get two numbers)."""
    reason, author = (reason or "").strip(), (author or "").strip()
    if not reason:
        raise ValueError("请填写保存原因")
    if not author:
        raise ValueError("保存评分设置需要登录账号")
    saved_at = _now(now)
    live = settings_text.scoring_path()
    based_on = settings_text.version_label(live.read_text(encoding="utf-8")) if live.exists() else ""
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    for _ in range(100):
        try:
            with _engine().begin() as con:
                count = con.execute(sa.select(sa.func.count()).select_from(scoring_versions)).scalar_one()
                vid = f"v{count + 1:04d}"
                text = settings_text.version_file_text(vid, author, saved_at, reason, based_on, body)
                con.execute(sa.insert(scoring_versions).values(version_id=vid, author=author, saved_at=saved_at,
                                                               reason=reason, based_on=based_on, body_sha256=digest,
                                                               text=text))
                con.execute(sa.insert(scoring_history).values(action="save", version_id=vid, author=author,
                                                              at=saved_at, reason=reason, based_on=based_on))
            break
        except sa.exc.IntegrityError:   # another save took the number
            continue
    settings_text.replace_live(text)
    return vid


@_records_errors
def apply_version(version_id: str, author: str, reason: str = "", now: dt.datetime | None = None) -> str:
    """Make an earlier version the live settings again (its label stays its own id); recorded in the history."""
    if not (author or "").strip():
        raise ValueError("应用评分设置版本需要登录账号")
    text = version_text(version_id)
    if settings_text.version_label(text) != version_id:
        raise ValueError(f"版本 {version_id} 的内容与记录的校验值不符，不能应用")
    settings_text.replace_live(text)
    with _engine().begin() as con:
        con.execute(sa.insert(scoring_history).values(action="apply", version_id=version_id, author=author.strip(),
                                                      at=_now(now), reason=(reason or "").strip(), based_on=None))
    return version_id


def save_scoring_version(text: str, author: str, reason: str) -> str:
    """Check settings text and save it as a new version (author, time, reason), now the live settings."""
    parse_scoring(text, "新版本")
    return save_version(text, author, reason)


def apply_scoring_version(version_id: str, author: str, reason: str = "") -> str:
    """Check an earlier version and make it the live settings again."""
    parse_scoring(version_text(version_id), f"{version_id}.toml")
    return apply_version(version_id, author, reason)
