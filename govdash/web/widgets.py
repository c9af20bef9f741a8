"""The period the pages show: the month picker and the report cut-off in the sidebar, each period's default
cut-off, and the cut-off's notice beside a page's title."""
from __future__ import annotations

import datetime as dt

import duckdb
import streamlit as st

from govdash.core.periods import moment_label, month_label, parse_as_of
from govdash.figures.cutoff import cutoff_rule, default_cutoff
from govdash.web import data, registry
from warehouse.db import WarehouseError

# the pages whose figures depend on the report cut-off: the sidebar shows its picker under the month
CUTOFF_PAGES = {page.url for page in registry.PAGES if page.cutoff}


def sidebar_period(url_path: str | None = None) -> None:
    """The shared period picker at the top of the sidebar (reachable without scrolling on a laptop or a phone): the
    month, and for a page in CUTOFF_PAGES the cut-off under it. Pages read st.session_state['month'] and
    `cutoff_picker()`."""
    months = []
    try:
        months = data.available_months()
    except (WarehouseError, duckdb.Error):
        months = []
    st.session_state["_cutoff_drawn"] = False
    with st.sidebar:
        st.markdown("**统计期间**")
        if not months:
            st.caption("暂无数据")
            st.session_state.setdefault("month", dt.date.today().strftime("%Y-%m"))
        else:
            default = st.session_state.get("month")
            if default not in months:
                default = months[-1]
            st.selectbox("月份", months, index=months.index(default), key="month", format_func=month_label)
        if url_path in CUTOFF_PAGES:
            _cutoff_widget()
            st.session_state["_cutoff_drawn"] = True


def _cutoff_widget(key: str = "as_of") -> None:
    n, _ = cutoff_rule(data.settings())
    st.datetime_input("截止时点（留空为默认）", value=None, key=f"{key}_at", format="YYYY-MM-DD",
                      step=dt.timedelta(minutes=1),
                      help=f"统计截止的日期和时间。留空：月度通报和年度考核为本期的正式截止时点"
                           f"（期末后第 {n} 个工作日末；未到时为现在），其他页面为现在。过去的截止时点给出当时的数字。")


def current_month() -> str:
    """The month picked in the sidebar; the latest month with data when the picker has not run yet."""
    month = st.session_state.get("month")
    if month:
        return month
    months = data.available_months()
    return months[-1] if months else dt.date.today().strftime("%Y-%m")


def cutoff_picker(key: str = "as_of", default: dt.datetime | None = None) -> dt.datetime:
    """The report cut-off, picked in one step in the sidebar under the month; left empty it is `default` (the
    bulletin's and the assessment's period default, settings [cutoff]) or else now. A chosen cut-off gives the
    figures as they stood then."""
    if not st.session_state.get("_cutoff_drawn"):  # a page run on its own (tests): the picker in its sidebar
        with st.sidebar:
            _cutoff_widget(key)
    picked = st.session_state.get(f"{key}_at")
    if picked is None:
        return default if default is not None else parse_as_of(None).replace(second=0)  # one cache key a minute
    return picked.replace(tzinfo=None, second=0, microsecond=0)


def period_cutoff(final_cutoff_figure, *args) -> dt.datetime:
    """The default cut-off of a period: its final cut-off by the rule (a catalogue figure,
    catalogue.month_final_cutoff or catalogue.assessment_final_cutoff, cached per snapshot), or now while
    that moment is still ahead (rounded to the minute: one cache key a minute)."""
    return default_cutoff(data.figure(final_cutoff_figure, *args), at=parse_as_of(None).replace(second=0))


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
