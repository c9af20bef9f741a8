"""`govdash remind` (临期提醒与超期预警, SPEC §10: the day's digests, sent once a day per recipient and channel) and
`govdash notify` (the channels the committee configures, the SMTP password, a test message)."""
from __future__ import annotations

import datetime as dt
import sys

import click

from govdash.cli.common import fail, principal_of
from govdash.core.formatting import json_text

EXIT_SEND_FAILED = 3
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def _moment(text: str | None) -> dt.datetime:
    from govdash.documents.delivery import now

    if not text:
        return now()
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    fail(f"无法识别的时间“{text}”，应为 YYYY-MM-DD HH:MM[:SS]（北京时间）")


@click.command()
@click.option("--at", "at", default=None, help="按此时点（北京时间 \"YYYY-MM-DD HH:MM[:SS]\"）计算与发送，默认现在")
@click.option("--dry-run", is_flag=True, help="只打印各收件方的提醒内容，不发送")
@click.option("--json", "as_json", is_flag=True, help="与 --dry-run 一起：以 JSON 输出")
@click.option("--department", default=None, help="只处理该部门（部门编号）")
def remind(at: str | None, dry_run: bool, as_json: bool, department: str | None) -> None:
    """临期提醒与超期预警：计算并发送当天的提醒（每个收件方每个渠道每天一次）。"""
    from govdash.core.periods import day_label
    from govdash.core.settings import load_settings
    from govdash.documents import delivery, digest_text
    from govdash.records import reminders as records
    from warehouse.db import connect_read, read_cursor

    moment = _moment(at)
    con = read_cursor(connect_read())
    result = delivery.run(con, moment, load_settings(), dry_run=dry_run, department=department)
    if result.calendar_provisional:
        click.echo(f"注意：{moment.year}年尚无官方节假日安排，按周一至周五暂定判断工作日（在“数据导入与质量”页面"
                   "导入该年的节假日调整后即按官方安排）。", err=True)
    if not result.working_day:
        click.echo(f"{day_label(moment)}不是工作日，不发送提醒。")
        return
    if dry_run:
        chans: dict[str, list[str]] = {}
        for c in records.channels():
            chans.setdefault(c["recipient"], []).append(c["channel"])
        if as_json:
            click.echo(json_text([digest_text.digest_json(d, ch) for d in result.digests
                                  for ch in chans.get(d["recipient"], [None])]))
            return
        if not result.digests:
            click.echo("没有需要提醒的事项。")
        for d in result.digests:
            names = "、".join(delivery.CHANNEL_LABELS[c] for c in chans.get(d["recipient"], [])) or "未配置渠道"
            click.echo(f"==== {delivery.recipient_label(d['recipient'], d['recipient_name'])} · {names} ====")
            click.echo(digest_text.plain_text(d, load_settings().get("reminders", {}).get("base_url", "")))
        return
    for s in result.sent:
        click.echo(f"已发送：{delivery.recipient_label(s['recipient'], s['name'])} "
                   f"{delivery.CHANNEL_LABELS[s['channel']]}（{s['id']}），{s['parts']} 条")
    for s in result.skipped:
        click.echo(f"今日已发送或正由其他进程发送，跳过：{delivery.recipient_label(s['recipient'], s['name'])} "
                   f"{delivery.CHANNEL_LABELS[s['channel']]}（{s['id']}）")
    for r in result.unconfigured:
        click.echo(f"未配置渠道，未发送：{delivery.recipient_label(r)}")
    if not result.digests:
        click.echo("没有需要提醒的事项。")
    for f in result.failed:
        click.echo(delivery.failure_line(f), err=True)
    if result.failed:
        sys.exit(EXIT_SEND_FAILED)


@click.group()
def notify() -> None:
    """提醒渠道：企业微信群机器人、钉钉自定义机器人、电子邮件（由基层治理委员会配置）。"""


@notify.command("add")
@click.option("--user", "username", required=True, help="基层治理委员会账号")
@click.option("--to", "recipient", required=True, help="收件方：department:部门编号、assessment 或 committee")
@click.option("--channel", type=click.Choice(["wecom", "dingtalk", "email"]), required=True)
@click.option("--webhook", default=None, help="机器人的完整地址（http 或 https）")
@click.option("--secret", default=None, help="钉钉机器人的加签密钥")
@click.option("--email", default=None, help="电子邮件地址")
def notify_add(username: str, recipient: str, channel: str, webhook: str | None, secret: str | None,
               email: str | None) -> None:
    """添加一个提醒渠道；输出其编号。"""
    from govdash.documents import delivery

    try:
        new_id = delivery.add_channel(principal_of(username), recipient, channel, webhook=webhook, secret=secret,
                                      email=email)
    except delivery.ChannelRefused as exc:
        fail(str(exc))
    click.echo(json_text({"id": new_id}))


@notify.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def notify_list(as_json: bool) -> None:
    """列出提醒渠道（密钥与机器人地址中的密钥不显示）。"""
    from govdash.documents.delivery import CHANNEL_LABELS, recipient_label
    from govdash.documents.digest_text import jsonable
    from govdash.records import reminders as records

    rows = records.listed(records.channels())
    if as_json:
        click.echo(json_text(jsonable(rows)))
        return
    if not rows:
        click.echo("尚未配置提醒渠道。")
    for r in rows:
        where = r["email"] or r["webhook"]
        click.echo(f"{r['id']}\t{recipient_label(r['recipient'])}\t{CHANNEL_LABELS[r['channel']]}\t{where}"
                   + ("\t已设加签密钥" if r["secret"] else ""))


@notify.command("remove")
@click.option("--user", "username", required=True, help="基层治理委员会账号")
@click.option("--id", "channel_id", type=int, required=True)
def notify_remove(username: str, channel_id: int) -> None:
    """删除一个提醒渠道。"""
    from govdash.documents import delivery

    try:
        click.echo(delivery.remove_channel(principal_of(username), channel_id))
    except delivery.ChannelRefused as exc:
        fail(str(exc))


@notify.command("test")
@click.option("--user", "username", required=True, help="基层治理委员会账号")
@click.option("--id", "channel_id", type=int, required=True)
def notify_test(username: str, channel_id: int) -> None:
    """向一个渠道发送一条测试消息。"""
    from govdash.core.settings import load_settings
    from govdash.documents import delivery

    try:
        ok, line = delivery.try_channel(principal_of(username), channel_id, load_settings())
    except delivery.ChannelRefused as exc:
        fail(str(exc))
    click.echo(line, err=not ok)
    if not ok:
        sys.exit(EXIT_SEND_FAILED)


@notify.command("smtp-password")
@click.option("--user", "username", required=True, help="基层治理委员会账号")
def notify_smtp_password(username: str) -> None:
    """从标准输入读取 SMTP 密码并保存（不回显，不再显示）。"""
    from govdash.documents import delivery

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("标准输入中没有密码")
    try:
        delivery.set_smtp_password(principal_of(username), password)
    except delivery.ChannelRefused as exc:
        fail(str(exc))
    click.echo("SMTP 密码已保存")
