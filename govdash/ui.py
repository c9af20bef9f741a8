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

from govdash.outputs import charts  # noqa: F401  (registers the plotly template with the Simplified Chinese face)
from govdash.core.formatting import pct, pct_expr
from govdash.core.periods import month_label
from govdash.core.textsafe import md, plot_figure
from warehouse.build import metric_sql
from warehouse.db import WarehouseError, connect_read, data_version, fetch_frame, read_cursor, warehouse_path

NO_DATA = "数据仓库还没有数据。请在“数据导入与质量”页面上传文件，或运行 govdash ingest sample_data。"


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: tuple) -> duckdb.DuckDBPyConnection:
    return connect_read(Path(path))


def current_version() -> tuple | None:
    return data_version(warehouse_path())


@st.cache_data(max_entries=64, show_spinner=False)
def _bound_jpcs(dept_id: str, version: tuple) -> set[str]:
    cur = read_cursor(_connection(str(warehouse_path()), version))
    try:
        frame = fetch_frame(cur, metric_sql("bound_jpcs"), {"dept_id": dept_id})
        return set(frame["jpc_id"].to_list())
    finally:
        cur.close()


def bound_jpcs() -> set[str]:
    """The JPCs the signed-in department has ever been bound to (empty for other roles)."""
    from govdash import access

    p = access.current_principal()
    version = current_version()
    if not p.is_department or version is None:
        return set()
    return _bound_jpcs(p.dept_id, version)


def principal():
    from govdash import access

    return access.current_principal()  # the session's, restored from the cookie by app.py each run


def department_names() -> dict[str, str]:
    """Departments the signed-in user may choose: all, or only its own."""
    from govdash.figures import catalogue

    frame = figure(catalogue.departments)
    return dict(zip(frame["dept_id"], frame["dept_name"])) if frame is not None else {}


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_call(name: str, args: tuple, version: tuple):
    """A declared figure's whole-city result on one snapshot (cached by its catalogue name)."""
    from govdash.figures import catalogue

    cur = read_cursor(_connection(str(warehouse_path()), version))
    try:
        return catalogue.BY_NAME[name].fn(cur, *args)
    finally:
        cur.close()


def figure(fn, *args):
    """A figure of the catalogue (`ui.figure(catalogue.bulletin, month, as_of)`) on the current snapshot,
    cached per snapshot, computed on the whole city and then cut to what the signed-in user may see.
    A function the catalogue does not declare is denied."""
    from govdash.figures import catalogue

    entry = catalogue.declared(fn)
    version = current_version()
    if version is None:
        return None
    p = principal()
    args = catalogue.arguments_for(entry, args, p)
    return catalogue.cut(entry, _cached_call(entry.name, args, version), p, bound_jpcs())


