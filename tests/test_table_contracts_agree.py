"""config/tables.toml and the pandera schemas the ingest checks with (pipelines/contracts.py, made from it) describe
the same tables: the same tables, the same columns in the same order, the same types, and required ⇔ not nullable."""
from __future__ import annotations

import polars as pl

from govdash.core.tables import POLARS_TYPES, table_specs
from pipelines.contracts import table_schemas


def disagreements(specs, models) -> list[str]:
    out = []
    for name in sorted(set(specs) | set(models)):
        if name not in models:
            out.append(f"{name}: 在 tables.toml 中，但没有 pandera 模型")
            continue
        if name not in specs:
            out.append(f"{name}: 有 pandera 模型，但不在 tables.toml 中")
            continue
        spec, schema = specs[name], models[name]
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
    assert disagreements(table_specs(), table_schemas()) == []


def test_a_disagreement_is_found():
    import dataclasses

    specs = dict(table_specs())
    visits = specs["visits"]
    flipped = tuple(dataclasses.replace(c, required=not c.required) if c.name == "topics" else c
                    for c in visits.columns)
    specs["visits"] = dataclasses.replace(visits, columns=flipped)
    specs["extra"] = visits
    found = disagreements(specs, table_schemas())
    assert any("visits.topics" in f for f in found) and any(f.startswith("extra:") for f in found)
    assert POLARS_TYPES["date"] == pl.Date


def test_every_check_carries_its_chinese_reason():
    """The checks made from tables.toml and the row rules each carry the reason the quarantine shows (pandera's
    `error`), in Chinese; none is left to be read out of a check's name."""
    from pipelines.contracts import ROW_RULES, row_rule_schema

    schemas = list(table_schemas().values()) + [row_rule_schema(t) for t in ROW_RULES]
    checks = [check for schema in schemas for column in schema.columns.values() for check in column.checks]
    assert len(checks) >= 25
    assert all(check.error and any("\u4e00" <= ch <= "\u9fff" for ch in check.error) for check in checks), [
        check for check in checks if not check.error]


def test_a_declaration_changes_the_check_and_its_reason():
    """What a column declares is what the ingest checks: other allowed values or another bound in the spec give
    other failures, with reasons naming them."""
    import dataclasses

    from pipelines.contracts import check_frame

    spec = table_specs()["visits"]
    columns = tuple(dataclasses.replace(c, max=50) if c.name == "participants" else
                    dataclasses.replace(c, isin=("局长", "处长")) if c.name == "team_leader_rank" else c
                    for c in spec.columns)
    changed = dataclasses.replace(spec, columns=columns)
    rows = {"visit_id": ["V1", "V2"], "visit_date": ["2024-10-08"] * 2, "dept_id": ["D1"] * 2, "jpc_id": ["J1"] * 2,
            "team_leader_rank": ["科长", "局长"], "participants": ["51", "999"]}
    frame = pl.DataFrame({c: rows.get(c, [None, None]) for c in spec.column_names},
                         schema={c: pl.Utf8 for c in spec.column_names})
    as_declared = check_frame(spec, frame)[1]
    assert as_declared.height == 0
    failures = {(r["row_index"], r["column_name"]): r["reason"] for r in check_frame(changed,
                                                                                     frame)[1].iter_rows(named=True)}
    assert failures == {(0, "team_leader_rank"): "取值“科长”不在允许范围（局长, 处长）",
                        (0, "participants"): "取值超出合理范围（不能大于 50）",
                        (1, "participants"): "取值超出合理范围（不能大于 50）"}


def test_references_and_cross_rules_name_what_exists():
    """Every reference in tables.toml names a column of its table and an existing table and column, every cross-table
    rule an existing statement; a reference to an undeclared table or column is refused with the names."""
    import tomllib

    import pytest

    from govdash.core.paths import CONFIG_DIR
    from govdash.core.tables import specs_from_toml
    from warehouse.sql_files import INGEST_SQL_DIR

    specs = table_specs()
    assert sum(len(s.references) for s in specs.values()) == 15
    assert specs["negative_reports"].references[1].where == ("list_id", "integrity_clause")
    for spec in specs.values():
        for rule in spec.cross_rules:
            assert (INGEST_SQL_DIR / f"{rule}.sql").is_file(), rule
    document = tomllib.loads((CONFIG_DIR / "tables.toml").read_text(encoding="utf-8"))
    document["tables"]["visits"]["references"][0].update(to_table="departments", to_column="dept_code")
    document["tables"]["tasks"]["references"][1].update(column="village_id")
    with pytest.raises(ValueError, match="departments.dept_code"):
        specs_from_toml(document)
    del document["tables"]["visits"]["references"]
    with pytest.raises(ValueError, match="tasks.village_id"):
        specs_from_toml(document)
