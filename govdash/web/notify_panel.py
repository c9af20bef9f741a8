"""The reminders' channels on 数据导入与质量 (临期提醒与超期预警, SPEC §10): the digests that failed today, for the
committee and the assessment office; the channels themselves, for the committee only, who adds, tests and removes
them through the same rules as `govdash notify` (govdash.documents.delivery). A robot's key and signing secret are
typed into password boxes, cleared once added, and never shown again: the listing masks them as `notify list` does.
"""
from __future__ import annotations

import logging

import duckdb
import polars as pl
import streamlit as st

from govdash.core.periods import moment_label
from govdash.core.textsafe import md
from govdash.documents import delivery
from govdash.records import reminders as records
from govdash.web import data, tables
from warehouse.db import WarehouseError

log = logging.getLogger(__name__)

RECIPIENTS = ("assessment", "committee")   # besides each department


def _names() -> dict[str, str]:
    """The departments' names the pages use; none while the warehouse is empty or cannot be read (the channels are
    records and stay configurable: a department is then named by its code)."""
    try:
        return data.department_names()
    except (WarehouseError, duckdb.Error):
        return {}


def failing_today() -> None:
    """A warning for each digest whose sending failed today (as `govdash status` says it), for the committee and
    the assessment office."""
    if not data.principal().sees_all:
        return
    for line in delivery.failing_today_lines(names=_names()):
        st.warning(md(line))


def channels() -> None:
    """提醒渠道: the listing (masked), a test message and removal per channel, and the form to add one."""
    principal = data.principal()
    if principal.role != "committee":
        return
    st.subheader("提醒渠道")
    st.caption("每个工作日的临期提醒与超期预警发往这些渠道：企业微信群机器人、钉钉自定义机器人（可加签）或电子邮件。"
               "机器人地址中的密钥与加签密钥保存后不再显示。")
    if flash := st.session_state.pop("notify_flash", None):
        ok, sentence = flash
        if ok:
            st.success(md(sentence))
        else:
            st.error(md(sentence))
    names = _names()
    rows = records.listed(records.channels())
    if not rows:
        st.caption("尚未配置提醒渠道。")
    else:
        tables.table(pl.DataFrame([{
            "编号": r["id"], "收件方": delivery.recipient_named(r["recipient"], names),
            "渠道": delivery.CHANNEL_LABELS[r["channel"]], "地址": r["email"] or r["webhook"],
            "加签密钥": "已设置" if r["secret"] else "—", "添加人": r["created_by"],
            "添加时间": moment_label(r["created_at"])} for r in rows],
            schema_overrides={"编号": pl.Int64}))
        for r in rows:
            left, middle, right = st.columns([5, 2, 1], vertical_alignment="center")
            left.text(f"渠道 {r['id']}：{delivery.recipient_named(r['recipient'], names)} · "
                      f"{delivery.CHANNEL_LABELS[r['channel']]} · {r['email'] or r['webhook']}")
            if middle.button("发送测试消息", key=f"notify_test_{r['id']}"):
                _try(principal, r["id"])
            if right.button("删除", key=f"notify_remove_{r['id']}"):
                _remove(principal, r["id"])
    _add_form(principal, names)


def _try(principal, channel_id: int) -> None:
    """A test message (as `govdash notify test` sends it); its outcome, the channel's answer included, as text."""
    try:
        ok, sentence = delivery.try_channel(principal, channel_id, data.settings())
    except delivery.ChannelRefused as exc:
        st.error(md(exc))
        return
    if ok:
        st.success(md(sentence))
    else:
        st.error(md(sentence))


def _remove(principal, channel_id: int) -> None:
    try:
        sentence = delivery.remove_channel(principal, channel_id)
    except delivery.ChannelRefused as exc:
        st.error(md(exc))
        return
    log.warning("reminder channel %s removed on the data page by %r", channel_id, principal.username)
    st.session_state["notify_flash"] = (True, sentence)
    st.rerun()


def _add_form(principal, names: dict[str, str]) -> None:
    """The form to add a channel. Its text boxes are keyed by a round that every submission ends, so what was typed
    (a robot's key, a signing secret) is held by no widget after it, whether the channel was added or refused."""
    recipients = [f"department:{d}" for d in names] + list(RECIPIENTS)
    typed = st.session_state.setdefault("notify_round", 0)
    with st.form("notify_add_form", clear_on_submit=True):
        st.markdown("**添加提醒渠道**")
        recipient = st.selectbox("收件方", recipients, key="notify_recipient",
                                 format_func=lambda r: delivery.recipient_named(r, names))
        channel = st.selectbox("渠道", list(delivery.CHANNEL_LABELS), key="notify_channel",
                               format_func=delivery.CHANNEL_LABELS.get)
        webhook = st.text_input("机器人地址（企业微信或钉钉机器人的完整地址）", type="password",
                                key=f"notify_webhook_{typed}")
        secret = st.text_input("加签密钥（仅钉钉机器人，可不填）", type="password", key=f"notify_secret_{typed}")
        email = st.text_input("电子邮件地址（仅电子邮件渠道）", key=f"notify_email_{typed}")
        if not st.form_submit_button("添加", key="notify_add"):
            return
    st.session_state["notify_round"] = typed + 1
    try:
        new_id = delivery.add_channel(principal, recipient, channel, webhook=webhook, secret=secret, email=email)
    except delivery.ChannelRefused as exc:
        st.session_state["notify_flash"] = (False, str(exc))
    else:
        log.warning("reminder channel %s added on the data page by %r", new_id, principal.username)
        st.session_state["notify_flash"] = (True, f"已添加提醒渠道 {new_id}")
    st.rerun()
