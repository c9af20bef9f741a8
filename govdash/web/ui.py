"""Everything the pages share: the cached warehouse connection, cached frames, the sidebar state.

Caching lives here only. The connection is cached per snapshot (data_version), so a committed
ingest is picked up on the next rerun and a page never sees a half-written warehouse. DuckDB
connections are not thread-safe: each query runs on its own cursor.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from govdash.core import labels
from govdash.core.formatting import EMPTY, pct, rate_tenths_expr
from govdash.core.periods import month_label, month_label_expr, week_range_label_expr
from govdash.core.textsafe import md, output_expr, plot_figure
from govdash.documents import charts  # noqa: F401  (registers the plotly template with the Simplified Chinese face)
from govdash.figures import catalogue
from govdash.figures.cutoff import cutoff_rule, default_cutoff
from govdash.web import registry
from warehouse.db import WarehouseError, connect_read, data_version, read_cursor, warehouse_path

NO_DATA = "数据仓库还没有数据。请在“数据导入与质量”页面上传文件，或运行 govdash ingest sample_data。"


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: tuple) -> duckdb.DuckDBPyConnection:
    # one line each time the shared connection is opened (a new warehouse version, or a cache emptied)
    _run_logger().info("warehouse-connection opened path=%s", Path(path).name)
    return connect_read(Path(path))


def current_version() -> tuple | None:
    return data_version(warehouse_path())


@st.cache_data(max_entries=64, show_spinner=False)
def _bound_jpcs(dept_id: str, version: tuple) -> set[str]:
    from govdash.core.principal import Principal

    cur = read_cursor(_connection(str(warehouse_path()), version))
    try:
        return catalogue.bound_jpcs_of(cur, Principal("", "department", dept_id))
    finally:
        cur.close()


def principal():
    from govdash.web import sessions

    return sessions.current_principal()  # the session's, restored from the cookie by app.py each run


def department_names() -> dict[str, str]:
    """Departments the signed-in user may choose: all, or only its own."""
    frame = figure(catalogue.departments)
    return dict(zip(frame["dept_id"], frame["dept_name"])) if frame is not None else {}


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_call(name: str, args: tuple, version: tuple):
    """A declared figure's whole-city result on one snapshot (cached by its catalogue name)."""
    cur = read_cursor(_connection(str(warehouse_path()), version))
    try:
        return catalogue.BY_NAME[name].fn(cur, *args)
    finally:
        cur.close()


def figure(fn, *args):
    """A figure of the catalogue (`ui.figure(catalogue.bulletin, month, as_of)`) on the current snapshot,
    cached per snapshot, computed on the whole city and then cut to what the signed-in user may see.
    A figure the catalogue does not declare is denied."""
    catalogue.declared(fn)   # denied before anything else, with or without a warehouse
    version = current_version()
    if version is None:
        return None
    return _figure_on(version, principal(), fn, *args)


def _figure_on(version: tuple, p, fn, *args):
    """A figure on one snapshot as principal `p` sees it (the catalogue's one path: its arguments, the
    cached whole-city result, the cut); the downloads call it outside the script run, with the user fixed."""
    jpcs = _bound_jpcs(p.dept_id, version) if p.is_department else set()
    return catalogue.seen_by(fn, args, p, jpcs, lambda entry, a: _cached_call(entry.name, a, version))


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


def section_failure(title: str, exc: BaseException) -> str:
    """What the reader sees in place of a part of a page that failed: the part, the cause in Chinese (a value out of
    range, a warehouse to rebuild, the file) and an incident id; the traceback goes to the server log under that id."""
    from govdash.web import incidents
    from warehouse.db import warehouse_error_message

    incident = incidents.record(exc, f"section {title!r} failed")
    if isinstance(exc, duckdb.Error):
        cause = warehouse_error_message(exc)
    elif isinstance(exc, WarehouseError):
        cause = str(exc)
    elif isinstance(exc, OverflowError):
        cause = "日期或数值超出范围（数据中可能有不合理的取值，请在“数据导入与质量”页面检查）"
    else:
        cause = "出现意外错误"
    return f"“{title}”部分无法显示：{cause}（事件编号 {incident}）。页面其余部分不受影响。"


