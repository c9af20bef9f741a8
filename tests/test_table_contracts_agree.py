"""config/tables.toml and the pandera models (pipelines/contracts.py) describe the same tables:
the same tables, the same columns in the same order, the same types, and required ⇔ not nullable."""
from __future__ import annotations

import polars as pl

from govdash.core.tables import POLARS_TYPES, table_specs
from pipelines.contracts import MODELS


def disagreements(specs, models) -> list[str]:
    out = []
    for name in sorted(set(specs) | set(models)):
        if name not in models:
            out.append(f"{name}: 在 tables.toml 中，但没有 pandera 模型")
            continue
        if name not in specs:
            out.append(f"{name}: 有 pandera 模型，但不在 tables.toml 中")
            continue
        spec, schema = specs[name], models[name].to_schema()
        if list(schema.columns) != spec.column_names:
            out.append(f"{name}: 列不一致 {spec.column_names} ≠ {list(schema.columns)}")
            continue
        for column in spec.columns:
            model_column = schema.columns[column.name]
            if model_column.dtype.type != POLARS_TYPES[column.type]:
                out.append(f"{name}.{column.name}: 类型 {column.type} ≠ {model_column.dtype}")
            if model_column.nullable == column.required:
                out.append(f"{name}.{column.name}: 必填 {column.required}，模型可空 {model_column.nullable}")
    return out


def test_tables_toml_and_the_models_agree():
    assert disagreements(table_specs(), MODELS) == []


def test_a_disagreement_is_found():
    import dataclasses

    specs = dict(table_specs())
    visits = specs["visits"]
    flipped = tuple(dataclasses.replace(c, required=not c.required) if c.name == "topics" else c for c in visits.columns)
    specs["visits"] = dataclasses.replace(visits, columns=flipped)
    specs["extra"] = visits
    found = disagreements(specs, MODELS)
    assert any("visits.topics" in f for f in found) and any(f.startswith("extra:") for f in found)
    assert POLARS_TYPES["date"] == pl.Date
