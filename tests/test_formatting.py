"""One rate format (govdash/core/formatting.py), written as a scalar rule for documents and as polars
expressions for tables (no Python inside polars' thread pool): both must give the same text."""
from __future__ import annotations

import random

import polars as pl

from govdash.core.formatting import pct, pct_expr


def test_hand_worked_rates():
    # one decimal, halves rounded up as Excel's 0.0% does; the float noise of ×100 does not decide a half
    assert [pct(x) for x in (0.12345, 0.1225, 0.0115, 0.9995, 1.0, 0.0, None, float("nan"))] == [
        "12.3%", "12.3%", "1.2%", "100.0%", "100.0%", "0.0%", "—", "—"]


def test_the_expression_gives_the_scalar_rules_text():
    rng = random.Random(5)
    values = [i / 1000 for i in range(1001)] + [a / b for b in range(1, 120) for a in range(b + 1)]
    values += [rng.random() for _ in range(2000)] + [None, float("nan")]
    shown = pl.DataFrame({"x": values}, schema={"x": pl.Float64}).select(pct_expr("x").alias("s"))["s"].to_list()
    mismatches = [(v, s, pct(v)) for v, s in zip(values, shown) if s != pct(v)]
    assert mismatches == []
