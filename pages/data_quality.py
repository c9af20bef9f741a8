"""数据导入与质量: tables and row counts, calendar coverage, the quarantine, and an upload."""
import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from govdash import ui
from govdash.status import warehouse_status
from pipelines.ingest import ingest
from pipelines.limits import load_limits
from warehouse.db import WarehouseError

st.title("数据导入与质量")
ui.require_page("data")

SUMMARY_LABELS = {"file": "文件", "table": "数据表", "rows_read": "读取行数", "rows_loaded": "导入行数",
                  "rows_quarantined": "隔离行数", "duplicates_skipped": "重复跳过", "rows_replaced": "替换旧行",
                  "encoding": "编码", "error": "错误"}

with st.expander("上传数据文件", expanded=ui.current_version() is None):
    max_mb = load_limits().max_upload_mb
    st.caption(f"支持 CSV（UTF-8、带 BOM 的 UTF-8、GBK/GB18030）和 Excel（.xlsx），单个文件不超过 {max_mb} MB。"
               "按文件名或表头识别数据表；有问题的行会被隔离并说明原因，其余行照常导入。")
    uploads = st.file_uploader("选择文件", type=["csv", "xlsx"], accept_multiple_files=True, key="uploads")
    if st.button("开始导入", type="primary", disabled=not uploads):
        too_big = [u.name for u in uploads if u.size > max_mb * 1024 * 1024]
        if too_big:
            st.error(f"文件超过 {max_mb} MB，未导入：{'、'.join(too_big)}")
        else:
            with tempfile.TemporaryDirectory() as tmp, st.status("正在导入…", expanded=True) as status_box:
                paths = []
                for u in uploads:
                    p = Path(tmp) / Path(u.name).name
                    p.write_bytes(u.getbuffer())
                    paths.append(p)
                words = {"read": "读取", "load": "导入", "build": "构建模型"}
                bar = st.progress(0.0)

                def progress(stage, i, n, name):
                    bar.progress(min(i / max(n, 1), 1.0), text=f"{words.get(stage, stage)} {i}/{n}：{name}")

                try:
                    result = ingest(paths, progress=progress)
                except WarehouseError as exc:
                    status_box.update(label="导入失败", state="error")
                    st.error(str(exc))
                else:
                    label = {0: "导入完成", 2: "导入完成（部分行被隔离）", 1: "部分文件无法读取"}[result.exit_code]
                    status_box.update(label=f"{label}，用时 {result.seconds:.1f} 秒",
                                      state="error" if result.exit_code == 1 else "complete")
                    st.session_state["last_ingest"] = result.as_dict()
    if "last_ingest" in st.session_state:
        summary = pl.DataFrame(st.session_state["last_ingest"]["files"]).rename(SUMMARY_LABELS, strict=False)
        ui.table(summary)

if not ui.guard_warehouse():
    st.stop()

try:
    status = warehouse_status()
except WarehouseError as exc:
    st.error(str(exc))
    st.stop()

cal = status["calendar"]
if cal["uncovered_data_years"]:
    st.warning(f"{'、'.join(map(str, cal['uncovered_data_years']))} 年没有官方或录入的节假日安排：这些年份的期限按周一至周五"
               "临时估算，相关数字标注为“暂定”。请以 calendar_overrides 文件录入该年的放假与调休安排。")

c1, c2, c3 = st.columns(3)
c1.metric("数据表总行数", f"{sum(t['rows'] for t in status['tables']):,}")
c2.metric("隔离行数", f"{status['quarantined_rows']:,}")
c3.metric("数据涉及年份", "、".join(map(str, cal["data_years"])) or "—")
st.caption(f"数据仓库：{status['warehouse']}")

st.subheader("数据表与行数")
ui.table(pl.DataFrame(status["tables"]).rename({"table": "数据表", "label": "名称", "rows": "行数"}))

st.subheader("工作日历覆盖")
official = cal["official_years"]
st.write(f"官方放假与调休安排：{official[0]}–{official[1]} 年" if official else "官方放假与调休安排：无")
if cal["override_years"]:
    st.write(f"手工录入（calendar_overrides）覆盖：{'、'.join(map(str, cal['override_years']))} 年")
st.write(f"暂定（按周一至周五估算）年份：{'、'.join(map(str, cal['provisional_years'])) or '无'}")

st.subheader("隔离区")
quarantine = ui.query("""
    select source_file as 文件, table_name as 数据表, source_row as 行号, column_name as 列, value as 值,
           reason as 原因, quarantined_at as 隔离时间
    from quarantine order by source_file, source_row, column_name
""")
if quarantine is None or quarantine.height == 0:
    st.success("没有被隔离的数据行。")
else:
    files = ["全部"] + sorted(quarantine["文件"].unique().to_list())
    chosen = st.selectbox("按文件筛选", files, key="quarantine_file")
    shown = quarantine if chosen == "全部" else quarantine.filter(pl.col("文件") == chosen)
    ui.table(shown)
    st.download_button("下载隔离明细（CSV，Excel 可直接打开）", shown.write_csv(include_bom=True).encode("utf-8"),
                       file_name="隔离明细.csv", mime="text/csv")

st.subheader("最近导入")
runs = ui.query("""
    select started_at as 时间, run_id as 批次, source_file as 文件, table_name as 数据表, rows_read as 读取,
           rows_loaded as 导入, rows_quarantined as 隔离, duplicates_skipped as 重复跳过, rows_replaced as 替换
    from ingest_runs order by started_at desc, source_file limit 50
""")
if runs is not None:
    ui.table(runs)
