"""Loads config/settings.toml; every figure states the settings it used."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from govdash.core.paths import CONFIG_DIR


def settings_path() -> Path:
    return Path(os.environ.get("GOVDASH_SETTINGS", CONFIG_DIR / "settings.toml"))


@lru_cache(maxsize=4)
def _load(path: str, _mtime: float) -> dict:
    # the file's modification time is part of the cache key only: a changed file is read again
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_settings() -> dict:
    path = settings_path()
    return _load(str(path), path.stat().st_mtime)
