"""What pages show about their period: the cut-off's notice beside a page's title, and the month's key whistle
figures as numbers (the city's and a department's), drawn the same on every page that shows them. The period
state itself (month, quarter or year, cut-off; the sidebar's pickers) is govdash.web.period."""
from __future__ import annotations

import streamlit as st

from govdash.core.periods import moment_label, parse_as_of
from govdash.core.textsafe import md
from govdash.web import tables

# the month's figures every page that shows a month's whistles states as numbers, from the bulletin's one computation
KEY_FIGURES = (("handling_rate", "处置率"), ("closure_rate", "办结率"), ("on_time_closure_rate", "按期办结率"),
               ("open_overdue", "超期未办结"))


def cutoff_notice(result: dict) -> None:
    """Beside the title: the cut-off, 初步 while before the period's final cut-off, and the note when the
    cut-off is later than the last loaded data (a bulletin or an assessment result)."""
    as_of = parse_as_of(result["as_of"])
    status = "初步数据" if result.get("provisional") else "正式数据"
    st.markdown(f"**截止 {moment_label(as_of)}**　·　{status}")
    if result.get("provisional"):
        st.warning(f"初步数据：截止时点早于本期正式截止时点 {moment_label(parse_as_of(result['final_cutoff']))}，"
                   "数字在此之前仍可能变化。")
    if result.get("data_note"):
        st.warning(result["data_note"])  # the product's own sentence (a date and a time)


def key_figure_text(row: dict, key: str) -> str:
    """One key figure as the pages write it: a rate as a percentage (— when undefined), a count as a number."""
    return str(row[key]) if key == "open_overdue" else tables.fmt_rate(row[key])


def key_figures(who: str, row: dict) -> None:
    """The month's 处置率, 办结率, 按期办结率 and 超期未办结 of `who` (全市, or a department's name) as metrics
    labelled "<who><figure>" (a bulletin's city totals or one of its department rows)."""
    for col, (key, label) in zip(st.columns(len(KEY_FIGURES)), KEY_FIGURES):
        col.metric(f"{md(who)}{label}", key_figure_text(row, key))   # a department's name is data: escaped