def _run_logger():
    """The server log of script runs (govdash.runs, INFO, to stderr): how long each run took, so the load
    benchmark can tell the server's own time from what the browsers saw."""
    import logging

    logger = logging.getLogger("govdash.runs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def log_script_run(page: str, seconds: float, cpu_seconds: float) -> None:
    """One line per script run: wall time, and the CPU time of the script's own thread (what the run cost,
    apart from waiting for the GIL, the cores or a cache being filled by another session)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    _run_logger().info("script-run page=%s seconds=%.3f session=%s cpu=%.3f", page, seconds,
                       ctx.session_id if ctx else "-", cpu_seconds)


def guard_warehouse() -> bool:
    """Show a clear message instead of a traceback when the warehouse is missing or broken."""
    if current_version() is None:
        st.info(NO_DATA)
        return False
    try:
        _connection(str(warehouse_path()), current_version())
    except WarehouseError as exc:
        st.error(md(exc))
        return False
    return True


def available_months() -> list[str]:
    from govdash.figures import catalogue

    frame = figure(catalogue.months_with_data)
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
                     format_func=month_label)


def fmt_rate(x) -> str:
    return pct(x)


def cutoff_picker(key: str = "as_of", default: dt.datetime | None = None) -> dt.datetime:
    """The report cut-off: `default` when given (the bulletin's and the assessment's period default, settings
    [cutoff]), else now; a chosen cut-off gives the figures as they stood then."""
    from govdash.core.periods import parse_as_of
    from govdash.figures.cutoff import cutoff_rule

    with st.sidebar:
        if default is not None:
            n, _ = cutoff_rule(settings())
            if st.toggle(f"默认截止时点（期末后第 {n} 个工作日末）", value=True, key=f"{key}_default"):
                return default
        elif st.toggle("截止时点为现在", value=True, key=f"{key}_now"):
            return parse_as_of(None).replace(second=0)  # one cache key a minute
        d = st.date_input("截止日期", value=(default or parse_as_of(None)).date(), key=f"{key}_date")
        t = st.time_input("截止时间", value=dt.time(23, 59), key=f"{key}_time")
        return dt.datetime.combine(d, t)


def period_cutoff(final_cutoff_figure, *args) -> dt.datetime:
    """The default cut-off of a period: its final cut-off by the rule (a catalogue figure,
    catalogue.month_final_cutoff or catalogue.assessment_final_cutoff, cached per snapshot), or now while
    that moment is still ahead (rounded to the minute: one cache key a minute)."""
    from govdash.core.periods import parse_as_of

    now = parse_as_of(None).replace(second=0)
    value = figure(final_cutoff_figure, *args)
    return now if value is None or value > now else value


def cutoff_notice(result: dict) -> None:
    """Beside the title: the cut-off, 初步 while before the period's final cut-off, and the note when the
    cut-off is later than the last loaded data (a bulletin or an assessment result)."""
    from govdash.core.periods import moment_label, parse_as_of

    as_of = parse_as_of(result["as_of"])
    status = "初步数据" if result.get("provisional") else "正式数据"
    st.markdown(f"**截止 {moment_label(as_of)}**　·　{status}")
    if result.get("provisional"):
        st.warning(f"初步数据：截止时点早于本期正式截止时点 {moment_label(parse_as_of(result['final_cutoff']))}，"
                   "数字在此之前仍可能变化。")
    if result.get("data_note"):
        st.warning(result["data_note"])  # the product's own sentence (a date and a time)


def show_timeline(event_id: str) -> None:
    """An event's full trail: classification, log rows and deadlines."""
    from govdash.figures import catalogue

    log = figure(catalogue.event_timeline, event_id)  # scoped: empty when the user may not see this event
    if log is None or log.height == 0:
        st.warning(f"找不到事件 {md(event_id)}，或无权查看")
        return
    e = figure(catalogue.event_header, event_id).row(0, named=True)
    st.markdown(f"**事件 {md(event_id)}**　{md(e['category'])}　{'现场' if e['handling_mode'] == 'onsite' else '非现场'}"
                f"{'　疑难' if e['is_difficult'] else ''}　上报：{md(e['reported_at'])}　社区：{md(e['community_id'])}")
    labels = {"dispatched": "派单", "accepted": "受理", "arrived": "到场", "returned": "退回", "closed": "结案反馈",
              "reopened": "重办", "escalated": "升级协调", "rated": "评价"}
    st.dataframe(log.with_columns(pl.col("action").replace_strict(labels, default=pl.col("action")))
                 .rename({"seq": "序号", "ts": "时间", "action": "动作", "dept_id": "部门编号", "dept_name": "部门",
                          "value": "值", "note": "备注"}), hide_index=True, width="stretch")


@st.cache_data(max_entries=16, show_spinner=False)
def _report_bytes(kind: str, month: str, as_of, version: tuple, _principal, scope_key: str) -> bytes:
    from govdash import figures
    from govdash.core.periods import previous_month
    from govdash.figures import catalogue
    from govdash.outputs.documents import render_bulletin

    jpcs = _bound_jpcs(_principal.dept_id, version) if _principal.is_department else set()
    entry = catalogue.declared(figures.bulletin)

    def bulletin_for(m: str) -> dict:
        return catalogue.cut(entry, _cached_call(entry.name, (m, as_of), version), _principal, jpcs)

    return render_bulletin(kind, bulletin_for(month), bulletin_for(previous_month(month)) if kind in ("docx", "pdf") else None)


def report_bytes(kind: str, month: str, as_of):
    """The Word, PDF or Excel bulletin for the signed-in user, built when the button is clicked (not on
    every render), once per snapshot, month, cut-off and scope. The user and the snapshot are fixed
    now: the download runs outside the script run, where the session is not at hand."""
    p = principal()
    scope_key = "all" if p.sees_all else f"{p.role}:{p.dept_id}"
    version = current_version()
    return lambda: _report_bytes(kind, month, as_of, version, p, scope_key)


def settings() -> dict:
    from govdash.core.settings import load_settings

    return load_settings()


def current_month() -> str:
    """The month picked in the sidebar; the latest month with data when the picker has not run yet."""
    month = st.session_state.get("month")
    if month:
        return month
    months = available_months()
    return months[-1] if months else dt.date.today().strftime("%Y-%m")


def scoring_key() -> str:
    """The live scoring settings' digest: an argument of the assessment figures, so their cache follows a save."""
    from govdash.core.scoring import scoring_path
    from govdash.core.scoring_versions import digest

    try:
        return digest(scoring_path().read_text(encoding="utf-8"))
    except OSError:
        return ""


def can_edit_scoring() -> bool:
    """Only the assessment office may save scoring settings (see govdash.access)."""
    from govdash import access

    return access.current_principal().can_edit_scoring


def require_page(url_path: str) -> None:
    """Deny by default at the page itself too: a page the signed-in role may not open shows nothing,
    even when reached by a URL outside app.py's navigation."""
    from govdash import access

    if url_path not in access.current_principal().allowed_pages():
        st.error("无权查看此页面，请先登录或联系管理员。")
        st.stop()


def assessment_bytes(result: dict):
    """The Excel scoring sheet of an (already scoped) assessment result, built when the button is
    clicked rather than on every render."""
    from govdash.outputs.documents import render_assessment

    return lambda: render_assessment(result)


def plot(fig, container=None) -> None:
    """Draw a plotly figure with the Simplified Chinese face set on the figure itself: Streamlit's chart
    theme replaces template fonts, and CJK text would then fall back to a Japanese glyph form. Every
    string the figure carries from data is escaped first (plotly reads <a href>, <b>… in any label)."""
    from govdash.outputs.charts import CJK_FONT

    plot_figure(fig)
    fig.update_layout(font_family=CJK_FONT, hoverlabel_font_family=CJK_FONT, legend_font_family=CJK_FONT)
    (container or st).plotly_chart(fig, width="stretch")


def for_display(frame: pl.DataFrame, rates=()) -> pl.DataFrame:
    """Rates as percentages and every empty value as "—" (SPEC: a null rate shows as "—", never 0%)."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if name in rates:
            # the same rule as the Word bulletin (govdash.core.formatting), as polars expressions: a Python
            # function inside polars' thread pool deadlocked the server under concurrent sessions
            out.append(pct_expr(name).alias(name))
        elif dtype.is_numeric() and frame[name].null_count():
            text = col.round(2).cast(pl.Utf8) if dtype.is_float() else col.cast(pl.Utf8)
            out.append(pl.when(col.is_null()).then(pl.lit("—")).otherwise(text).alias(name))
        else:
            out.append(col)
    return frame.select(out)


def table(frame: pl.DataFrame, rates=(), **kwargs):
    """st.dataframe with the house display rules (see for_display), full width, no index."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    # handed over as Arrow: Streamlit serialises a pyarrow table directly, without a pandas copy per run
    return st.dataframe(for_display(frame, rates).to_arrow(), **kwargs)


def start_page(title: str, url_path: str) -> None:
    """Every page's opening: its Chinese heading, the role check, and a clear message (then stop)
    when the warehouse is missing or broken."""
    st.title(title)
    require_page(url_path)
    if not guard_warehouse():
        st.stop()
