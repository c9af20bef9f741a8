"""申诉核减: the disputes an account may see (SPEC §9) — a department its own, with 撤回 and 申请复核; the assessment
office the 初审 queue, the committee the 复核 queue, each dispute with its item, reasons, attachments, deadlines and
trail, ruled here with a written reason. The rules (who may do what, when) are govdash.figures.disputes'."""
import streamlit as st

from govdash.core.textsafe import md
from govdash.figures.disputes import DisputeRefused, now
from govdash.web import chrome, data, dispute_panel

chrome.start_page("disputes")
p = data.principal()
dispute_panel.show_flash()
try:
    rows = data.visible_disputes()
except DisputeRefused as exc:
    st.error(md(str(exc)))
    st.stop()
names = data.department_names()
people = data.account_names()
jpcs = data.code_names()["联合党委"]
current = now()

# the queue each ruling role works on: the office's 初审, the committee's 复核
QUEUES = {"assessment": ("pending_first", "待初审（考绩办）"),
          "committee": ("pending_review", "待复核（基层治理委员会）")}
if p.is_department:
    st.subheader("本部门的申诉")
    if not rows:
        st.info("本部门还没有申诉。可在“部门自查”或“事件查询”页面对本部门的事项提出申诉。")
    for d in reversed(rows):
        dispute_panel.show_dispute(d, p, names, people, current, jpcs)
else:
    state, title = QUEUES[p.role]
    queue = [d for d in rows if d["state"] == state]
    overdue = sum(dispute_panel.is_overdue(d, current) for d in queue)
    st.subheader(title)
    if not queue:
        st.success("没有待裁定的申诉。")
    else:
        st.caption(f"共 {len(queue)} 件，其中逾期未裁定 {overdue} 件；按提交时间排列，最早的在前。")
    for d in queue:
        dispute_panel.show_dispute(d, p, names, people, current, jpcs)
    st.subheader("全部申诉")
    others = [d for d in rows if d["state"] != state]
    if not others:
        st.info("没有其他申诉。")
    for d in reversed(others):
        dispute_panel.show_dispute(d, p, names, people, current, jpcs)
