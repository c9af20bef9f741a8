"""Data contracts: typing, one pandera schema per table made from config/tables.toml, and row rules.

`check_frame` returns the typed frame, a frame of failures (row index, column, value, reason) and the number
of cells whose text lost invisible or control characters (govdash.core.textsafe: names and free text each by
their rule, as config/tables.toml declares the column). Every check carries its Chinese reason as its own pandera
`error` (where the reason names the offending value, at `{value}`); the quarantine takes the reason from there.
The references to other tables and the rules across tables (config/tables.toml) run in SQL in pipelines/ingest.py.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from govdash.core import textsafe
from govdash.core.periods import plausible_window
from govdash.core.tables import POLARS_TYPES, Column, TableSpec, table_specs

TRUE_WORDS = ["true", "t", "1", "1.0", "yes", "y", "是", "真", "对", "√"]
FALSE_WORDS = ["false", "f", "0", "0.0", "no", "n", "否", "假", "错", "×"]
DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f"]
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
TYPE_WORDS = {"int": "整数", "float": "数值", "bool": "是/否", "date": "日期（YYYY-MM-DD）",
              "datetime": "时间（YYYY-MM-DD HH:MM[:SS]）"}

ESCALATION_VALUES = ["daily", "weekly", "city"]
RATING_VALUES = ["satisfied", "basic", "unsatisfied"]

# ---------------------------------------------------------------- the checks a column declares (config/tables.toml)

VALUE = "{value}"  # where a check's reason names the offending value
# the reason of pandera's own nullable check, which a required column (nullable=False) runs first
REQUIRED_REASON = "必填项为空"
NOT_NULLABLE = "not_nullable"


def column_checks(c: Column) -> list[pa.Check]:
    """The checks of a column's declaration, in the order a value meets them, each with its Chinese reason:
    allowed values, format, then the plausible range of a number (the bounds also keep every sum far inside a
    64-bit integer)."""
    checks = []
    if c.isin is not None:
        checks.append(pa.Check.isin(list(c.isin), error=f"取值“{VALUE}”不在允许范围（{', '.join(c.isin)}）"))
    if c.pattern is not None:
        checks.append(pa.Check.str_matches(c.pattern, error=f"“{VALUE}”格式不符合要求"))
    if c.min is not None:
        checks.append(pa.Check.ge(c.min, error=f"取值超出合理范围（不能小于 {c.min}）"))
    if c.max is not None:
        checks.append(pa.Check.le(c.max, error=f"取值超出合理范围（不能大于 {c.max:,}）"))
    return checks


@lru_cache(maxsize=None)
def table_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """The pandera schema of a table spec: its columns in order, typed, required ⇔ not nullable, with their checks."""
    return pa.DataFrameSchema(
        {c.name: pa.Column(POLARS_TYPES[c.type], checks=column_checks(c), nullable=not c.required)
         for c in spec.columns},
        name=spec.name)


@lru_cache(maxsize=1)
def table_schemas() -> dict[str, pa.DataFrameSchema]:
    """One pandera schema per table of config/tables.toml."""
    return {name: table_schema(spec) for name, spec in table_specs().items()}


# ---------------------------------------------------------------- row rules across columns
# (table, column blamed, rule that must hold, reason). Nulls in the rule count as "holds".

_iso_year = pl.col("week").str.slice(0, 4).cast(pl.Int32, strict=False)
_iso_week = pl.col("week").str.slice(6, 2).cast(pl.Int32, strict=False)

ROW_RULES: dict[str, list[tuple[str, pl.Expr, str]]] = {
    "bindings": [
        ("dept_id", ~((pl.col("role") == "department") & pl.col("dept_id").is_null()),
         "部门捆绑（role=department）必须填写部门编号"),
        ("leader_name", ~((pl.col("role") == "leader") & pl.col("leader_name").is_null()),
         "市领导联系（role=leader）必须填写市领导姓名"),
        ("valid_to", pl.col("valid_to") >= pl.col("valid_from"), "失效日期早于生效日期"),
    ],
    "whistle_event_log": [
        ("dept_id", ~(pl.col("action").is_in(["dispatched", "returned"]) & pl.col("dept_id").is_null()),
         "派单/退回记录必须填写部门编号"),
        ("value", ~((pl.col("action") == "escalated") & ~pl.col("value").is_in(ESCALATION_VALUES).fill_null(False)),
         "升级记录的值必须是 daily/weekly/city（日调度/周协调/市委市政府协调）"),
        ("value", ~((pl.col("action") == "rated") & ~pl.col("value").is_in(RATING_VALUES).fill_null(False)),
         "评价记录的值必须是 satisfied/basic/unsatisfied（满意/基本满意/不满意）"),
    ],
    "negative_reports": [
        ("week", (_iso_week >= 1) & (_iso_week <= pl.date(_iso_year, 12, 28).dt.week()),
         "不是有效的 ISO 周（该年没有这一周）"),
    ],
    "appeal_log": [
        ("exited_at", pl.col("exited_at") >= pl.col("entered_at"), "离开时间早于进入时间"),
    ],
    "tasks": [
        ("to_level", pl.col("to_level") < pl.col("from_level"), "下派事项的承接层级必须低于下派层级（5 区 → 1 居民）"),
        ("completed_at", pl.col("completed_at") >= pl.col("issued_at"), "完成时间早于下派时间"),
    ],
}


def _row_check(rule: pl.Expr, reason: str) -> pa.Check:
    """A row rule as a check of the column it blames, over the whole row (a null result holds)."""
    return pa.Check(lambda data: data.lazyframe.select(rule), error=reason)


@lru_cache(maxsize=None)
def row_rule_schema(table: str) -> pa.DataFrameSchema | None:
    """The row rules of a table as a pandera schema (None: it has none), run after the columns' own checks and
    the plausible window, so that a value breaking both keeps the column's reason."""
    rules = ROW_RULES.get(table)
    if not rules:
        return None
    checks: dict[str, list[pa.Check]] = {}
    for column, rule, reason in rules:
        checks.setdefault(column, []).append(_row_check(rule, reason))
    return pa.DataFrameSchema({c: pa.Column(checks=cs, nullable=True) for c, cs in checks.items()},
                              name=f"{table} row rules")


