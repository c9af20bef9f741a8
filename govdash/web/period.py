"""The one period state of every page: the month (or the assessment's quarter or year) and the report cut-off.

It lives in the page's address, so a link reproduces the view and a refresh (F5) keeps it:

    ?month=YYYY-MM          the month pages (月度通报, 吹哨报到分析, 部门自查, 事件查询, 走访, 负面清单, 五级双向)
    ?quarter=YYYY-QN        年度考核, one quarter
    ?year=YYYY              年度考核, the whole year
    &asof=YYYY-MM-DD HH:MM:SS   only when the user picked a cut-off

A pick is also kept in the session, so it holds on every page until changed (a menu link opens a page without
the query string: the address is written back from the session). Without a pick every page takes the period's
default cut-off (settings [cutoff]: the end of the 5th working day after it, or now while that is ahead), the
same rule as the files and the CLI (SPEC 8.1), except a page that serves a published copy (月度通报, 年度考核):
there the publication's own cut-off, which the sidebar then states with the reason. An invalid value in the
address is dropped with a Chinese notice.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import streamlit as st

from govdash.core.periods import moment_label, month_label, parse_as_of
from govdash.figures import catalogue
from govdash.figures.cutoff import cutoff_rule, default_cutoff
from govdash.web import data, registry
from warehouse.db import WarehouseError

MONTH, ASSESSMENT = "month", "assessment"   # the period kinds of registry.Page.period
# the address's period keys, read in this order (a quarter given with its year is that quarter); anything else in
# the address is left alone
KEYS = ("month", "year", "quarter", "asof")
ASOF_FORMAT = "%Y-%m-%d %H:%M:%S"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_YEAR = re.compile(r"\d{4}")
# what the session keeps between pages (plain keys, not widget keys: a widget's state is dropped on a page that
# does not draw it)
_STORE = {"month": "_period_month", "year": "_period_year", "quarter": "_period_quarter", "asof": "_period_asof"}
_PAGE = "_period_page"
_DRAWN = "_period_drawn"   # the page whose pickers the router drew in this run (its page's opening takes it)
# the sidebar's widgets
MONTH_KEY, YEAR_KEY, QUARTER_KEY, DATE_KEY, TIME_KEY = "month", "period_year_pick", "period_quarter_pick", \
    "asof_date", "asof_time"
# 考核期间's options: 0 is the whole year (None in the period state). No option is None: a select box whose value is
# None shows the empty placeholder (in English) and the browser may clear it back to that, which reads as 全年
QUARTER_LABELS = {0: "全年", 1: "第1季度", 2: "第2季度", 3: "第3季度", 4: "第4季度"}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Cutoff:
    at: dt.datetime
    source: str           # "default" (the period's, by the rule), "picked", or "published" (the publication's)
    picked: dt.datetime | None = None   # the user's pick, also when a publication overrides it on this page


# ---------------------------------------------------------------- reading the address

def _parse(key: str, text: str):
    """A value of the address, or None when it is not one of the fixed forms."""
    text = (text or "").strip()
    if key == "month" and _MONTH.fullmatch(text):
        return text
    if key == "quarter" and (m := _QUARTER.fullmatch(text)):
        return int(m[1]), int(m[2])
    if key == "year" and _YEAR.fullmatch(text) and int(text) >= 1:
        return int(text)
    if key == "asof":
        for fmt in (ASOF_FORMAT, "%Y-%m-%d %H:%M"):
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
    return None


NOTICE_TEXT = {"month": "月份", "quarter": "考核季度", "year": "考核年度", "asof": "截止时点"}


def _available_months() -> list[str]:
    try:
        return data.available_months()
    except (WarehouseError, duckdb.Error):
        return []


def _read_address(months: list[str]) -> list[str]:
    """The address's valid period values into the session (the address wins); the invalid ones dropped, each with
    a Chinese notice."""
    notices = []
    for key in KEYS:
        if key not in st.query_params:
            continue
        raw = st.query_params.get(key, "")
        value = _parse(key, raw)
        if value is not None and key == "month" and months and value not in months:
            value = None
        if value is None:
            notices.append(f"网址中的{NOTICE_TEXT[key]}“{raw[:40]}”无法识别或没有数据，已忽略。")
            del st.query_params[key]
            continue
        if key == "quarter":
            st.session_state[_STORE["year"]], st.session_state[_STORE["quarter"]] = value
        elif key == "year":
            st.session_state[_STORE["year"]], st.session_state[_STORE["quarter"]] = value, None
        else:
            st.session_state[_STORE[key]] = value
    return notices


def _write_address(kind: str | None) -> None:
    """The address states the page's period (and the pick), nothing else of the period."""
    wanted = _params(kind)
    for key in KEYS:
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]


def address(url_path: str | None = None) -> dict[str, str]:
    """The period part of a page's address, as query parameters (for a link or st.switch_page)."""
    return _params(registry.page(url_path or st.session_state.get(_PAGE, registry.DEFAULT)).period)