@contextmanager
def section(title: str):
    """One part of a page (`with ui.section("近 12 个月趋势"):`): when it fails, a Chinese message naming the part and
    the cause takes its place and the rest of the page still renders. Streamlit's own stop and rerun pass through
    (they are not Exceptions)."""
    try:
        yield
    except Exception as exc:
        st.error(md(section_failure(title, exc)))


def available_months() -> list[str]:
    frame = figure(catalogue.months_with_data)
    return frame["month"].to_list() if frame is not None and frame.height else []


# the pages whose figures depend on the report cut-off: the sidebar shows its picker under the month
CUTOFF_PAGES = {page.url for page in registry.PAGES if page.cutoff}


def sidebar_period(url_path: str | None = None) -> None:
    """The shared period picker at the top of the sidebar (reachable without scrolling on a laptop or a phone): the
    month, and for a page in CUTOFF_PAGES the cut-off under it. Pages read st.session_state['month'] and
    `cutoff_picker()`."""
    months = []
    try:
        months = available_months()
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
    n, _ = cutoff_rule(settings())
    st.datetime_input("截止时点（留空为默认）", value=None, key=f"{key}_at", format="YYYY-MM-DD",
                      step=dt.timedelta(minutes=1),
                      help=f"统计截止的日期和时间。留空：月度通报和年度考核为本期的正式截止时点（期末后第 {n} 个工作日末；"
                           "未到时为现在），其他页面为现在。过去的截止时点给出当时的数字。")


def fmt_rate(x) -> str:
    return pct(x)


def cutoff_picker(key: str = "as_of", default: dt.datetime | None = None) -> dt.datetime:
    """The report cut-off, picked in one step in the sidebar under the month; left empty it is `default` (the
    bulletin's and the assessment's period default, settings [cutoff]) or else now. A chosen cut-off gives the
    figures as they stood then."""
    from govdash.core.periods import parse_as_of

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
    from govdash.core.periods import parse_as_of

    return default_cutoff(figure(final_cutoff_figure, *args), at=parse_as_of(None).replace(second=0))


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


def show_case(event_id: str, as_of: dt.datetime | None = None) -> bool:
    """A whistle event as a case: its classification, every assignment with its deadlines, status and working days
    overdue at the cut-off, and its full log, all in Chinese. A department sees only an event dispatched to it (and
    its own assignments). False when there is no such event for this user."""
    from govdash.core.periods import parse_as_of

    as_of = as_of or parse_as_of(None).replace(second=0)
    event_id = event_id.strip()
    log = figure(catalogue.event_timeline, event_id)  # scoped: empty when the user may not see this event
    header = figure(catalogue.event_header, event_id)
    if log is None or log.height == 0 or header is None or header.height == 0:
        st.warning(f"找不到事件 {md(event_id)}，或无权查看")
        return False
    e = header.row(0, named=True)
    community = code_names()["社区"].get(e["community_id"], e["community_id"])
    st.markdown(f"**事件 {md(event_id)}**　{md(e['category'])}　{labels.HANDLING_MODE_LABELS.get(e['handling_mode'], '—')}"
                f"{'　疑难' if e['is_difficult'] else ''}　上报：{e['reported_at']:%Y-%m-%d %H:%M}　社区：{md(community)}")
    st.caption(f"截至 {as_of:%Y-%m-%d %H:%M} 的派单状态；超期工作日按法定工作日计算，与月度通报的超期清单一致。")
    assignments = figure(catalogue.event_assignments, event_id, as_of)
    if assignments is not None and assignments.height:
        table(assignments.select(
            pl.col("dept_name").alias("部门"), pl.col("dispatched_at").alias("派单时间"),
            pl.col("response_deadline").alias("响应时限"), pl.col("responded_at").alias("响应时间"),
            pl.col("closure_deadline").alias("办结期限"), pl.col("closed_at").alias("结案时间"),
            pl.col("status").alias("状态"), pl.col("working_days_overdue").alias("超期工作日"),
            pl.col("rating").alias("评价")), key=f"case_assignments_{event_id}")
    value_labels = {**labels.RATING_LABELS, **labels.ESCALATION_LABELS}
    table(log.select(
        pl.col("seq").alias("序号"), pl.col("ts").alias("时间"), labels.label_expr("action", labels.ACTION_LABELS).alias("动作"),
        pl.col("dept_name").alias("部门"), labels.label_expr("value", value_labels).alias("结果"),
        pl.col("note").alias("备注")), key=f"case_log_{event_id}")
    return True