def _messages(schema: pa.DataFrameSchema) -> set[str]:
    return {check.error for column in schema.columns.values() for check in column.checks if check.error}


def schema_failures(schema: pa.DataFrameSchema, typed: pl.DataFrame) -> pl.DataFrame | None:
    """The rows of `typed` breaking `schema`'s checks, each with the reason its check carries (the value put in at
    `{value}`); None when all hold."""
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases.filter(pl.col("index").is_not_null())
        if fc.height:
            ours = _messages(schema)

            def reason(check: str | None, value: str | None) -> str:
                if check in ours:
                    return check.replace(VALUE, str(value))
                if check == NOT_NULLABLE:
                    return REQUIRED_REASON
                return f"不符合数据约定（{check}）：{value}"

            return pl.DataFrame({
                "row_index": fc["index"].cast(pl.Int64),
                "column_name": fc["column"],
                "value": fc["failure_case"].cast(pl.Utf8),
                "reason": [reason(ch, v) for ch, v in zip(fc["check"], fc["failure_case"])],
            }, schema=FAILURE_SCHEMA)
    return None

# ---------------------------------------------------------------- typing


def _clean_str(expr: pl.Expr) -> pl.Expr:
    s = expr.str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _as_text(s: pl.Series) -> pl.Series:
    """Any cell type as text: integral floats from Excel lose their '.0'."""
    if s.dtype == pl.Utf8:
        return s
    if s.dtype.is_float():
        integral = s.is_not_null() & (s == s.round(0))
        return pl.select(
            pl.when(integral).then(s.cast(pl.Int64, strict=False).cast(pl.Utf8)).otherwise(s.cast(pl.Utf8))
        ).to_series()
    if s.dtype == pl.Datetime or s.dtype == pl.Date:
        return s.dt.to_string("%Y-%m-%d %H:%M:%S" if s.dtype == pl.Datetime else "%Y-%m-%d")
    return s.cast(pl.Utf8)


