"""数据导入与质量: tables and row counts, calendar coverage, the quarantine, and an upload; the reminders' digests
that failed today and, for the committee, the reminders' channels (govdash.web.notify_panel).

The quarantine can be millions of rows (a hostile file): the page reads its counts by SQL aggregation
and one page of its rows at a time (LIMIT/OFFSET), and the download is built on click and bounded
([limits] max_quarantine_download_rows). The upload is bounded by [limits] max_upload_mb.
"""
import logging
import math
import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from govdash.core.labels import label_expr
from govdash.core.periods import server_to_local_expr
from govdash.core.tables import table_specs
from govdash.core.textsafe import csv_bytes, md
from govdash.figures import catalogue
from govdash.figures.data_quality import quarantine_detail, warehouse_status
from govdash.web import chrome, data, notify_panel, sessions, tables
from pipelines.ingest import ingest
from pipelines.limits import Limits, LimitsError, load_limits
from warehouse.db import WarehouseError, connect_read, read_cursor
from warehouse.schema import quarantine_note

log = logging.getLogger(__name__)

# uploads are how an empty warehouse gets its data: the page opens without one
chrome.start_page("data", needs_warehouse=False)
with chrome.section("提醒发送情况"):   # a records database out of reach leaves the upload usable
    notify_panel.failing_today()

SUMMARY_LABELS = {"file": "文件", "table": "数据表", "rows_read": "读取行数", "rows_loaded": "导入行数",
                  "rows_quarantined": "隔离行数", "duplicates_skipped": "重复跳过", "rows_replaced": "替换旧行",
                  "cells_cleaned": "清理字符的单元格", "encoding": "编码", "error": "错误", "warning": "提示"}
PAGE_ROWS = 200  # quarantine rows shown at a time
# a data table is named by its Chinese label (govdash.core.tables), never by its name in the warehouse
TABLE_LABELS = {spec.name: spec.label for spec in table_specs().values()}


def table_named(frame: pl.DataFrame, column: str = "数据表") -> pl.DataFrame:
    return frame.with_columns(label_expr(column, TABLE_LABELS).alias(column)) if column in frame.columns else frame


def uploader_in_chinese(max_mb: int) -> None:
    """Streamlit's file uploader speaks English ("Upload", "200MB per file • CSV, XLSX") and 1.67 has no option for
    its texts: the page's own CSS shows Chinese help instead (the label and the caption above say the rest)."""
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button > * {{ display: none !important; }}
[data-testid="stFileUploaderDropzone"] button::after {{ content: "选择文件"; font-size: 14px; }}
[data-testid="stFileUploaderDropzoneInstructions"] > * {{ display: none !important; }}
[data-testid="stFileUploaderDropzoneInstructions"]::after {{
  content: "或把文件拖到这里 · CSV 或 Excel（.xlsx），单个文件不超过 {int(max_mb)} MB"; font-size: 14px; opacity: 0.7; }}
