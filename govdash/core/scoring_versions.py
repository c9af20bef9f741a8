"""Scoring settings as versions, the text side: a saved version is the complete settings text with a `[version]`
table in front (author, time, reason, based on, the settings' digest); the live `config/scoring.toml` (or
$GOVDASH_SCORING), read by the ground floor, is replaced atomically by a copy of one of them. The versions and their
history are kept in the records database (govdash.records.scoring_versions); `versions_dir()` is where earlier
versions kept them as files (imported from there once).

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


def version_file_text(version_id: str, author: str, saved_at: str, reason: str, based_on: str, body: str) -> str:
    """A saved version's whole text: the [version] block (id, author, time, reason, the version it was based on,
    the settings' digest) in front of the settings `body`."""
    return "\n".join([
        "# Scoring settings of the department assessment (SPEC §7), one saved version (config/scoring_versions).",
        HEADER, f"id = {_toml_str(version_id)}", f"author = {_toml_str(author)}", f"saved_at = {_toml_str(saved_at)}",
        f"reason = {_toml_str(reason)}", f"based_on = {_toml_str(based_on)}",
        f"body_sha256 = {_toml_str(hashlib.sha256(body.encode('utf-8')).hexdigest())}", "", BODY_MARK, body])


def replace_live(text: str) -> None:
    """Make `text` the live settings file, atomically (a reader sees the old text or the new, never half)."""
    live = _scoring_path()
    fd, tmp = tempfile.mkstemp(prefix=".scoring-", suffix=".toml", dir=live.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, live)
