"""The 月度通报 page's top block: which bulletin is shown (the published one from the archive, or the one
computed at the month's default cut-off), the cut-off beside the title, 初步 and 数据截至 notices, the
定稿发布 button, the 更正 notice with every changed figure, and the downloads (archived files unchanged)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st

from govdash.core.periods import moment_label, month_label, parse_as_of
from govdash.core.textsafe import md
from govdash.figures import catalogue
from govdash.figures.corrections import SECTION_LABELS
from govdash.web import chrome, data, period, tables, widgets

KIND_LABELS = {"docx": "Word", "xlsx": "Excel", "pdf": "PDF", "json": "JSON"}
NO_PDF = ("本机未安装 LibreOffice，无法生成 PDF；Word 与 Excel 文件不受影响。"
          "管理员可运行 sudo bash scripts/system-deps.sh --runtime 安装。")
CHANGE_COLUMNS = {"section": "部分", "item": "对象", "figure": "数字", "old": "已发布", "new": "重新计算"}


@dataclass
class BulletinView:
    month: str
    as_of: dt.datetime
    b: dict
    prev: dict                 # what it is compared with: the month before's city totals ({"city": …})
    publication: dict | None   # the publication in force (served from the archive), or None
    trend: list | None = None  # the 12 months' city rates it is shown with (stored with a publication)
    extract: dict | None = None   # a department's: its own rows (b is then the city's bulletin, as circulated)


def _published(month: str) -> dict | None:
    pubs = data.figure(catalogue.publications, month) or []
    return pubs[-1] if pubs else None


def _compared_with(month: str, as_of: dt.datetime, b: dict, published: bool) -> tuple[dict, list]:
    """(comparison, trend): a publication's own, stored with it (a later publication of the month before changes
    nothing); else as they stand now (the month before as published when it is, else at the cut-off)."""
    if published and b.get("comparison") is not None:
        return b["comparison"], b.get("trend")
    now = data.figure(catalogue.compared_with, month, as_of)
    return now["comparison"], now["trend"]


def bulletin_view(month: str) -> BulletinView:
    """The month's bulletin for the page (see the module's docstring); shows the notices and the buttons."""
    from govdash.documents.publication import publication_note

    p = data.principal()
    current = _published(month)
    if current is not None:
        chrome.refused_if_altered("bulletin", current["publication_id"])
        as_of = parse_as_of(current["as_of"])   # the sidebar states it, and why a picked cut-off does not apply
        b = data.figure(catalogue.published_bulletin, current["publication_id"])
        # the publisher's name is an account name (text from outside): escaped; the rest is the product's own text
        st.success(publication_note({**current, "published_by": md(current["published_by"])}))
    else:
        as_of = period.cutoff("bulletin")   # the user's pick, else the month's default cut-off
        b = data.figure(catalogue.bulletin, month, as_of)
    extract = None
    if p.is_department:   # SPEC 8.1: the city's bulletin as the committee reads it, then the department's extract
        extract = b
        b = (data.figure(catalogue.circulated_published_bulletin, current["publication_id"]) if current is not None
             else data.figure(catalogue.circulated_bulletin, month, as_of))
    widgets.cutoff_notice(b)
    prev, trend = _compared_with(month, as_of, b, current is not None)
    if current is None and p.can_publish:
        _publish_block(month, as_of, b)
    elif current is not None and p.sees_all:   # a recomputation's comparison and trend differing too is a correction
        live = {**data.figure(catalogue.bulletin, month, as_of), **data.figure(catalogue.compared_with, month, as_of)}
        _correction_block(month, current, b, live)
    flash = st.session_state.pop("publish_flash", None)
    if flash:
        st.success(flash)
    return BulletinView(month, as_of, b, prev, current, trend, extract)


def stored_files_label(kinds) -> str:
    """What a publication stored, as a reader names it: 月度通报 Word、PDF、Excel、JSON 文件 (never file names)."""
    stored = set(kinds)
    order = [k for k in ("docx", "pdf", "xlsx", "json") if k in stored]
    return "月度通报 " + "、".join(KIND_LABELS[k] for k in order) + " 文件"


def _publish(month: str, as_of: dt.datetime | None, correction: bool = False, reason: str = "") -> None:
    from govdash.core.principal import AccessDenied
    from govdash.documents.publication import PUBLISH_STEPS, PublishError, publish_month
    from warehouse.db import WarehouseError

    what = "发布更正版" if correction else "定稿发布"
    # publishing renders every file and takes seconds: each named step is shown as it starts
    with st.status(f"正在{what}{month_label(month)}通报……", expanded=True) as status:
        bar = st.progress(0.0)
        steps_begun: list[str] = []

        def progress(step: str) -> None:
            if steps_begun:
                status.write(f"✓ {steps_begun[-1]}")
            steps_begun.append(step)
            bar.progress(min(len(steps_begun) / len(PUBLISH_STEPS), 1.0), text=f"{step}……")

        try:
            record = publish_month(month, data.principal(), as_of=as_of, correction=correction, reason=reason,
                                   progress=progress)
        except (PublishError, AccessDenied, WarehouseError) as exc:
            status.update(label=f"未能{what}", state="error")
            st.error(md(exc))
            return
        status.write(f"✓ {steps_begun[-1]}")
        status.update(label=f"已{what}", state="complete", expanded=False)
    st.session_state["publish_flash"] = (f"已{what}{month_label(month)}通报（第 {record['version']} 版）：已存入"
                                         + stored_files_label(f["kind"] for f in record["files"]) + "。")
    st.rerun()


def _publish_block(month: str, as_of: dt.datetime, b: dict) -> None:
    with st.expander("定稿发布", expanded=False):
        if b.get("provisional"):
            st.info(f"截止时点早于本月正式截止时点 {moment_label(parse_as_of(b['final_cutoff']))}，"
                    "初步数据不能定稿发布。")
            return
        st.markdown(f"以截止 **{moment_label(as_of)}** 的数字定稿发布{month_label(month)}通报：JSON、Word、Excel"
                    "（及 PDF）连同校验值存入数据仓库归档，此后页面、下载和命令行均按原样提供，"
                    "不随之后导入的数据变化。")
        ok = st.checkbox(f"我已核对{month_label(month)}通报，确认定稿发布（发布后不可修改）", key="publish_confirm")
        if st.button("定稿发布", disabled=not ok, key="publish_button", type="primary"):
            _publish(month, as_of)


# what a change in these sections comes from: the month before (its publication or correction since, or its data)
COMPARED_SECTIONS = {SECTION_LABELS["comparison"], SECTION_LABELS["trend"]}


def _correction_cause(changes: list[dict]) -> str:
    """Why a recomputation differs, as far as the changed sections tell: only the comparison with earlier months
    (an earlier month published, corrected or re-imported since), or the month's own figures (data imported since)."""
    if {c["section"] for c in changes} <= COMPARED_SECTIONS:
        return "仅与上月对比和近12个月趋势有关：此后之前月份的通报已定稿发布或更正，或之前月份的数据有更新"
    return "之后导入了更正的数据"