</style>""")  # noqa: E501 — CSS sent to the browser as written; a wrap would change its bytes
ALL_FILES = "全部"
try:
    limits, limits_error = load_limits(), None
except LimitsError as exc:
    limits, limits_error = Limits(), str(exc)
# Streamlit's server.maxUploadSize is the ceiling the server enforces; the smaller of the two applies
max_mb = min(limits.max_upload_mb, int(st.get_option("server.maxUploadSize")))


def run_upload(uploads) -> None:
    with tempfile.TemporaryDirectory() as tmp, st.status("正在导入…", expanded=True) as status_box:
        paths = []
        for u in uploads:
            p = Path(tmp) / Path(u.name).name
            p.write_bytes(u.getbuffer())
            paths.append(p)
        words = {"read": "读取", "load": "导入", "build": "构建模型"}
        bar = st.progress(0.0)

        def progress(stage, i, n, name):
            bar.progress(min(i / max(n, 1), 1.0), text=f"{words.get(stage, stage)} {i}/{n}：{md(name)}")

        try:
            result = ingest(paths, progress=progress)
        except (WarehouseError, LimitsError) as exc:
            status_box.update(label="导入失败", state="error")
            st.error(md(exc))
        except Exception:  # never a traceback in the browser: the run changed nothing, the log has the detail
            log.exception("上传导入失败")
            status_box.update(label="导入失败", state="error")
            st.error("导入失败：出现意外错误，本次导入未做任何更改（详情已记入服务器日志）")
        else:
            label = {0: "导入完成", 2: "导入完成（部分行被隔离）", 1: "部分文件无法读取"}[result.exit_code]
            status_box.update(label=f"{label}，用时 {result.seconds:.1f} 秒",
                              state="error" if result.exit_code == 1 else "complete")
            st.session_state["last_ingest"] = result.as_dict()
    # a new uploader key lets Streamlit drop the uploaded bytes once they are loaded
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1


def quarantine_csv(file: str) -> bytes:
    """The quarantine's first rows as CSV (Excel opens it directly, formula-like values escaped), read when
    the button is clicked (outside the script run: its own read connection, closed after)."""
    con = connect_read()
    try:
        frame = quarantine_detail(read_cursor(con), file, limits.max_quarantine_download_rows, 0)
    finally:
        con.close()
    return csv_bytes(frame)


with st.expander("上传数据文件", expanded=data.current_version() is None):
    st.caption(f"支持 CSV（UTF-8、带 BOM 的 UTF-8、GBK/GB18030）和 Excel（.xlsx），单个文件不超过 {max_mb} MB。"
               "按文件名或表头识别数据表（Excel 的每个工作表分别识别）；有问题的行会被隔离并说明原因，其余行照常导入。")
    if limits_error:
        st.error(f"导入设置有误，暂不能导入：{md(limits_error)}")
    uploader_in_chinese(max_mb)
    uploads = st.file_uploader("选择数据文件（可多选）", type=["csv", "xlsx"], accept_multiple_files=True,
                               max_upload_size=max_mb,
                               key=f"uploads_{st.session_state.get('upload_round', 0)}", disabled=bool(limits_error))
    if st.button("开始导入", type="primary", disabled=not uploads or bool(limits_error)):
        too_big = [u.name for u in uploads if u.size > max_mb * 1024 * 1024]
        if too_big:
            st.error(f"文件超过 {max_mb} MB，未导入：{'、'.join(md(n) for n in too_big)}")
        else:
            run_upload(uploads)
    if "last_ingest" in st.session_state:
        summary = pl.DataFrame(st.session_state["last_ingest"]["files"]).rename(SUMMARY_LABELS, strict=False)
        tables.table(table_named(summary))

SCOPE_LABELS = {"account": "账号（同一地址）", "address": "地址（不论账号）", "device": "账号（曾登录过的浏览器）",
                "account_total": "账号（各地址合计）"}


def sign_in_failures() -> None:
    """Failed sign-ins and locks (govdash.web.sessions.Throttle): which accounts are being guessed at, from which
    addresses, since when and until when they are locked; the committee can clear them."""
    st.subheader("登录失败与锁定")
    throttle = sessions.shared_throttle()
    settings = throttle.settings
    try:
        rows = throttle.entries()
    except sessions.SignInStateError as exc:
        log.error("sign-in state unavailable on the data page: %s", exc)
        st.error(sessions.unavailable_text(exc.kind))
        return
    if unlocked := st.session_state.pop("unlocked", None):
        kind, name, cleared = unlocked
        st.success(f"已解除{'账号' if kind == 'account' else '地址'}“{md(name)}”的锁定，清除 {cleared} 条失败记录。")
    if not rows:
        st.caption(f"最近 {settings.account.window_minutes:g} 分钟内没有失败的登录，也没有被锁定的账号或地址。")
        return
    accounts = sorted({r["account"] for r in rows if r["account"]})
    addresses = sorted({r["address"] for r in rows if r["scope"] == "address"})
    locked = [r for r in rows if r["locked_until"]]
    st.warning(f"有 {len(accounts)} 个账号、{len({r['address'] for r in rows if r['address']})} 个地址出现失败登录，"
               f"其中 {len(locked)} 项正被锁定。锁定只限制出错的地址或浏览器：此前成功登录过的浏览器仍可登录。"
               "如非本人操作，可能有人在猜测密码。")
    tables.table(pl.DataFrame([{
        "类别": SCOPE_LABELS[r["scope"]], "账号": r["account"], "地址": r["address"], "浏览器标识": r["device"],
        "失败次数": r["failures"], "首次失败": sessions.format_moment(r["since"], settings),
        "最近失败": sessions.format_moment(r["last_failure"], settings),
        "锁定至": sessions.format_until(r["locked_until"], settings) if r["locked_until"] else "未锁定"} for r in rows],
        schema_overrides={"失败次数": pl.Int64}))
    if not data.principal().can_unlock_sign_ins:
        st.caption("解除锁定须由基层治理委员会账号操作。")
        return
    targets = [("account", a) for a in accounts] + [("address", a) for a in addresses]
    chosen = st.selectbox("解除锁定的对象", targets, key="unlock_target",
                          format_func=lambda t: f"账号：{t[1]}" if t[0] == "account" else f"地址：{t[1]}")
    if st.button("解除锁定并清除失败记录", key="unlock_button"):
        kind, name = chosen
        try:
            cleared = throttle.unlock(name) if kind == "account" else throttle.unlock_address(name)
        except sessions.SignInStateError as exc:
            log.error("sign-in state unavailable while unlocking: %s", exc)
            st.error(sessions.unavailable_text(exc.kind))
            return
        log.warning("sign-in unlocked on the data page by %r: %s %r", data.principal().username, kind, name)
        st.session_state["unlocked"] = (kind, name, cleared)
        st.rerun()


sign_in_failures()
with chrome.section("提醒渠道"):
    notify_panel.channels()

if not chrome.guard_warehouse():
    st.stop()

try:
    status = warehouse_status()
except WarehouseError as exc:
    st.error(md(exc))
    st.stop()

cal = status["calendar"]
if cal["uncovered_data_years"]:
    st.warning(f"{'、'.join(map(str, cal['uncovered_data_years']))} 年没有官方或录入的节假日安排："
               "这些年份的期限按周一至周五临时估算，相关数字标注为“暂定”。请上传节假日调整文件（"
               "calendar_overrides.csv）录入该年的放假与调休安排。")

c1, c2, c3 = st.columns(3)
c1.metric("数据表总行数", f"{sum(t['rows'] for t in status['tables']):,}")
c2.metric("隔离行数", f"{status['quarantined_rows']:,}")
c3.metric("数据涉及年份", "、".join(map(str, cal["data_years"])) or "—")
st.caption(f"数据仓库：{md(status['warehouse'])}")

st.subheader("数据表与行数")
tables.table(pl.DataFrame(status["tables"]).select(pl.col("label").alias("数据表"), pl.col("rows").alias("行数")))

st.subheader("工作日历覆盖")
official = cal["official_years"]
st.write(f"官方放假与调休安排：{official[0]}–{official[1]} 年" if official else "官方放假与调休安排：无")
if cal["override_years"]:
    st.write(f"手工录入的节假日安排覆盖：{'、'.join(map(str, cal['override_years']))} 年")
st.write(f"暂定（按周一至周五估算）年份：{'、'.join(map(str, cal['provisional_years'])) or '无'}")

st.subheader("隔离区")
with chrome.section("隔离区"):   # one part failing leaves the rest of the page (and the upload above) usable
    by_file = data.figure(catalogue.quarantine_by_file)
    if by_file is None or by_file.height == 0:
        st.success("没有被隔离的数据行。")
    else:
        for f in by_file.iter_rows(named=True):
            if note := quarantine_note(f["rows"], f["reasons"], f["reasons_kept"]):
                st.caption(f"{md(f['source_file'])}：{note}")
        tables.table(table_named(by_file.select(pl.col("source_file").alias("文件"),
                                                pl.col("table_name").alias("数据表"),
                                            pl.col("rows").alias("隔离行数"), pl.col("reasons").alias("问题条数"),
                                            pl.col("reasons_kept").alias("保留明细条数"))))
        with st.expander("各列的问题条数"):
            tables.table(data.figure(catalogue.quarantine_by_column).select(
                pl.col("source_file").alias("文件"), pl.col("column_name").alias("列"),
                pl.col("rows").alias("隔离行数"),
                pl.col("reasons").alias("问题条数"), pl.col("reasons_kept").alias("保留明细条数")))
        chosen = st.selectbox("按文件筛选", [ALL_FILES] + by_file["source_file"].to_list(), key="quarantine_file")
        file = "" if chosen == ALL_FILES else chosen
        kept = int((by_file.filter(pl.col("source_file") == file) if file else by_file)["reasons_kept"].sum())
        pages = max(math.ceil(kept / PAGE_ROWS), 1)
        page = st.number_input(f"页码（共 {pages:,} 页，每页 {PAGE_ROWS} 条）", min_value=1, max_value=pages, value=1,
                               key="quarantine_page")
        tables.table(table_named(data.figure(catalogue.quarantine_detail, file, PAGE_ROWS, (int(page) - 1) * PAGE_ROWS)
                             .with_columns(server_to_local_expr("隔离时间"))))
        st.download_button("下载隔离明细（CSV，Excel 可直接打开）", lambda: quarantine_csv(file),
                           file_name="隔离明细.csv", mime="text/csv", on_click="ignore")
        if kept > limits.max_quarantine_download_rows:
            st.caption(f"下载内容为前 {limits.max_quarantine_download_rows:,} 条明细"
                       "（设置 [limits] max_quarantine_download_rows）")

st.subheader("最近导入")
with chrome.section("最近导入"):
    runs = data.figure(catalogue.recent_ingests)
    if runs is not None:
        # import times as China time, like every cut-off and timestamp the pages show
        tables.table(table_named(runs.with_columns(server_to_local_expr("时间"))))
