"""申诉核减 on the pages (SPEC §9): the filing form a department fills for an item of its own (on 部门自查 and on the
case page), and each dispute as its users see it on the 申诉核减 page — item, reasons, attachments, deadlines, the
trail of its steps — with the actions the signed-in account may take (撤回, 申请复核, 初审 or 复核).

Nothing here decides: every action goes to the workflow's rules (govdash.figures.disputes) with the signed-in
principal, which check ownership, roles, windows and the rest, and refuse in Chinese; the page shows the refusal as
text. Actions run as the buttons' callbacks, before the page is drawn, so the page after a click shows the new state;
the outcome is kept for that run as a flash message."""
from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

from govdash.core.labels import STATUS_LABELS
from govdash.core.periods import day_label, month_label
from govdash.core.principal import Principal
from govdash.core.textsafe import md, output_text
from govdash.figures import disputes as workflow
from govdash.records import disputes as records
from govdash.web import chrome, data, tables

CASE_PAGE = "pages/case.py"
FLASH = "dispute_flash"
# what each ground asks for besides the reason (the rules in govdash.figures.disputes say when it is needed)
REF_LABELS = {workflow.ADMITTED: "准入清单中的事项名称", workflow.BY_LAW: "所依据的法律法规"}
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
# characters no file name a browser saves should hold (paths, Windows' reserved ones, quotes)
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
UNIT_LABELS = {"assessment": "考绩办", "committee": "基层治理委员会"}


# ---------------------------------------------------------------- outcome of an action

def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    """The outcome of the action just taken (the callback ran before this page run), shown once; a refusal's
    message as its own characters."""
    kind, text = st.session_state.pop(FLASH, (None, None))
    if kind == "success":
        st.success(md(text))
    elif kind == "error":
        st.error(md(text))


def _run(action, success: str) -> None:
    """One action with the workflow's rules: its refusal (or a concurrent step on the same dispute) is the flash."""
    try:
        result = action()
    except (workflow.DisputeRefused, workflow.DisputeSettingsError, records.DisputeConflict) as exc:
        _flash("error", str(exc))
        return
    _flash("success", success.format(result=result))


# ---------------------------------------------------------------- filing

def assignment_items(frame: pl.DataFrame | None, dept_id: str) -> dict[str, str]:
    """The department's assignments in `frame` (event_id, dept_id, dispatched_at, status) as items to dispute,
    one per event: the pair's latest assignment is the item (the rules pick it at the filing)."""
    if frame is None or frame.height == 0:
        return {}
    own = frame.filter(pl.col("dept_id") == dept_id).sort("dispatched_at", "event_id", descending=[True, False])
    items: dict[str, str] = {}
    for row in own.iter_rows(named=True):
        item = f"assignment:{row['event_id']}/{dept_id}"
        if item not in items:
            status = STATUS_LABELS.get(row["status"], "")
            items[item] = (f"派单：事件 {row['event_id']}（派单 {row['dispatched_at']:%Y-%m-%d %H:%M}"
                           + (f"，{status}" if status else "") + "）")
    return items


def burden_items(frame: pl.DataFrame | None) -> dict[str, str]:
    """The department's burden-list entries in `frame` (burden_records: task_id, issued_at, category) as items."""
    if frame is None or frame.height == 0:
        return {}
    return {f"burden:{row['task_id']}": f"负担清单事项：任务 {row['task_id']}（{row['category'] or '—'}，下派 "
                                        f"{row['issued_at']:%Y-%m-%d}）" for row in frame.iter_rows(named=True)}


def filing_form(items: dict[str, str], key: str) -> None:
    """申诉 for an item of the signed-in department: `items` maps an item (govdash.figures.disputes' item text) to
    its Chinese label. Only a department account sees the form; the rules check the item is its own."""
    p = data.principal()
    if not p.is_department or not p.dept_id or not items:
        return
    show_flash()
    with chrome.section("申诉"), st.expander("申诉：对本部门事项提出申诉核减"):
        item = st.selectbox("申诉事项", list(items), format_func=items.get, key=f"{key}_item")
        settings = workflow.dispute_settings(data.settings())
        kind = workflow.parse_item(item).kind
        ground = st.selectbox("申诉理由", settings.grounds[kind], key=f"{key}_ground")
        st.text_area("申诉说明", key=f"{key}_reason", placeholder="写明申诉的事实与理由（必填）")
        if ground == workflow.EXTENSION:
            st.number_input("申请延长的工作日数", min_value=1, max_value=60, step=1, value=1, key=f"{key}_days")
        if ground == workflow.DUPLICATE:
            st.text_input("所重复的事件编号", key=f"{key}_duplicate", placeholder="例如 E20240000094")
        if ground == workflow.MISRATED:
            st.text_area("回访记录（何时、联系何人、结果）", key=f"{key}_contact")
        if ground in REF_LABELS:
            st.text_input(REF_LABELS[ground], key=f"{key}_ref")
        st.file_uploader(f"附件（PDF、JPG 或 PNG，每个不超过 {settings.attachment_max_mb:g} MB，最多 "
                         f"{settings.attachment_max_count} 个）", type=["pdf", "jpg", "jpeg", "png"],
                         accept_multiple_files=True, key=f"{key}_files")
        st.button("提交申诉", key=f"{key}_submit", on_click=_file, args=(p, key), type="primary")