def _correction_block(month: str, current: dict, published: dict, live: dict) -> None:
    """After publishing, the committee checks the month again here: the figures recomputed at the published
    cut-off against the published ones, and, when they differ, the changes and the correction's publish."""
    from govdash.figures.corrections import changed_figures

    changes = changed_figures(published, live)
    if changes:
        st.warning(f"更正：按同一截止时点重新计算，{month_label(month)}通报有 {len(changes)} 项数字与已发布版本不同"
                   f"（{_correction_cause(changes)}）。已发布的文件保持不变。")
    with st.expander("核对更正", expanded=bool(changes)):
        if not changes:
            st.success(f"按已发布的截止时点 {moment_label(parse_as_of(current['as_of']))} 重新计算：与已发布版本相同，"
                       "无需更正。")
            return
        tables.table(pl.DataFrame(changes).select(list(CHANGE_COLUMNS)).rename(CHANGE_COLUMNS),
                     key="correction_changes")
        if not data.principal().can_publish:
            st.caption("只有基层治理委员会账号可以发布更正版。")
            return
        reason = st.text_input("更正原因", key="correction_reason")
        version = current["version"]
        ok = st.checkbox(f"确认发布更正版（第 {version + 1} 版，替代第 {version} 版；原版本保留）",
                         key="correction_confirm")
        if st.button("发布更正版", disabled=not (ok and reason.strip()), key="correction_button"):
            _publish(month, None, correction=True, reason=reason)


def downloads(view: BulletinView) -> None:
    """Download buttons: a published month's stored files byte for byte (committee, assessment office); a
    department's view of a published month rendered from the published figures; else the computed bulletin."""
    from govdash.documents import documents
    from govdash.documents.pdf import soffice
    from govdash.documents.publication import MIME

    p = data.principal()
    pub = view.publication
    if pub is not None and p.sees_all:
        kinds = [k for k in ("docx", "xlsx", "pdf", "json") if k in pub["kinds"]]
        cols = st.columns(len(kinds))
        for col, kind in zip(cols, kinds):
            name, mime, content = data.figure(catalogue.published_file, pub["publication_id"], kind)
            col.download_button(f"下载 {KIND_LABELS[kind]} 通报（已发布）", content, file_name=name, mime=mime,
                                on_click="ignore", key=f"published_{kind}")
        for kind, why in (pub.get("skipped_kinds") or {}).items():
            st.caption(f"未归档 {KIND_LABELS.get(kind, kind)}：{md(why)}")
        return
    kinds = [k for k in ("docx", "xlsx", "pdf") if k in documents.BULLETIN_FORMATS]
    cols = st.columns(len(kinds))
    for col, kind in zip(cols, kinds):
        if view.extract is not None:  # a department: the city's bulletin (as published, if it is) and its extract
            def payload(k=kind, b=view.b, prev=view.prev, extract=view.extract):
                return documents.render_bulletin(k, b, prev if k in ("docx", "pdf") else None, extract)
        else:
            payload = data.report_bytes(kind, view.month, view.as_of)
        if kind == "pdf" and soffice() is None:   # a button here would fail on click: the reason in its place
            col.caption(NO_PDF)
            continue
        col.download_button(f"下载 {KIND_LABELS[kind]} 通报", payload, file_name=f"{view.month}-月度通报.{kind}",
                            mime=MIME[kind], on_click="ignore")