def _parse_formats(text: pl.Series, formats: list, dtype) -> pl.Series:
    """Parse with the first format; only the values it leaves unparsed try the next ones
    (one pass over a column that is consistently formatted, as exports are)."""
    out = None
    for fmt_dtype, fmt in formats:
        todo = text if out is None else text.filter(out.is_null() & text.is_not_null())
        if out is not None and todo.len() == 0:
            break
        parsed = todo.str.strptime(fmt_dtype, fmt, strict=False).cast(dtype)
        if out is None:
            out = parsed
        else:
            mask = out.is_null() & text.is_not_null()
            out = out.scatter(mask.arg_true(), parsed)
    return out


def _typed(s: pl.Series, kind: str) -> pl.Series:
    name = s.name
    if kind == "datetime" and isinstance(s.dtype, pl.Datetime):
        return s.cast(pl.Datetime("us"))
    if kind == "date" and (s.dtype == pl.Date or isinstance(s.dtype, pl.Datetime)):
        return s.cast(pl.Date)
    if kind == "bool" and s.dtype == pl.Boolean:
        return s
    text = pl.select(_clean_str(pl.lit(_as_text(s)))).to_series()
    col = pl.lit(text)
    if kind in ("str", "week"):
        out = col
    elif kind == "int":
        out = pl.coalesce(col.cast(pl.Int64, strict=False),
                          pl.when(col.cast(pl.Float64, strict=False) == col.cast(pl.Float64, strict=False).round(0))
                          .then(col.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)))
    elif kind == "float":
        out = col.cast(pl.Float64, strict=False)
    elif kind == "bool":
        low = col.str.to_lowercase()
        out = pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS)).then(False).otherwise(None)
    elif kind == "date":
        return _parse_formats(text, [(pl.Date, f) for f in DATE_FORMATS]
                              + [(pl.Datetime("us"), f) for f in DATETIME_FORMATS[:2]], pl.Date).alias(name)
    elif kind == "datetime":
        return _parse_formats(text, [(pl.Datetime("us"), f) for f in DATETIME_FORMATS], pl.Datetime("us")).alias(name)
    else:
        raise ValueError(kind)
    return pl.select(out.alias(name)).to_series().cast(POLARS_TYPES[kind])


EMPTY_WHEN_CLEANED = "只有不可见字符或控制字符（清除后为空）"


def _clean_text(text: pl.Series, column: Column) -> pl.Series:
    """A text column without the invisible and control characters of its kind's rule (free text or name)."""
    rule = textsafe.free_text_expr if column.free_text else textsafe.name_expr
    return pl.select(rule(pl.lit(text)).alias(text.name)).to_series()


def _code_points(value: str) -> str:
    """A value of invisible characters, shown as its code points (U+200B U+0001)."""
    return " ".join(f"U+{ord(ch):04X}" for ch in value)


FAILURE_SCHEMA = {"row_index": pl.Int64, "column_name": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}

# ---------------------------------------------------------------- plausibility

def _failures(typed: pl.DataFrame, column: str, bad: pl.Series, reason: str) -> pl.DataFrame:
    idx = bad.fill_null(False).arg_true()
    values = typed.get_column(column).gather(idx)
    if values.dtype.is_temporal():
        values = values.dt.to_string("%Y-%m-%d %H:%M:%S" if isinstance(values.dtype, pl.Datetime) else "%Y-%m-%d")
    return pl.DataFrame({"row_index": idx.cast(pl.Int64), "column_name": column, "value": values.cast(pl.Utf8),
                         "reason": reason}, schema=FAILURE_SCHEMA)