def _params(kind: str | None) -> dict[str, str]:
    """The query parameters of a page of this period kind: its month, quarter or year, and the pick if any."""
    out: dict[str, str] = {}
    if kind == MONTH:
        out["month"] = month()
    elif kind == ASSESSMENT:
        year, quarter = assessment_period()
        out["quarter" if quarter else "year"] = f"{year}-Q{quarter}" if quarter else str(year)
    picked = st.session_state.get(_STORE["asof"])
    if kind and picked is not None:
        out["asof"] = picked.strftime(ASOF_FORMAT)
    return out


# ---------------------------------------------------------------- the state the pages read

def month() -> str:
    """The month of the period state: the address's, else the session's pick, else the latest month with data."""
    picked = st.session_state.get(_STORE["month"]) or st.session_state.get(MONTH_KEY)
    months = _available_months()
    if picked and (picked in months or not months):
        return picked
    return months[-1] if months else dt.date.today().strftime("%Y-%m")


def assessment_period() -> tuple[int, int | None]:
    """(year, quarter or None for the whole year) of the period state; by default the year of the latest data."""
    years = sorted({int(m[:4]) for m in _available_months()})
    year = st.session_state.get(_STORE["year"])
    if year is None or (years and year not in years):
        year = int(month()[:4])
    return year, st.session_state.get(_STORE["quarter"])


def _final_cutoff(kind: str) -> dt.datetime | None:
    if kind == ASSESSMENT:
        return data.figure(catalogue.assessment_final_cutoff, *assessment_period())
    return data.figure(catalogue.month_final_cutoff, month())


def default_for(kind: str = MONTH) -> dt.datetime:
    """The period's default cut-off: its final cut-off by the rule, or now while that is ahead (to the minute:
    one cache key a minute)."""
    return default_cutoff(_final_cutoff(kind), at=parse_as_of(None).replace(second=0))


def publication(url_path: str | None = None) -> dict | None:
    """The publication in force of the period a page that serves published copies shows (月度通报: the month's
    bulletin, 年度考核: the quarter's or year's assessment), else None."""
    page = registry.page(url_path or st.session_state.get(_PAGE, registry.DEFAULT))
    if not page.published:
        return None
    if page.period == ASSESSMENT:
        pubs = data.figure(catalogue.assessment_publications, *assessment_period()) or []
    else:
        pubs = data.figure(catalogue.publications, month()) or []
    return pubs[-1] if pubs else None


def cutoff_state(url_path: str | None = None) -> Cutoff:
    """The cut-off of the page `url_path` (default: the page being shown): a published copy's own, else the
    user's pick, else the period's default."""
    url_path = url_path or st.session_state.get(_PAGE, registry.DEFAULT)
    kind = registry.page(url_path).period or MONTH
    picked = st.session_state.get(_STORE["asof"])
    pub = publication(url_path)
    if pub is not None:
        return Cutoff(parse_as_of(pub["as_of"]), "published", picked)
    if picked is not None:
        return Cutoff(picked, "picked", picked)
    return Cutoff(default_for(kind), "default")


def cutoff(url_path: str | None = None) -> dt.datetime:
    """The cut-off every figure of the page is computed at (see cutoff_state)."""
    return cutoff_state(url_path).at


# ---------------------------------------------------------------- the sidebar

def _commit() -> None:
    """A widget changed: the address follows the session at once (the run that follows reads the address first)."""
    _write_address(registry.page(st.session_state.get(_PAGE, registry.DEFAULT)).period)


def _on_month() -> None:
    st.session_state[_STORE["month"]] = st.session_state[MONTH_KEY]
    _commit()


def _on_assessment() -> None:
    year, quarter = st.session_state[YEAR_KEY], st.session_state[QUARTER_KEY]
    st.session_state[_STORE["year"]], st.session_state[_STORE["quarter"]] = year, quarter or None
    _commit()


def _on_cutoff() -> None:
    day = st.session_state.get(DATE_KEY)
    if day is None:
        st.session_state[_STORE["asof"]] = None
    else:
        at = st.session_state.get(TIME_KEY)
        if at is None:   # a date just chosen: the end of that day, as the rule's cut-offs are
            at = cutoff_rule(data.settings())[1]
        st.session_state[_STORE["asof"]] = dt.datetime.combine(day, at)
    _commit()


def _show(key: str, value) -> None:
    """The sidebar's picker `key` shows `value` of the period state: written only when it shows something else (the
    period changed in the address or on another page, or the picker is new on this page). Written on every run, the
    browser gets it as a forced value each time, and a forced value applied again after the user's pick takes the
    pick back."""
    if key not in st.session_state or st.session_state[key] != value:
        st.session_state[key] = value