def _file(p: Principal, key: str) -> None:
    state = st.session_state
    ground = state.get(f"{key}_ground")

    def value(name: str, needed: bool):
        return state.get(f"{key}_{name}") if needed else None

    def action() -> int:
        days = value("days", ground == workflow.EXTENSION)
        files = [(f.name, f.getvalue()) for f in state.get(f"{key}_files") or []]
        with data.warehouse_cursor() as cur:
            return workflow.file_dispute(
                cur, p, state.get(f"{key}_item"), ground, state.get(f"{key}_reason"),
                days=None if days is None else int(days),
                duplicate_of=value("duplicate", ground == workflow.DUPLICATE),
                contact=value("contact", ground == workflow.MISRATED),
                ref=value("ref", ground in REF_LABELS), attachments=files)

    _run(action, "已提交申诉（编号 {result}）。可在“申诉核减”页面查看办理进度。")


# ---------------------------------------------------------------- one dispute

def period_label(period: str) -> str:
    """A ratings period ("YYYY-MM" or "YYYY") as the pages name periods: 2024年9月, 2024年."""
    return month_label(period) if len(period) == 7 else f"{period}年"


def item_label(d: dict, names: dict[str, str], jpcs: dict[str, str] | None = None) -> str:
    """A disputed item in Chinese: the event and department of an assignment, a rating row's period, committee and
    department, a burden entry's task."""
    if d["item_kind"] == "assignment":
        return f"事件 {d['event_id']} 派给{names.get(d['dept_id'], d['dept_id'])}的派单"
    if d["item_kind"] == "rating":
        jpc = (jpcs or {}).get(d["jpc_id"], f"联合党委 {d['jpc_id']}")
        return f"{period_label(d['rating_period'])}{jpc}对{names.get(d['dept_id'], d['dept_id'])}的评价"
    return f"任务 {d['task_id']}（{names.get(d['dept_id'], d['dept_id'])}）"


def is_overdue(d: dict, current: dt.datetime) -> bool:
    """Pending past its ruling deadline (逾期未裁定)."""
    deadline = records.ruling_deadline(d["steps"])
    return d["state"] in records.PENDING and deadline is not None and current > deadline


def review_window_end(d: dict) -> dt.datetime | None:
    """The last moment a rejection at 初审 may be taken to 复核, while it still may be (rejected, not escalated)."""
    if d["state"] != "rejected" or any(s["step"] in ("escalated", "reviewed") for s in d["steps"]):
        return None
    ruled = next((s for s in d["steps"] if s["step"] == "ruled"), None)
    return None if ruled is None else ruled["deadline"]


def download_name(d: dict, attachment: dict) -> str:
    """An attachment's file name for the browser: its base name without path parts, control or reserved characters,
    ending in the extension of what its bytes are (a PDF is saved as .pdf whatever it was called)."""
    name = _UNSAFE_NAME.sub("_", output_text(attachment["filename"] or "")).strip(" ._") or "附件"
    ext = EXTENSIONS.get(attachment["media_type"], "")
    stem = name[: -len(name.rsplit(".", 1)[-1]) - 1] if "." in name else name
    return f"申诉{d['id']}_{stem[:80] or '附件'}{ext}"


def actor_label(step: dict, names: dict[str, str], people: dict[str, str]) -> str:
    who = people.get(step["by_user"]) or step["by_user"]
    unit = names.get(step["by_dept"], step["by_dept"]) if step["by_dept"] else UNIT_LABELS.get(step["by_role"], "")
    return f"{who}（{unit}）" if unit else who


def trail_frame(d: dict, names: dict[str, str], people: dict[str, str]) -> pl.DataFrame:
    """Every step of a dispute: 时间、步骤、办理人、决定、理由 (and the days granted for 延期)."""
    rows = [{"时间": s["at"], "步骤": workflow.STEP_LABELS[s["step"]], "办理人": actor_label(s, names, people),
             "决定": (workflow.DECISION_LABELS.get(s["decision"], "") if s["decision"] else "")
             + (f"（延长 {s['days_granted']} 个工作日）" if s["days_granted"] else ""),
             "理由": output_text(s["reason"] or "")} for s in d["steps"]]
    return pl.DataFrame(rows, schema={"时间": pl.Datetime, "步骤": pl.Utf8, "办理人": pl.Utf8, "决定": pl.Utf8,
                                      "理由": pl.Utf8})