def case_search() -> None:
    """Search by event id from any page (the sidebar): a known id opens the case page."""
    def go() -> None:  # the id is kept outside the widget: a page switch drops the widget's own state
        st.session_state["case_event"] = (st.session_state.get("case_query") or "").strip()
        st.session_state["case_go"] = bool(st.session_state["case_event"])

    with st.sidebar:
        st.text_input("按事件编号查询", key="case_query", placeholder="例如 E20240000094", on_change=go)
    if st.session_state.pop("case_go", False):
        st.switch_page("pages/case.py")


@st.cache_data(max_entries=16, show_spinner=False)
def _report_bytes(kind: str, month: str, as_of, version: tuple, _principal, scope_key: str) -> bytes:
    from govdash.documents.documents import render_bulletin

    b = _figure_on(version, _principal, catalogue.bulletin, month, as_of)
    # the Word and PDF files compare the month with the month before: its city totals only
    previous = _figure_on(version, _principal, catalogue.comparison, month, as_of) if kind in ("docx", "pdf") else None
    return render_bulletin(kind, b, previous)


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
    """Only the assessment office may save scoring settings (see govdash.core.principal)."""
    from govdash.web import sessions

    return sessions.current_principal().can_edit_scoring


def require_page(url_path: str) -> None:
    """Deny by default at the page itself too: a page the signed-in role may not open shows nothing,
    even when reached by a URL outside app.py's navigation."""
    from govdash.web import sessions

    if url_path not in registry.allowed_pages(sessions.current_principal()):
        st.error("无权查看此页面，请先登录或联系管理员。")
        st.stop()


def assessment_bytes(result: dict):
    """The Excel scoring sheet of an (already scoped) assessment result, built when the button is
    clicked rather than on every render."""
    from govdash.documents.documents import render_assessment

    return lambda: render_assessment(result)


def plot(fig, container=None) -> None:
    """Draw a plotly figure with the Simplified Chinese face set on the figure itself: Streamlit's chart
    theme replaces template fonts, and CJK text would then fall back to a Japanese glyph form. Every
    string the figure carries from data is escaped first (plotly reads <a href>, <b>… in any label)."""
    from govdash.documents.charts import CJK_FONT

    plot_figure(fig)
    fig.update_layout(font_family=CJK_FONT, hoverlabel_font_family=CJK_FONT, legend_font_family=CJK_FONT)
    (container or st).plotly_chart(fig, width="stretch")


# columns whose code has a name: the table shows the name (the code column is dropped, its name added if missing)
CODE_COLUMNS = {"部门编号": "部门", "社区编号": "社区", "联合党委编号": "联合党委"}
# columns whose values are codes with Chinese labels (govdash.core.labels), mapped wherever a table shows them
VALUE_LABEL_COLUMNS = {"状态": {**labels.STATUS_LABELS, **labels.REPORT_STATUS_LABELS}, "评价": labels.RATING_LABELS,
                       "结果": labels.OUTCOME_LABELS, "动作": labels.ACTION_LABELS, "处置方式": labels.HANDLING_MODE_LABELS,
                       "指标": labels.METRIC_LABELS, "类别": labels.RECORD_KIND_LABELS}
