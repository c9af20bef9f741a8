"""Scoring settings as versions: every save of the 年度考核 page's what-if is a new version with
its author, time and reason; earlier versions can be viewed and applied again.

Where: files beside the live settings, `config/scoring_versions/vNNNN.toml` (each the complete settings
text with a `[version]` table in front) and `config/scoring_versions/history.jsonl` (one line per save or
apply). Files rather than warehouse rows because the settings are configuration read by the ground floor
(`load_scoring`, which cannot read the warehouse), they must outlive a deleted or rebuilt warehouse, they are
plain text an office can review, diff and keep in version control, and `govdash report assessment --settings
config/scoring_versions/v0002.toml` scores with any of them. A version file is created with exclusive
create and never rewritten; the live `config/scoring.toml` is replaced atomically by a copy of one of them.

A version's label is its id when the text after the `[version]` table is the one it recorded
(`body_sha256`); settings nobody saved as a version (the shipped file, a hand edit) are labelled by
their digest, so a score always names exactly the settings that produced it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

from govdash.core.paths import CONFIG_DIR

HEADER = "[version]"
UNSAVED_PREFIX = "未登记版本 "   # the label of settings nobody saved as a version: this and the digest's first 8 digits
BODY_MARK = "# ---- settings ----"


def scoring_path() -> Path:
    """The live scoring settings (config/scoring.toml, or $GOVDASH_SCORING)."""
    return Path(os.environ.get("GOVDASH_SCORING", CONFIG_DIR / "scoring.toml"))


_scoring_path = scoring_path


def _local_now() -> dt.datetime:
    from govdash.core.periods import parse_as_of

    return parse_as_of(None)  # local China time, as every timestamp of the product


def versions_dir() -> Path:
    return Path(os.environ.get("GOVDASH_SCORING_VERSIONS", _scoring_path().parent / "scoring_versions"))


def body_of(text: str) -> str:
    """The settings proper: the text after the version block (the whole text when there is none)."""
    return text.split(BODY_MARK + "\n", 1)[1] if BODY_MARK + "\n" in text else text


def digest(text: str) -> str:
    return hashlib.sha256(body_of(text).encode("utf-8")).hexdigest()


def version_meta(text: str) -> dict | None:
    """The [version] table of a settings text, or None."""
    if BODY_MARK + "\n" not in text:
        return None
    try:
        meta = tomllib.loads(text.split(BODY_MARK + "\n", 1)[0]).get("version")
    except tomllib.TOMLDecodeError:
        return None
    return meta if isinstance(meta, dict) else None


def version_label(text: str) -> str:
    """"v0003" for a saved version whose settings are unchanged; otherwise the settings' digest."""
    meta = version_meta(text)
    if meta and meta.get("body_sha256") == digest(text):
        return str(meta.get("id"))
    return f"{UNSAVED_PREFIX}{digest(text)[:8]}"


def is_saved_version(label: str) -> bool:
    """Whether a version label names a saved version (vNNNN), not settings nobody saved."""
    return bool(re.fullmatch(r"v\d{4}", str(label or "")))


def _toml_str(s: str) -> str:
    return json.dumps(str(s), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def list_versions() -> list[dict]:
    """Every saved version, oldest first: id, author, saved_at, reason, based_on, path."""
    out = []
    folder = versions_dir()
    for path in sorted(folder.glob("v[0-9][0-9][0-9][0-9].toml")) if folder.exists() else []:
        text = path.read_text(encoding="utf-8")
        meta = version_meta(text) or {}
        out.append({"id": path.stem, "author": meta.get("author", ""), "saved_at": meta.get("saved_at", ""),
                    "reason": meta.get("reason", ""), "based_on": meta.get("based_on", ""),
                    "intact": meta.get("body_sha256") == digest(text), "path": str(path)})
    return out


def version_text(version_id: str) -> str:
    if not re.fullmatch(r"v\d{4}", version_id):
        raise ValueError(f"无效的版本号“{version_id}”")
    path = versions_dir() / f"{version_id}.toml"
    if not path.exists():
        raise ValueError(f"没有评分设置版本 {version_id}")
    return path.read_text(encoding="utf-8")


def _history(entry: dict) -> None:
    folder = versions_dir()
    with open(folder / "history.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def history() -> list[dict]:
    path = versions_dir() / "history.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _replace_live(text: str) -> None:
    live = _scoring_path()
    fd, tmp = tempfile.mkstemp(prefix=".scoring-", suffix=".toml", dir=live.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, live)


def save_version(body: str, author: str, reason: str, now: dt.datetime | None = None) -> str:
    """Record `body` (settings text, checked by the caller: govdash.core.scoring.save_scoring_version) as a new
    version by `author` for `reason`, make it the live settings, and return its id. A version file is never
    overwritten (exclusive create)."""
    reason, author = (reason or "").strip(), (author or "").strip()
    if not reason:
        raise ValueError("请填写保存原因")
    if not author:
        raise ValueError("保存评分设置需要登录账号")
    folder = versions_dir()
    folder.mkdir(parents=True, exist_ok=True)
    saved_at = (now or _local_now()).strftime("%Y-%m-%d %H:%M:%S")
    based_on = version_label(_scoring_path().read_text(encoding="utf-8")) if _scoring_path().exists() else ""
    number = len(list(folder.glob("v[0-9][0-9][0-9][0-9].toml"))) + 1
    while True:
        vid = f"v{number:04d}"
        text = "\n".join([
            "# Scoring settings of the department assessment (SPEC §7), one saved version (config/scoring_versions).",
            HEADER, f"id = {_toml_str(vid)}", f"author = {_toml_str(author)}", f"saved_at = {_toml_str(saved_at)}",
            f"reason = {_toml_str(reason)}", f"based_on = {_toml_str(based_on)}",
            f"body_sha256 = {_toml_str(hashlib.sha256(body.encode('utf-8')).hexdigest())}", "", BODY_MARK, body])
        try:
            with open(folder / f"{vid}.toml", "x", encoding="utf-8") as fh:
                fh.write(text)
            break
        except FileExistsError:  # another save took the number
            number += 1
    _replace_live(text)
    _history({"action": "save", "version": vid, "author": author, "at": saved_at, "reason": reason,
              "based_on": based_on})
    return vid


def apply_version(version_id: str, author: str, reason: str = "", now: dt.datetime | None = None) -> str:
    """Make an earlier version the live settings again (its label stays its own id); recorded in the history.
    The caller checks the settings first (govdash.core.scoring.apply_scoring_version)."""
    if not (author or "").strip():
        raise ValueError("应用评分设置版本需要登录账号")
    text = version_text(version_id)
    if version_label(text) != version_id:
        raise ValueError(f"版本文件 {version_id}.toml 的内容与记录的校验值不符，不能应用")
    _replace_live(text)
    at = (now or _local_now()).strftime("%Y-%m-%d %H:%M:%S")
    _history({"action": "apply", "version": version_id, "author": author.strip(), "at": at,
              "reason": (reason or "").strip()})
    return version_id