def show_dispute(d: dict, p: Principal, names: dict[str, str], people: dict[str, str],
                 current: dt.datetime, jpcs: dict[str, str] | None = None) -> None:
    """One dispute in an expander: its item, ground and reasons as text, deadlines, attachments to download, a
    link to the item's case, its trail, and the actions `p` may take on it now. `names`: departments' names, `people`:
    accounts' real names, `jpcs`: joint party committees' names."""
    overdue = is_overdue(d, current)
    with st.expander(f"申诉 {d['id']} · {md(names.get(d['dept_id'], d['dept_id']))} · "
                     f"{md(item_label(d, names, jpcs))} · {md(d['ground'])} · {workflow.STATE_LABELS[d['state']]}"
                     + (" · 逾期未裁定" if overdue else ""),
                     expanded=d["state"] in records.PENDING and p.sees_all):
        filed = d["steps"][0]
        st.markdown(f"**{workflow.KIND_LABELS[d['item_kind']]}**：{md(item_label(d, names, jpcs))}　"
                    f"**申诉理由**：{md(d['ground'])}　**状态**：{workflow.STATE_LABELS[d['state']]}")
        st.text(f"申诉说明：{output_text(filed['reason'] or '')}")
        for label, v in (("申请延长", f"{d['days_asked']} 个工作日" if d["days_asked"] else None),
                         ("所重复的事件", d["duplicate_of"]), ("回访记录", d["contact"]), ("依据", d["ref"])):
            if v:
                st.text(f"{label}：{output_text(v)}")
        deadline = records.ruling_deadline(d["steps"])
        if d["state"] in records.PENDING and deadline is not None:
            level = "初审" if d["state"] == "pending_first" else "复核"
            if overdue:
                st.error(f"{level}裁定期限：{day_label(deadline)}（逾期未裁定）")
            else:
                st.caption(f"{level}裁定期限：{day_label(deadline)}")
        window = review_window_end(d)
        if window is not None:
            st.caption(f"复核申请截止：{day_label(window)}")
        if d["item_kind"] == "assignment":
            st.page_link(CASE_PAGE, label=f"查看事件 {md(d['event_id'])} 的派单与流转记录",
                         query_params={"event": d["event_id"]})
        for a in d["attachments"]:
            st.download_button(f"下载附件：{md(a['filename'])}（{a['size'] / 1024:.0f} KB）",
                               data=_attachment_bytes(a["id"]), file_name=download_name(d, a),
                               mime=a["media_type"], key=f"dispute_file_{a['id']}")
        tables.table(trail_frame(d, names, people), export=None, key=f"dispute_trail_{d['id']}")
        _actions(d, p, current)


def _attachment_bytes(attachment_id: int):
    """The stored bytes, read when the button is clicked (not on every page run)."""
    return lambda: records.attachment(attachment_id)["content"]


def _actions(d: dict, p: Principal, current: dt.datetime) -> None:
    key = f"dispute_{d['id']}"
    if p.is_department and p.dept_id == d["dept_id"]:
        if d["state"] in records.PENDING:
            st.button("撤回", key=f"{key}_withdraw", on_click=_withdraw, args=(p, d["id"]))
        window = review_window_end(d)
        if window is not None and current <= window:
            st.text_area("复核申请理由", key=f"{key}_escalate_reason")
            st.button("申请复核", key=f"{key}_escalate", on_click=_escalate, args=(p, d["id"]))
        return
    role = workflow.RULING_ROLE.get(d["state"])
    if role is None or p.role != role:
        return
    level = "初审" if d["state"] == "pending_first" else "复核"
    if d["ground"] == workflow.EXTENSION and d["days_asked"]:
        st.number_input("批准延长的工作日数", min_value=1, max_value=int(d["days_asked"]),
                        value=int(d["days_asked"]), step=1, key=f"{key}_days")
    st.text_area(f"{level}裁定理由", key=f"{key}_reason", placeholder="批准或驳回都须写明理由")
    left, right = st.columns(2)
    left.button("批准", key=f"{key}_approve", on_click=_rule, args=(p, d, True), type="primary")
    right.button("驳回", key=f"{key}_reject", on_click=_rule, args=(p, d, False))


def _withdraw(p: Principal, dispute_id: int) -> None:
    _run(lambda: workflow.withdraw_dispute(p, dispute_id), f"申诉 {dispute_id} 已撤回。")


def _escalate(p: Principal, dispute_id: int) -> None:
    reason = st.session_state.get(f"dispute_{dispute_id}_escalate_reason")

    def action():
        with data.warehouse_cursor() as cur:
            return workflow.escalate_dispute(cur, p, dispute_id, reason)

    _run(action, f"申诉 {dispute_id} 已申请复核。")


def _rule(p: Principal, d: dict, approve: bool) -> None:
    key = f"dispute_{d['id']}"
    reason = st.session_state.get(f"{key}_reason")
    days = st.session_state.get(f"{key}_days") if approve and d["ground"] == workflow.EXTENSION else None

    def action():
        with data.warehouse_cursor() as cur:
            return workflow.rule_dispute(cur, p, d["id"], approve, reason, days=None if days is None else int(days))

    _run(action, f"申诉 {d['id']} 已{'批准' if approve else '驳回'}。")
