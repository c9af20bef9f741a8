"""What every page has around its figures: its heading and role check, the message in place of a missing or
broken warehouse, the message in place of a part of the page that failed or of a publication that failed the
archive's verification, and the server's line per script run."""
from __future__ import annotations

from contextlib import contextmanager

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from govdash.core.scoring import ScoringSettingsError
from govdash.core.textsafe import md
from govdash.figures.disputes import DisputeSettingsError
from govdash.web import data, incidents, period, registry, sessions
from warehouse.db import WarehouseError, warehouse_error_message

NO_DATA = "数据仓库还没有数据。请在“数据导入与质量”页面上传文件，或运行 govdash ingest sample_data。"


def log_script_run(page: str, seconds: float, cpu_seconds: float) -> None:
    """One line per script run: wall time, and the CPU time of the script's own thread (what the run cost,
    apart from waiting for the GIL, the cores or a cache being filled by another session)."""
    ctx = get_script_run_ctx()
    data.run_logger().info("script-run page=%s seconds=%.3f session=%s cpu=%.3f", page, seconds,
                           ctx.session_id if ctx else "-", cpu_seconds)


def guard_warehouse() -> bool:
    """Show a clear message instead of a traceback when the warehouse is missing or broken."""
    if data.current_version() is None:
        st.info(NO_DATA)
        return False
    try:
        data.connection(data.current_version())
    except WarehouseError as exc:
        st.error(md(exc))
        return False
    return True


def section_failure(title: str, exc: BaseException) -> str:
    """What the reader sees in place of a part of a page that failed: the part, the cause in Chinese (a value out of
    range, a warehouse to rebuild, the file) and an incident id; the traceback goes to the server log under that id."""
    incident = incidents.record(exc, f"section {title!r} failed")
    if isinstance(exc, duckdb.Error):
        cause = warehouse_error_message(exc)
    elif isinstance(exc, WarehouseError):
        cause = str(exc)
    elif isinstance(exc, (ScoringSettingsError, DisputeSettingsError)):   # the message names the setting
        cause = f"{exc}（请系统管理员修改设置文件）"
    elif isinstance(exc, OverflowError):
        cause = "日期或数值超出范围（数据中可能有不合理的取值，请在“数据导入与质量”页面检查）"
    else:
        cause = "出现意外错误"
    return f"“{title}”部分无法显示：{cause}（事件编号 {incident}）。页面其余部分不受影响。"


@contextmanager
def section(title: str):
    """One part of a page (`with chrome.section("近 12 个月趋势"):`): when it fails, a Chinese message naming the part
    and the cause takes its place and the rest of the page still renders. Streamlit's own stop and rerun pass through
    (they are not Exceptions)."""
    try:
        yield
    except Exception as exc:
        st.error(md(section_failure(title, exc)))


def refused_if_altered(kind: str, publication_id: str) -> None:
    """A publication whose seal fails is not shown: the page says 归档未通过校验 (which month or period, what broke)
    in place of its figures and downloads, and stops."""
    failure = data.archive_failure(kind, publication_id)
    if failure is not None:
        st.error(md(failure) + "。已发布的数字不予显示，请联系管理员（govdash verify）。")
        st.stop()


def require_page(url_path: str) -> None:
    """Deny by default at the page itself too: a page the signed-in role may not open shows nothing,
    even when reached by a URL outside app.py's navigation."""
    if url_path not in registry.allowed_pages(sessions.current_principal()):
        st.error("无权查看此页面，请先登录或联系管理员。")
        st.stop()


def start_page(url_path: str, needs_warehouse: bool = True) -> None:
    """Every page's opening: its Chinese heading (its title in the page table), the role check, and, for a page
    that `needs_warehouse`, a clear message (then stop) when the warehouse is missing or broken."""
    title = registry.page(url_path).title   # literal Chinese text of the page table
    st.title(title)
    require_page(url_path)
    period.ensure(url_path)   # the page's period and cut-off (drawn by the router, or here for a page run alone)
    if needs_warehouse and not guard_warehouse():
        st.stop()
