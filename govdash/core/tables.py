"""Table specifications read from config/tables.toml (columns, types, header labels, keys)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

from govdash.core.paths import CONFIG_DIR

POLARS_TYPES = {
    "str": pl.Utf8,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
    "datetime": pl.Datetime("us"),
    "week": pl.Utf8,
}
DUCKDB_TYPES = {
    "str": "varchar",
    "int": "bigint",
    "float": "double",
    "bool": "boolean",
    "date": "date",
    "datetime": "timestamp",
    "week": "varchar",
}

TEXT_KINDS = ("name", "free")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    labels: tuple[str, ...]
    min: int | float | None = None   # the plausible range of a number column (tables.toml); outside it: quarantined
    max: int | float | None = None
    # "free": free text (notes, descriptions), which keeps its line breaks; "name": every other column, whose
    # text is a name, label, title, category or code (govdash.core.textsafe: the rule for each)
    text: str = "name"

    @property
    def free_text(self) -> bool:
        return self.text == "free"


@dataclass(frozen=True)
class TableSpec:
    name: str
    label: str
    order: int
    file_names: tuple[str, ...]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    parent: str | None = None
    header_map: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def map_header(self, header: str) -> str | None:
        return self.header_map.get(normalise_header(header))


def normalise_header(h: str) -> str:
    return h.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


@lru_cache(maxsize=1)
def table_specs() -> dict[str, TableSpec]:
    with open(CONFIG_DIR / "tables.toml", "rb") as fh:
        raw = tomllib.load(fh)["tables"]
    specs = {}
    for name, t in raw.items():
        cols = tuple(
            Column(c["name"], c["type"], bool(c.get("required", False)), tuple(c.get("labels", [])),
                   c.get("min"), c.get("max"), c.get("text", "name"))
            for c in t["columns"]
        )
        for c in cols:
            if c.text not in TEXT_KINDS:
                raise ValueError(f"config/tables.toml：{name}.{c.name} 的 text 应为 {' 或 '.join(TEXT_KINDS)}，不是“{c.text}”")
        hmap = {}
        for c in cols:
            for alias in (c.name, *c.labels):
                hmap[normalise_header(alias)] = c.name
        specs[name] = TableSpec(
            name=name,
            label=t["label"],
            order=t["order"],
            file_names=tuple(t.get("file_names", [name])),
            key=tuple(t["key"]),
            columns=cols,
            parent=t.get("parent"),
            header_map=hmap,
        )
    return dict(sorted(specs.items(), key=lambda kv: kv[1].order))
