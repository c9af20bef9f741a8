"""Everything the pages share: the cached warehouse connection, cached frames, the sidebar state.

Caching lives here only. The connection is cached per snapshot (data_version), so a committed
ingest is picked up on the next rerun and a page never sees a half-written warehouse. DuckDB
connections are not thread-safe: each query runs on its own cursor.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from warehouse.db import WarehouseError, connect_read, data_version, fetch_frame, read_cursor, warehouse_path

NO_DATA = "数据仓库还没有数据。请在“数据导入与质量”页面上传文件，或运行 govdash ingest sample_data。"


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: tuple) -> duckdb.DuckDBPyConnection:
    return connect_read(Path(path))


def current_version() -> tuple | None:
    return data_version(warehouse_path())


@st.cache_data(max_entries=256, show_spinner=False)
def _query(sql: str, params: tuple, version: tuple) -> pl.DataFrame:
    cur = read_cursor(_connection(str(warehouse_path()), version))
    try:
        return fetch_frame(cur, sql, dict(params))
    finally:
        cur.close()


def query(sql: str, **params) -> pl.DataFrame | None:
    """A frame for a query on the current snapshot, or None when there is no warehouse yet."""
    version = current_version()
    if version is None:
        return None
    return _query(sql, tuple(sorted(params.items())), version)


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_call(fn_name: str, args: tuple, version: tuple):
    from govdash import figures

    fn = getattr(figures, fn_name)
    cur = read_cursor(_connection(str(warehouse_path()), version))
    try:
        return fn(cur, *args)
    finally:
        cur.close()


def figure(fn_name: str, *args):
    """Call govdash.figures.<fn_name>(con, *args) on the current snapshot, cached per snapshot."""
    version = current_version()
    if version is None:
        return None
    return _cached_call(fn_name, args, version)


def guard_warehouse() -> bool:
    """Show a clear message instead of a traceback when the warehouse is missing or broken."""
    if current_version() is None:
        st.info(NO_DATA)
        return False
    try:
        _connection(str(warehouse_path()), current_version())
    except WarehouseError as exc:
        st.error(str(exc))
        return False
    return True


def available_months() -> list[str]:
    frame = query("select distinct strftime(reported_at, '%Y-%m') as month from raw_whistle_events order by month")
    return frame["month"].to_list() if frame is not None and frame.height else []


def sidebar_period() -> None:
    """The shared period picker (month); pages read st.session_state['month']."""
    months = []
    try:
        months = available_months()
    except (WarehouseError, duckdb.Error):
        months = []
    with st.sidebar:
        st.markdown("### 统计期间")
        if not months:
            st.caption("暂无数据")
            st.session_state.setdefault("month", dt.date.today().strftime("%Y-%m"))
            return
        default = st.session_state.get("month")
        if default not in months:
            default = months[-1]
        st.selectbox("月份", months, index=months.index(default), key="month",
                     format_func=lambda m: f"{m[:4]}年{int(m[5:])}月")


def fmt_rate(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def cutoff_picker(key: str = "as_of") -> dt.datetime:
    """The report cut-off: now by default; a past cut-off gives the figures as they stood then."""
    from govdash.figures import parse_as_of

    with st.sidebar:
        use_now = st.toggle("截止时点为现在", value=True, key=f"{key}_now")
        if use_now:
            return parse_as_of(None).replace(second=0)  # one cache key a minute
        d = st.date_input("截止日期", key=f"{key}_date")
        t = st.time_input("截止时间", value=dt.time(23, 59), key=f"{key}_time")
        return dt.datetime.combine(d, t)


def rate_columns_config(columns: list[str]) -> dict:
    return {c: st.column_config.NumberColumn(c, format="percent") for c in columns}


def show_timeline(event_id: str) -> None:
    """An event's full trail: classification, log rows and deadlines."""
    events = query("select * from stg_whistle_events where event_id = $event_id", event_id=event_id)
    if events is None or events.height == 0:
        st.warning(f"找不到事件 {event_id}")
        return
    e = events.row(0, named=True)
    st.markdown(f"**事件 {event_id}**　{e['category'] or ''}　{'现场' if e['handling_mode'] == 'onsite' else '非现场'}"
                f"{'　疑难' if e['is_difficult'] else ''}　上报：{e['reported_at']}　社区：{e['community_id']}")
    log = figure("event_timeline", event_id)
    labels = {"dispatched": "派单", "accepted": "受理", "arrived": "到场", "returned": "退回", "closed": "结案反馈",
              "reopened": "重办", "escalated": "升级协调", "rated": "评价"}
    st.dataframe(log.with_columns(pl.col("action").replace_strict(labels, default=pl.col("action")))
                 .rename({"seq": "序号", "ts": "时间", "action": "动作", "dept_id": "部门编号", "dept_name": "部门",
                          "value": "值", "note": "备注"}), hide_index=True, width="stretch")


@st.cache_data(max_entries=16, show_spinner=False)
def _report_bytes(kind: str, month: str, as_of, version: tuple) -> bytes:
    import io

    from govdash.figures import previous_month
    from govdash.reports import bulletin_docx, bulletin_xlsx

    buf = io.BytesIO()
    b = _cached_call("bulletin", (month, as_of), version)
    if kind == "docx":
        bulletin_docx(b, _cached_call("bulletin", (previous_month(month), as_of), version), buf)
    else:
        bulletin_xlsx(b, buf)
    return buf.getvalue()


def report_bytes(kind: str, month: str, as_of) -> bytes:
    """The Word or Excel bulletin, built once per snapshot, month and cut-off (not on every rerun)."""
    return _report_bytes(kind, month, as_of, current_version())


def settings() -> dict:
    from govdash.settings import load_settings

    return load_settings()


def current_month() -> str:
    """The month picked in the sidebar; the latest month with data when the picker has not run yet."""
    month = st.session_state.get("month")
    if month:
        return month
    months = available_months()
    return months[-1] if months else dt.date.today().strftime("%Y-%m")
