"""How numbers are shown: one rule each, for the screen, the CLI and the files.

Rates are shown with one decimal, halves rounded up (as Excel's 0.0% does), and "—" for null (SPEC §3).
The rule is written once as integer arithmetic on tenths of a percent, for a scalar (`pct`) and for a
whole polars column (`pct_expr`), so no Python function ever runs inside polars' thread pool: a Python
UDF there (map_elements) needs the GIL on a pool thread while another Streamlit script thread holds the
GIL and waits for the same pool — the dashboard froze with 5–10 users when it did.
"""
from __future__ import annotations

import math

import polars as pl

EMPTY = "—"


def rate_tenths(x: float) -> int:
    """A rate as whole tenths of a percent, halves up: 0.12345 → 123 (12.3 %), 0.12250 → 123."""
    # round twice: first away the float noise of ×100 and ×10 (1.15 % is 1.1499999… as a float), then half up
    return math.floor(round(round(x * 100, 10) * 10, 6) + 0.5)


def pct(x) -> str:
    """A rate as shown everywhere: "12.3%"; "—" for null."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return EMPTY
    tenths = rate_tenths(x)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"


def rate_tenths_expr(column: str | pl.Expr) -> pl.Expr:
    """`rate_tenths` for a whole column (null, and NaN, stay null): the rate in whole tenths of a percent."""
    col = pl.col(column) if isinstance(column, str) else column
    value = col.cast(pl.Float64)
    tenths = ((value * 100).round(10) * 10).round(6).add(0.5).floor().cast(pl.Int64)
    return pl.when(value.is_null() | value.is_nan()).then(pl.lit(None, pl.Int64)).otherwise(tenths)


def pct_expr(column: str | pl.Expr) -> pl.Expr:
    """`pct` for a whole column, in polars expressions only (no Python per row)."""
    col = pl.col(column) if isinstance(column, str) else column
    value = col.cast(pl.Float64)
    tenths = rate_tenths_expr(value)
    magnitude = tenths.abs()
    text = pl.concat_str([
        pl.when(tenths < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (magnitude // 10).cast(pl.Utf8), pl.lit("."), (magnitude % 10).cast(pl.Utf8), pl.lit("%"),
    ])
    return pl.when(value.is_null() | value.is_nan()).then(pl.lit(EMPTY)).otherwise(text)


def json_text(data) -> str:
    """A report as the JSON every output writes (CLI, the bulletin's JSON file, the archive): Chinese as it is,
    indented by two, its strings without the characters no output carries (govdash.core.textsafe.output_tree)."""
    import json

    from govdash.core.textsafe import output_tree

    return json.dumps(output_tree(data), ensure_ascii=False, indent=2)


def entered_decimals(x: float) -> int:
    """How many decimals a share has in percent as it was entered: 0.95 → 0 (95%), 0.875 → 1 (87.5%)."""
    from decimal import Decimal

    exponent = Decimal(repr(float(x))).scaleb(2).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def pct_entered(x) -> str:
    """A share a person entered (a target, a threshold) in percent with the precision entered: 0.95 → "95%",
    0.875 → "87.5%" (a computed rate is `pct`: one decimal); "—" for null."""
    if x is None:
        return EMPTY
    return f"{float(x) * 100:.{entered_decimals(x)}f}%"


def entered_percent_format(x: float) -> str:
    """The Excel number format that shows a share as `pct_entered` does: "0%", "0.0%"…"""
    decimals = entered_decimals(x)
    return "0" + ("." + "0" * decimals if decimals else "") + "%"