WEEK_COLUMNS = ("周", "缺访周", "漏报周", "迟报周")
MONTH_COLUMNS = ("月份", "所属月份")
RATE_FORMAT = "%.1f%%"   # a rate column holds the rate in percent, rounded to tenths by the house rule (formatting.py)
DECIMAL_FORMAT = "%.1f"  # hours, days and other measures: one decimal
POINTS_FORMAT = "%.2f"   # assessment points: two decimals, apportioned so that they add up to the score (scoring.py)
PINNED_COLUMNS = ("排名", "部门")
DATETIME_FORMAT = "YYYY-MM-DD HH:mm"
POINTS_COLUMNS = ("得分", "扣分", "考核项得分", "上期得分", "较上期", "现得分", "模拟得分", "权重", "实际计分权重")


@st.cache_data(max_entries=8, show_spinner=False)
def _code_names(version: tuple, scope_key: str) -> dict[str, dict[str, str]]:
    out = {"部门": department_names()}
    communities = figure(catalogue.communities)
    out["社区"] = dict(zip(communities["community_id"], communities["community_name"])) if communities is not None else {}
    jpcs = figure(catalogue.jpcs)
    out["联合党委"] = dict(zip(jpcs["jpc_id"], jpcs["jpc_name"])) if jpcs is not None else {}
    return out


def code_names() -> dict[str, dict[str, str]]:
    """Names by code the signed-in user may see: {"部门": {"D01": …}, "社区": {…}, "联合党委": {…}}."""
    version = current_version()
    if version is None:
        return {"部门": {}, "社区": {}, "联合党委": {}}
    p = principal()
    return _code_names(version, "all" if p.sees_all else f"{p.role}:{p.dept_id}")


@st.cache_data(max_entries=8, show_spinner=False)
def _code_text_mapping(version: tuple, scope_key: str) -> dict[str, str]:
    names = code_names()
    clauses = figure(catalogue.reference_list, "integrity_clause")
    clause_texts = dict(zip(clauses["item_id"], clauses["item_name"])) if clauses is not None else {}
    years = sorted({int(m[:4]) for m in available_months()}) or [dt.date.today().year]
    return labels.code_text_mapping({**names["部门"], **names["联合党委"], **names["社区"]}, clause_texts, years)


def readable_codes_expr(column: str | pl.Expr) -> pl.Expr:
    """Free text that names departments, communities, JPCs, Appendix E clauses, ISO weeks or months by their codes
    (the assessment's deduction reasons, built in SQL): each code replaced by its name, as a reader needs it."""
    col = pl.col(column) if isinstance(column, str) else column
    version = current_version()
    if version is None:
        return col
    p = principal()
    mapping = _code_text_mapping(version, "all" if p.sees_all else f"{p.role}:{p.dept_id}")
    return col.str.replace_many(list(mapping), list(mapping.values()), leftmost=True)


def names_not_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """A 部门编号 / 社区编号 / 联合党委编号 column replaced by the name (kept where the name column already is)."""
    names = None
    for code, name in CODE_COLUMNS.items():
        if code not in frame.columns:
            continue
        if name not in frame.columns:
            names = names or code_names()
            frame = frame.with_columns(labels.label_expr(code, names[name]).alias(code)).rename({code: name})
        else:
            frame = frame.drop(code)
    return frame


