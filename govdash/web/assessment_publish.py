"""The 年度考核 page's top block: which assessment is shown (the published one from the archive, or the one computed
at the period's default cut-off), the 定稿 button for the assessment office, the 更正 notice listing every changed
score with the correction button, and the workbook download (the archived file unchanged once published)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st

from govdash.core.periods import moment_label, parse_as_of
from govdash.core.textsafe import md
from govdash.figures import catalogue
from govdash.web import chrome, data, period, tables

CHANGE_COLUMNS = {"dept_name": "部门", "figure": "项目", "old": "已定稿", "new": "重新计算"}


@dataclass
class AssessmentView:
    year: int
    quarter: int | None
    as_of: dt.datetime
    result: dict
    publication: dict | None   # the publication in force (served from the archive), or None


def assessment_view(year: int, quarter: int | None, scoring_key: str) -> AssessmentView:
    """The period's assessment for the page (see the module's docstring); shows the notices and the buttons."""
    from govdash.documents.assessment_publication import publication_note

    pubs = data.figure(catalogue.assessment_publications, year, quarter) or []
    current = pubs[-1] if pubs else None
    if current is not None:
        chrome.refused_if_altered("assessment", current["publication_id"])
        as_of = parse_as_of(current["as_of"])   # the sidebar states it, and why a picked cut-off does not apply
        result = data.figure(catalogue.published_assessment, current["publication_id"])
        # the publisher's name is an account's name (text from outside): escaped
        st.success(publication_note({**current, "published_by": md(current["published_by"])}))
    else:
        as_of = period.cutoff("assessment")   # the user's pick, else the period's default cut-off
        result = data.figure(catalogue.assessment_result, year, quarter, as_of, scoring_key)
    view = AssessmentView(year, quarter, as_of, result, current)
    p = data.principal()
    if current is None and p.can_publish_assessment:
        _publish_block(view)
    elif current is not None and p.sees_all:
        _correction_block(view, data.figure(catalogue.assessment_result, year, quarter, as_of, scoring_key))
    flash = st.session_state.pop("assessment_publish_flash", None)
    if flash:
        st.success(flash)
    return view


def _publish(view: AssessmentView, correction: bool = False, reason: str = "") -> None:
    from govdash.core.principal import AccessDenied
    from govdash.documents.assessment_publication import AssessmentPublishError, publish_assessment
    from warehouse.db import WarehouseError

    try:
        record = publish_assessment(view.year, view.quarter, data.principal(), correction=correction, reason=reason)
    except (AssessmentPublishError, AccessDenied, WarehouseError) as exc:
        st.error(md(exc))
        return
    st.session_state["assessment_publish_flash"] = (
        f"已{'发布更正版' if correction else '定稿'} {record['publication_id']}："
        + "、".join(f["file_name"] for f in record["files"]))
    st.rerun()


def _publish_block(view: AssessmentView) -> None:
    period = view.result["period"]
    with st.expander("定稿", expanded=False):
        if view.result.get("provisional"):
            st.info(f"本期正式截止时点 {moment_label(parse_as_of(view.result['final_cutoff']))} 尚未到达，"
                    "初步数据不能定稿。")
            return
        st.markdown(f"以截止 **{moment_label(view.as_of)}** 的数据和当前评分设置定稿{period}考核：考核数据和 Excel "
                    "考核表连同校验值存入数据仓库归档，此后页面、"
                    "下载和命令行均按原样提供，不随之后的数据或评分设置变化。")
        ok = st.checkbox(f"我已核对{period}考核结果，确认定稿（定稿后不可修改，只能发布更正版）",
                         key="assessment_publish_confirm")
        if st.button("定稿", disabled=not ok, key="assessment_publish_button", type="primary"):
            _publish(view)


def _correction_block(view: AssessmentView, live: dict) -> None:
    from govdash.figures.published_assessments import changed_scores

    changes = changed_scores(view.result, live)
    if not changes:
        return
    current = view.publication
    st.warning(f"更正：按同一截止时点和当前评分设置重新计算，{view.result['period']}考核有 {len(changes)} 项得分或排名"
               "与定稿版本不同。已定稿的结果和文件保持不变。")
    tables.table(pl.DataFrame(changes).select(list(CHANGE_COLUMNS)).rename(CHANGE_COLUMNS), key="assessment_changes")
    if not data.principal().can_publish_assessment:
        st.caption("只有考绩办账号可以发布更正版。")
        return
    reason = st.text_input("更正原因", key="assessment_correction_reason")
    ok = st.checkbox(f"确认发布更正版（第 {current['version'] + 1} 版，替代第 {current['version']} 版；原版本保留）",
                     key="assessment_correction_confirm")
    if st.button("发布更正版", disabled=not (ok and reason.strip()), key="assessment_correction_button"):
        _publish(view, correction=True, reason=reason)


def download(view: AssessmentView) -> None:
    """The workbook: a published period's stored file byte for byte (committee, assessment office); else the
    workbook of what the page shows (a department: its own view)."""
    from govdash.documents.assessment_publication import MIME

    pub = view.publication
    if pub is not None and data.principal().sees_all:
        name, mime, content = data.figure(catalogue.published_assessment_file, pub["publication_id"], "xlsx")
        st.download_button("下载 Excel 考核表（已定稿）", content, file_name=name, mime=mime, key="assessment_xlsx",
                           on_click="ignore")
        return
    st.download_button("下载 Excel 考核表", data.assessment_bytes(view.result),
                       file_name=f"{view.result['period']}考核.xlsx",
                       mime=MIME["xlsx"], key="assessment_xlsx", on_click="ignore")