def _day_label(day: dt.date | None, default: dt.datetime) -> str:
    if day is None:
        return f"默认（{moment_label(default)}）"
    return f"{day.year}年{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def _time_label(at: dt.time) -> str:
    return f"{at:%H:%M}" if at.second == 0 else f"{at:%H:%M:%S}"


def _period_start(kind: str) -> dt.date:
    if kind == ASSESSMENT:
        year, quarter = assessment_period()
        return dt.date(year, 3 * (quarter - 1) + 1 if quarter else 1, 1)
    return dt.date.fromisoformat(month() + "-01")


def _cutoff_widgets(kind: str, url_path: str) -> None:
    """The cut-off as a Chinese date select (默认 first) and, once a date is picked, a time select (时:分)."""
    n, end_of_day = cutoff_rule(data.settings())
    state = cutoff_state(url_path)
    # "默认" names what this page takes without a pick: a publication's cut-off, else the period's by the rule
    default = state.at if state.source == "published" else default_for(kind)
    picked = st.session_state.get(_STORE["asof"])
    first = _period_start(kind)
    last = max(dt.date.today(), default.date() + dt.timedelta(days=31))
    days: list[dt.date | None] = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if picked is not None and picked.date() not in days:
        days.append(picked.date())
    _show(DATE_KEY, picked.date() if picked is not None else None)
    st.selectbox("截止日期", [None, *days], key=DATE_KEY, on_change=_on_cutoff,
                 format_func=lambda d: _day_label(d, default),
                 help=f"统计截止的日期和时间。选“默认”：本期的正式截止时点（期末后第 {n} 个工作日末；未到时为现在），"
                      "每个页面、下载的文件和命令行都相同。选定后在所有页面保持，直到再次修改。")
    if picked is not None:
        times = [dt.time(h, m) for h in range(24) for m in range(60)]
        for extra in (end_of_day, picked.time()):
            if extra not in times:
                times.append(extra)
        _show(TIME_KEY, picked.time())
        st.selectbox("截止时间（时:分）", sorted(times), key=TIME_KEY, on_change=_on_cutoff, format_func=_time_label)
    final = _final_cutoff(kind)
    reason = {"default": f"本期默认：期末后第 {n} 个工作日末" if final is None or final <= state.at
              else "本期正式截止时点未到，按现在计算", "picked": "您选择的截止时点",
              "published": "已定稿发布的截止时点"}[state.source]
    st.markdown(f"截止时点：**{moment_label(state.at)}**（{reason}）")
    if state.source == "published":
        what = "本期考核已定稿" if kind == ASSESSMENT else "本月通报已定稿发布"
        note = f"{what}：本页按发布时的截止时点显示，不随之后导入的数据变化"
        if picked is not None:
            note += f"；您选择的截止时点 {moment_label(picked)} 不适用于本页，其他页面仍按它计算"
        st.caption(note + "。")


def sidebar_period(url_path: str | None = None) -> None:
    """The period state for this run (address, then session, then defaults), the address written back, and the
    pickers the page's table entry names at the top of the sidebar (reachable without scrolling on a laptop or a
    phone). Pages read month(), assessment_period() and cutoff()."""
    url_path = url_path or registry.DEFAULT
    st.session_state[_PAGE] = url_path
    st.session_state[_DRAWN] = url_path
    page = registry.page(url_path)
    months = _available_months()
    notices = _read_address(months)
    _write_address(page.period)
    with st.sidebar:
        for notice in notices:
            st.warning(notice)
        if not page.period:
            return
        st.markdown("**统计期间**")
        if page.period == MONTH:
            if not months:
                st.caption("暂无数据")
            else:
                _show(MONTH_KEY, month())
                st.selectbox("月份", months, key=MONTH_KEY, format_func=month_label, on_change=_on_month)
        elif page.period == ASSESSMENT:
            years = sorted({int(m[:4]) for m in months}, reverse=True)
            if not years:
                st.caption("暂无数据")
            else:
                year, quarter = assessment_period()
                _show(YEAR_KEY, year)
                _show(QUARTER_KEY, quarter or 0)
                st.selectbox("考核年度", years, key=YEAR_KEY, format_func=lambda y: f"{y}年", on_change=_on_assessment)
                st.selectbox("考核期间", list(QUARTER_LABELS), key=QUARTER_KEY, format_func=QUARTER_LABELS.get,
                             on_change=_on_assessment)
        if page.cutoff and months:
            _cutoff_widgets(page.period, url_path)


def ensure(url_path: str) -> None:
    """A page's opening: the period state of this page read and its pickers drawn, unless the router did it in this
    run already (a page script run on its own, as a test does, still reads its address)."""
    if st.session_state.pop(_DRAWN, None) != url_path:
        sidebar_period(url_path)
        st.session_state.pop(_DRAWN, None)


def run_over() -> None:
    """The router's run is over: the next run reads the address and draws the pickers again."""
    st.session_state.pop(_DRAWN, None)
