"""The Chinese names of weeks, months, statuses and settings (govdash.core.periods, govdash.core.labels),
hand-worked."""
import datetime as dt

import polars as pl

from govdash.core.labels import RATING_LABELS, STATUS_LABELS, label_expr, settings_source_label, yes_no_expr
from govdash.core.periods import month_label, month_label_expr, week_range_label, week_range_label_expr


def test_an_iso_week_is_named_by_its_number_and_its_monday_to_sunday():
    assert week_range_label("2024-W49") == "第49周（12.2–12.8）"
    assert week_range_label("2024-W01") == "第1周（1.1–1.7）"       # 2024-01-01 is a Monday
    assert week_range_label("2025-W01") == "第1周（12.30–1.5）"     # ISO week 1 of 2025 starts in December 2024
    assert week_range_label("2020-W53") == "第53周（12.28–1.3）"
    assert week_range_label("not a week") == "not a week"


def test_the_week_expression_equals_the_scalar_rule_for_every_week_of_seven_years():
    ids = [f"{y}-W{w:02d}" for y in range(2020, 2027) for w in range(1, dt.date(y, 12, 28).isocalendar()[1] + 1)]
    shown = pl.DataFrame({"w": ids}).select(week_range_label_expr("w"))["w"].to_list()
    assert shown == [week_range_label(w) for w in ids]
    assert pl.DataFrame({"w": [None, "x"]},
                        schema={"w": pl.Utf8}).select(week_range_label_expr("w"))["w"].to_list() == [None, "x"]


def test_months_are_named_2024年1月_on_every_axis():
    months = ["2024-01", "2024-10", "2023-12"]
    assert pl.DataFrame({"m": months}).select(month_label_expr("m"))["m"].to_list() == ["2024年1月", "2024年10月",
                                                                                        "2023年12月"]
    assert [month_label(m) for m in months] == ["2024年1月", "2024年10月", "2023年12月"]


def test_codes_become_chinese_labels_and_unknown_values_stay():
    frame = pl.DataFrame({"s": ["open_overdue", "returned", "other", None],
                          "r": ["basic", "satisfied", None, "unsatisfied"], "b": [True, False, None, True]})
    out = frame.select(label_expr("s", STATUS_LABELS), label_expr("r", RATING_LABELS), yes_no_expr("b"))
    assert out.rows() == [("超期未办结", "基本满意", "是"), ("已退回", "满意", "否"), ("other", None, None),
                          (None, "不满意", "是")]


def test_a_settings_file_is_described_not_named():
    assert settings_source_label("/srv/govdash/config/scoring.toml") == "考核评分设置"
    assert settings_source_label("模拟设置") == "模拟设置"
    assert settings_source_label("x/other.toml") == "系统设置"