def for_display(frame: pl.DataFrame, rates=()) -> pl.DataFrame:
    """The house display rules for a table: names instead of codes, Chinese labels for statuses, ratings, outcomes
    and kinds, 是/否 for true/false, weeks as 第49周（12.2–12.8）, months as 2024年1月, 排名 first, and rates as
    numbers in percent rounded to tenths as the documents round them (so the column sorts by value; `table`
    shows them with RATE_FORMAT and "—" for an empty value, SPEC: a null rate shows as "—", never 0%)."""
    frame = names_not_codes(frame)
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if name in rates:
            # the same rounding as the Word bulletin (govdash.core.formatting), as polars expressions: a Python
            # function inside polars' thread pool deadlocked the server under concurrent sessions
            out.append((rate_tenths_expr(col) / 10).round(1).alias(name))
        elif dtype == pl.Boolean:
            out.append(labels.yes_no_expr(col).alias(name))
        elif name in VALUE_LABEL_COLUMNS and dtype == pl.Utf8:
            out.append(labels.label_expr(col, VALUE_LABEL_COLUMNS[name]).alias(name))
        elif name in WEEK_COLUMNS and dtype == pl.Utf8:
            out.append(week_range_label_expr(col).alias(name))
        elif name in WEEK_COLUMNS and isinstance(dtype, pl.List):
            out.append(col.list.eval(week_range_label_expr(pl.element())).list.join("、").alias(name))
        elif name in MONTH_COLUMNS and dtype == pl.Utf8:
            out.append(month_label_expr(col).alias(name))
        else:
            out.append(col)
    frame = frame.select(out)
    # a cell shows its characters without invisible and control ones (a warehouse loaded before the ingest's rule)
    frame = frame.with_columns(output_expr(pl.col(n)) for n, t in frame.schema.items() if t == pl.Utf8)
    if "排名" in frame.columns:
        frame = frame.select("排名", pl.exclude("排名"))
    return frame


def table(frame: pl.DataFrame, rates=(), breaches: dict | None = None, **kwargs):
    """st.dataframe with the house display rules (see for_display), full width, no index, "—" for an empty
    value. `breaches` {column: lowest acceptable rate} adds a ⚠ column (after 排名) naming the rates below it."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", EMPTY)
    if breaches:
        flags = [pl.when(pl.col(c) < t).then(pl.lit(f"{c}低于{pct(t)}")) for c, t in breaches.items() if c in frame.columns]
        frame = frame.with_columns(pl.concat_str(flags, separator="、", ignore_nulls=True).alias("⚠"))
        frame = frame.with_columns(pl.when(pl.col("⚠") == "").then(pl.lit(""))
                                   .otherwise(pl.concat_str([pl.lit("⚠ "), pl.col("⚠")])).alias("⚠"))
        first = [c for c in ("排名", "部门", "部门编号") if c in frame.columns]
        frame = frame.select(*first, "⚠", pl.exclude(*first, "⚠"))
    shown = for_display(frame, rates)
    config = {}
    pinned = PINNED_COLUMNS if "排名" in shown.columns else ()
    for name, dtype in shown.schema.items():
        if name in pinned:  # a ranking's rank and name stay in view when the wide table scrolls sideways
            config[name] = st.column_config.Column(name, pinned=True)
        elif isinstance(dtype, pl.Datetime):  # one date-time format, to the minute, as the captions show cut-offs
            config[name] = st.column_config.DatetimeColumn(name, format=DATETIME_FORMAT)
        elif name in rates:
            config[name] = st.column_config.NumberColumn(name, format=RATE_FORMAT)
        elif dtype.is_float():
            config[name] = st.column_config.NumberColumn(name, format=POINTS_FORMAT if name in POINTS_COLUMNS else DECIMAL_FORMAT)
    config.update(kwargs.pop("column_config", None) or {})
    # handed over as Arrow: Streamlit serialises a pyarrow table directly, without a pandas copy per run
    return st.dataframe(shown.to_arrow(), column_config=config, **kwargs)


def start_page(url_path: str, needs_warehouse: bool = True) -> None:
    """Every page's opening: its Chinese heading (its title in the page table), the role check, and, for a page
    that `needs_warehouse`, a clear message (then stop) when the warehouse is missing or broken."""
    title = registry.page(url_path).title   # literal Chinese text of the page table
    st.title(title)
    require_page(url_path)
    if needs_warehouse and not guard_warehouse():
        st.stop()