def plausibility_failures(spec: TableSpec, typed: pl.DataFrame,
                          window: tuple[dt.datetime, dt.datetime]) -> list[pl.DataFrame]:
    """Dates and times no real record holds: a date or time outside the window (settings [plausibility], from the
    ingest's moment), a week or period whose year lies outside it. Failures with a Chinese reason each. (A number's
    range is a check of its column's schema.)"""
    first, last = window
    span = f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    out = []
    for c in spec.columns:
        col = typed.get_column(c.name)
        if c.type == "date":
            bad = (col < first.date()) | (col > last.date())
            if bad.any():
                out.append(_failures(typed, c.name, bad, f"日期超出合理范围（{span}）"))
        elif c.type == "datetime":
            bad = (col < first) | (col > last)
            if bad.any():
                out.append(_failures(typed, c.name, bad, f"时间超出合理范围（{span}）"))
        elif c.type == "week" or c.year_first:
            year = col.str.slice(0, 4).cast(pl.Int32, strict=False)
            bad = (year < first.year) | (year > last.year)
            if bad.any():
                out.append(_failures(typed, c.name, bad, f"年份超出合理范围（{first.year}–{last.year} 年）"))
    return out


def default_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The plausible window of an ingest at `now` (the current time when None), by settings [plausibility]."""
    from govdash.core.settings import load_settings

    return plausible_window(load_settings(), now)


def empty_failures() -> pl.DataFrame:
    return pl.DataFrame(schema=FAILURE_SCHEMA)


def check_frame(spec: TableSpec, frame: pl.DataFrame,
                window: tuple[dt.datetime, dt.datetime] | None = None) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Clean the frame's text, type it and check its contract; dates and times against the plausible `window`
    (the ingest's, by default the current one). Returns (typed frame, failures, the number of cells cleaned). A
    required value that was nothing but invisible or control characters is a failure."""
    failures = []
    typed_cols = []
    cleaned = 0
    for c in spec.columns:
        raw = frame.get_column(c.name)
        if raw.dtype == pl.Utf8:  # text cells (a workbook's numbers and dates carry no characters to clean)
            clean = _clean_text(raw, c)
            changed = (clean != raw).fill_null(False)
            cleaned += int(changed.sum())
            if c.required and changed.any():
                emptied = changed & pl.select(_clean_str(pl.lit(clean))).to_series().is_null()
                if emptied.any():
                    idx = emptied.arg_true()
                    failures.append(pl.DataFrame({"row_index": idx.cast(pl.Int64), "column_name": c.name,
                                                  "value": [_code_points(v) for v in raw.gather(idx).to_list()],
                                                  "reason": EMPTY_WHEN_CLEANED}))
            raw = clean
        typed = _typed(raw, c.type)
        typed_cols.append(typed)
        if c.type not in ("str", "week"):
            text = pl.select(_clean_str(pl.lit(_as_text(raw)))).to_series()
            bad = text.is_not_null() & typed.is_null()
            if bad.any():
                idx = bad.arg_true()
                failures.append(pl.DataFrame({
                    "row_index": idx.cast(pl.Int64),
                    "column_name": c.name,
                    "value": text.gather(idx),
                    "reason": f"无法解析为{TYPE_WORDS[c.type]}",
                }))
    typed_frame = pl.DataFrame(typed_cols)

    if (declared := schema_failures(table_schema(spec), typed_frame)) is not None:
        failures.append(declared)
    failures.extend(plausibility_failures(spec, typed_frame, window or default_window()))
    if (rules := row_rule_schema(spec.name)) is not None and (broken := schema_failures(rules,
                                                                                        typed_frame)) is not None:
        failures.append(broken)
    out = pl.concat(failures) if failures else empty_failures()
    # required value that failed to parse: keep the parse reason only
    out = out.unique(subset=["row_index", "column_name"], keep="first", maintain_order=True)
    return typed_frame, out, cleaned
