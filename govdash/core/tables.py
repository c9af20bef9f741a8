"""Table specifications read from config/tables.toml, the one declaration of the input tables: columns, types,
required values, allowed values, formats and ranges, keys, parents, references to other tables, the cross-table
rules that govern each, and the header labels. The ingest makes its checks from them (pipelines.contracts,
pipelines.ingest)."""
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
    isin: tuple[str, ...] | None = None   # the values allowed
    pattern: str | None = None            # the regular expression the whole text must match
    year_first: bool = False              # a period whose first four characters are its year ("2024", "2024-10")

    @property
    def free_text(self) -> bool:
        return self.text == "free"


@dataclass(frozen=True)
class Reference:
    """A value of `column` must be a value of `to_column` in table `to_table` (of its rows whose `where` column holds
    the `where` value, when given); a row breaking it is quarantined with `reason` and the value."""
    column: str
    to_table: str
    to_column: str
    reason: str
    where: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    label: str
    order: int
    file_names: tuple[str, ...]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    parent: str | None = None
    references: tuple[Reference, ...] = ()
    cross_rules: tuple[str, ...] = ()   # statements warehouse/ingest/<name>.sql over the file's typed rows
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
    """The table specs of config/tables.toml, in load order."""
    with open(CONFIG_DIR / "tables.toml", "rb") as fh:
        return specs_from_toml(tomllib.load(fh))


def specs_from_toml(document: dict) -> dict[str, TableSpec]:
    """The table specs of a parsed tables.toml, in load order; a reference to a table or column that is not declared
    is refused (ValueError, in Chinese)."""
    raw = document["tables"]
    specs = {}
    for name, t in raw.items():
        cols = tuple(
            Column(c["name"], c["type"], bool(c.get("required", False)), tuple(c.get("labels", [])),
                   c.get("min"), c.get("max"), c.get("text", "name"),
                   tuple(c["isin"]) if "isin" in c else None, c.get("pattern"), bool(c.get("year_first", False)))
            for c in t["columns"]
        )
        for c in cols:
            if c.text not in TEXT_KINDS:
                raise ValueError(f"config/tables.toml：{name}.{c.name} 的 text 应为 "
                                 f"{' 或 '.join(TEXT_KINDS)}，不是“{c.text}”")
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
            references=tuple(_reference(name, r) for r in t.get("references", [])),
            cross_rules=tuple(t.get("cross_rules", [])),
            header_map=hmap,
        )
    for spec in specs.values():
        for ref in spec.references:
            _check_reference(specs, spec, ref)
    return dict(sorted(specs.items(), key=lambda kv: kv[1].order))


def _reference(table: str, r: dict) -> Reference:
    where = r.get("where")
    if where is not None and len(where) != 1:
        raise ValueError(f"config/tables.toml：{table} 引用 {r.get('to_table')} 的 where 只能有一列，"
                         f"不是 {len(where)} 列")
    return Reference(r["column"], r["to_table"], r["to_column"], r["reason"],
                     next(iter(where.items())) if where else None)


def _check_reference(specs: dict[str, TableSpec], spec: TableSpec, ref: Reference) -> None:
    """A reference names a column of its table and an existing table and column (where's column too)."""
    target = specs.get(ref.to_table)
    missing = ([] if ref.column in spec.column_names else [f"{spec.name}.{ref.column}"]) + (
        [ref.to_table] if target is None else
        [f"{ref.to_table}.{c}" for c in (ref.to_column, *(ref.where[:1] if ref.where else ()))
         if c not in target.column_names])
    if missing:
        raise ValueError(f"config/tables.toml：{spec.name} 的引用指向不存在的表或列：{'、'.join(missing)}")
