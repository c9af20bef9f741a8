"""Resource limits of an ingest: the [limits] section of config/settings.toml, read through
govdash.core.settings.load_settings and validated here (a wrong value is one Chinese message)."""
from __future__ import annotations

from dataclasses import dataclass, fields

from govdash.core.settings import load_settings


class LimitsError(ValueError):
    """A [limits] setting that is unknown or not a positive number; the message is for the user."""


@dataclass(frozen=True)
class Limits:
    max_upload_mb: int = 200                      # one file uploaded on the data page
    max_xlsx_uncompressed_mb: int = 300           # an .xlsx's parts, as its zip directory declares them
    max_xlsx_compression_ratio: float = 100       # an .xlsx's uncompressed / compressed size
    max_rows_per_file: int = 50_000_000           # data rows of one CSV file or one sheet
    max_quarantine_rows_per_column: int = 1000    # quarantine detail kept per (file, column); counts stay exact
    max_quarantine_download_rows: int = 100_000   # rows of the data page's quarantine CSV


def load_limits() -> Limits:
    settings = load_settings()
    raw = dict(settings.get("limits", {}))
    unknown = sorted(set(raw) - {f.name for f in fields(Limits)})
    if unknown:
        raise LimitsError(f"设置 [limits] 中有未知的项：{'、'.join(unknown)}")
    if "max_upload_mb" not in raw and "max_upload_mb" in settings.get("ingest", {}):
        raw["max_upload_mb"] = settings["ingest"]["max_upload_mb"]  # where it lived before [limits]
    for f in fields(Limits):
        value = raw.get(f.name, 1)
        numeric = (int, float) if f.type == "float" else int
        if isinstance(value, bool) or not isinstance(value, numeric) or value <= 0:
            word = "正数" if f.type == "float" else "正整数"
            raise LimitsError(f"设置 [limits] {f.name} 的值“{value}”无效，应为{word}")
    return Limits(**raw)
