"""Sending the reminders' digests (SPEC §10) and the daily run of `govdash remind`.

Channels: a WeCom group robot (markdown `{"msgtype": "markdown", "markdown": {"content": …}}`), a DingTalk custom
robot (markdown with a title, the URL signed with `timestamp` and `sign` = Base64(HMAC-SHA256(secret, timestamp
+ "\\n" + secret)), URL-encoded), e-mail over SMTP with STARTTLS (plain text and an HTML alternative). An HTTP
answer other than 200, or 200 with a non-zero `errcode`, is a failure; a rate-limit errcode waits
`rate_limit_wait_seconds` and tries again; any other failure is tried again `retries` times with back-off. A robot
is sent at most `robot_messages_per_minute` messages a minute by this process.

The run: on a working day of the official calendar (the Asia/Shanghai date of the moment), every recipient's
digest for each of its channels is claimed in the send log (one row per recipient, channel and day: see
govdash.records.reminders), so a digest goes out at most once a day whatever the number of schedulers; a later
run the same day sends only what was not delivered. Secrets never appear in a message, a log row or an error.
"""
from __future__ import annotations

import base64
import collections
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Callable

from govdash.core.periods import TZ
from govdash.core.principal import Principal
from govdash.documents import digest_text
from govdash.figures import reminders as figures
from govdash.records import reminders as records

WECOM_RATE_LIMITED = {45009}
DINGTALK_RATE_LIMITED = {130101, 410100}
CHANNEL_LABELS = {"wecom": "企业微信", "dingtalk": "钉钉", "email": "电子邮件"}


@dataclass
class Answer:
    ok: bool
    answer: str
    errcode: int | None = None
    rate_limited: bool = False


@dataclass
class Options:
    """[reminders] of the settings."""
    retries: int = 3
    retry_seconds: float = 5
    rate_limit_wait_seconds: float = 60
    robot_messages_per_minute: int = 20
    timeout_seconds: float = 10
    wecom_max_bytes: int = 4096
    dingtalk_max_bytes: int = 20000
    base_url: str = ""
    smtp: dict = field(default_factory=dict)

    @classmethod
    def of(cls, settings: dict) -> Options:
        r = dict(settings.get("reminders", {}))
        smtp = r.pop("smtp", {})
        known = {k: r[k] for k in cls.__dataclass_fields__ if k in r}
        return cls(**known, smtp=smtp)


def now() -> dt.datetime:
    """The current moment in China, naive, to the second (as the records keep their moments)."""
    return dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------- the channels

def dingtalk_signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The robot's URL with `timestamp` and `sign` added (DingTalk's custom robot signing)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if urllib.parse.urlsplit(webhook).query else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign}"


def _post_json(url: str, payload: dict, timeout: float, rate_limited: set[int]) -> Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return Answer(False, f"HTTP {exc.code}")
    except (urllib.error.URLError, TimeoutError, socket.timeout, OSError, http.client.HTTPException,
            ValueError) as exc:
        # a refused connection, a reply that is not HTTP, an address urllib cannot send to: that try failed, named
        # by its kind only (the exception's text can hold the address and so the robot's key)
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return Answer(False, "超时")
        return Answer(False, f"连接失败（{type(reason).__name__}）")
    if status != 200:
        return Answer(False, f"HTTP {status}")
    try:
        answer = json.loads(text)
        code = int(answer.get("errcode", 0))
    except (ValueError, TypeError, AttributeError):
        return Answer(False, f"HTTP 200，应答无法识别：{text[:200]}")
    if code != 0:
        return Answer(False, f"errcode {code}：{answer.get('errmsg', '')}"[:300], code, code in rate_limited)
    return Answer(True, f"HTTP 200 {text[:200]}", 0)


def send_wecom(channel: dict, content: str, options: Options) -> Answer:
    payload = {"msgtype": "markdown", "markdown": {"content": content}}
    return _post_json(channel["webhook"], payload, options.timeout_seconds, WECOM_RATE_LIMITED)


def send_dingtalk(channel: dict, title: str, text: str, options: Options, timestamp_ms: int | None = None) -> Answer:
    url = channel["webhook"]
    if channel.get("secret"):
        url = dingtalk_signed_url(url, channel["secret"], timestamp_ms or int(time.time() * 1000))
    payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return _post_json(url, payload, options.timeout_seconds, DINGTALK_RATE_LIMITED)


def smtp_password(url: str | None = None) -> str | None:
    return os.environ.get("GOVDASH_SMTP_PASSWORD") or records.secret(records.SMTP_PASSWORD, url=url)


def send_email(to: str, subject: str, text: str, html: str, options: Options, *, password: str | None) -> Answer:
    smtp = options.smtp
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, smtp.get("sender", "govdash@localhost"), to
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(smtp.get("host", "localhost"), int(smtp.get("port", 587)),
                          timeout=options.timeout_seconds) as client:
            if smtp.get("starttls", True):
                context = ssl.create_default_context(cafile=smtp.get("ca_file") or None)
                client.starttls(context=context)
            if smtp.get("user"):
                client.login(smtp["user"], password or "")
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        return Answer(False, f"SMTP {exc.smtp_code}", exc.smtp_code)
    except (TimeoutError, socket.timeout):
        return Answer(False, "超时")
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        return Answer(False, f"SMTP 失败（{type(exc).__name__}）")
    return Answer(True, "SMTP 250", 0)


# ---------------------------------------------------------------- one digest on one channel

class RobotPace:
    """At most `per_minute` messages a minute to each robot (by webhook): waits until the oldest of the last
    minute's messages is a minute old."""

    def __init__(self, per_minute: int, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.sent: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def wait(self, key: str) -> None:
        times = self.sent[key]
        while times and self.clock() - times[0] >= 60:
            times.popleft()
        if len(times) >= self.per_minute:
            self.sleep(60 - (self.clock() - times[0]))
            times.popleft()
        times.append(self.clock())


def messages(digest: dict, channel: dict, options: Options) -> list[str]:
    """What is sent for a digest on a channel: the robot's markdown parts, or one e-mail's plain text (its HTML is
    made from the digest when sent)."""
    if channel["channel"] == "wecom":
        return digest_text.markdown_parts(digest, options.wecom_max_bytes, options.base_url)
    if channel["channel"] == "dingtalk":
        return digest_text.markdown_parts(digest, options.dingtalk_max_bytes, options.base_url)
    return [json.dumps({"text": digest_text.plain_text(digest, options.base_url),
                        "html": digest_text.html_text(digest, options.base_url)}, ensure_ascii=False)]


def _send_one(channel: dict, message: str, digest_title: str, options: Options, url: str | None) -> Answer:
    if channel["channel"] == "wecom":
        return send_wecom(channel, message, options)
    if channel["channel"] == "dingtalk":
        return send_dingtalk(channel, digest_title, message, options)
    body = json.loads(message)
    return send_email(channel["email"], digest_title, body["text"], body["html"], options,
                      password=smtp_password(url))


class ClaimLost(Exception):
    """Another scheduler took the digest over while this one waited (its claim ran out): send nothing more."""


def deliver(row: dict, channel: dict, title: str, options: Options, pace: RobotPace, *,
            sleep: Callable[[float], None], url: str | None, holder: str | None = None) -> Answer:
    """Send the parts of a claimed send-log row not delivered yet, each tried 1 + `retries` times (back-off; a
    rate-limit answer waits its own time), recording every try. The last answer: ok when all parts went. Before
    each try the claim is renewed; ClaimLost when another scheduler holds it by then (nothing more is sent)."""
    answer = Answer(True, "")
    parts = row["parts"]
    for number in range(row["parts_sent"] + 1, len(parts) + 1):
        for attempt in range(options.retries + 1):
            if channel["channel"] != "email":
                pace.wait(channel["webhook"])
            if holder is not None and not records.renew(row["id"], holder, now=now(), url=url):
                raise ClaimLost(row["id"])
            answer = _send_one(channel, parts[number - 1], title, options, url)
            if not records.record_try(row["id"], number, at=now(), ok=answer.ok, answer=answer.answer,
                                      errcode=answer.errcode, holder=holder, url=url):
                raise ClaimLost(row["id"])
            if answer.ok:
                break
            if attempt < options.retries:
                sleep(options.rate_limit_wait_seconds if answer.rate_limited
                      else options.retry_seconds * 2 ** attempt)
        if not answer.ok:
            return answer
    return answer


# ---------------------------------------------------------------- the daily run

@dataclass
class RunResult:
    day: str
    working_day: bool
    digests: list[dict]
    sent: list[dict] = field(default_factory=list)      # {recipient, channel, id, parts}
    skipped: list[dict] = field(default_factory=list)   # sent already today, or another scheduler holds it
    failed: list[dict] = field(default_factory=list)    # {recipient, channel, id, reason}
    unconfigured: list[str] = field(default_factory=list)
    calendar_provisional: bool = False   # the day's year has no official calendar: read as Mon–Fri


def recipient_label(recipient: str, name: str | None = None) -> str:
    if recipient.startswith("department:"):
        dept = recipient.split(":", 1)[1]
        return f"{name}（{dept}）" if name else f"部门 {dept}"
    return {"assessment": "考绩办", "committee": "基层治理委员会"}.get(recipient, recipient)


def recipient_named(recipient: str, names: dict[str, str] | None = None) -> str:
    """`recipient_label` with a department's name from `names` (dept_id → name, as the pages name departments)."""
    dept = recipient.split(":", 1)[1] if recipient.startswith("department:") else None
    return recipient_label(recipient, (names or {}).get(dept))


def run(con, at: dt.datetime, settings: dict, *, dry_run: bool = False, department: str | None = None,
        url: str | None = None, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic, holder: str | None = None) -> RunResult:
    """The reminders of the moment `at` (local China time): nothing on a day that is not a working day; else every
    recipient's digest, and (unless `dry_run`) each sent on each of its channels once a day."""
    day = at.date()
    result = RunResult(day.isoformat(), figures.is_working_day(con, day), [],
                       calendar_provisional=not figures.calendar_official(con, day))
    if not result.working_day:
        return result
    result.digests = figures.digests(con, at, department=department, url=url)
    if dry_run:
        return result
    options = Options.of(settings)
    pace = RobotPace(options.robot_messages_per_minute, clock, sleep)
    holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    by_recipient: dict[str, list[dict]] = collections.defaultdict(list)
    for c in records.channels(url=url):
        by_recipient[c["recipient"]].append(c)
    todo = []
    for digest in result.digests:
        chans = by_recipient.get(digest["recipient"], [])
        if not chans:
            result.unconfigured.append(digest["recipient"])
        for channel in chans:
            todo.append((digest["recipient"], digest["recipient_name"], channel, digest_text.heading(digest),
                         figures.digest_sha256(digest), messages(digest, channel, options)))
    # a digest of the day not delivered yet whose recipient has nothing new now: its stored parts are still due
    planned = {(r, c["id"]) for r, _, c, *_ in todo}
    by_id = {c["id"]: c for cs in by_recipient.values() for c in cs}
    for row in records.sends(day=result.day, url=url):
        mine = department is None or row["recipient"] == f"department:{department}"
        if row["status"] != "sent" and mine and (row["recipient"], row["channel_id"]) not in planned \
                and row["channel_id"] in by_id:
            todo.append((row["recipient"], None, by_id[row["channel_id"]],
                         f"{digest_text.TITLE} · {recipient_label(row['recipient'])}", row["digest_sha256"],
                         row["parts"]))
    for recipient, name, channel, title, sha, parts in todo:
        row = records.claim(recipient, channel, result.day, at, sha, parts, holder=holder, now=now(), url=url)
        where = {"recipient": recipient, "name": name, "channel": channel["channel"], "id": channel["id"]}
        if row is None:
            result.skipped.append(where)
            continue
        try:
            answer = deliver(row, channel, title, options, pace, sleep=sleep, url=url, holder=holder)
        except ClaimLost:      # taken over while this run waited: the new holder sends the rest
            result.skipped.append(where)
            continue
        if not records.finish(row["id"], "sent" if answer.ok else "failed", at=now(), holder=holder, url=url):
            result.skipped.append(where)
            continue
        if answer.ok:
            result.sent.append({**where, "parts": len(row["parts"])})
        else:
            result.failed.append({**where, "reason": answer.answer})
    return result


def failure_line(failure: dict) -> str:
    """One failure as `govdash remind` prints it."""
    return (f"发送失败：{recipient_label(failure['recipient'], failure.get('name'))} "
            f"{CHANNEL_LABELS[failure['channel']]}（{failure['id']}） {failure['reason']}")


def send_test(channel: dict, options: Options, *, url: str | None = None) -> Answer:
    """A test message on one channel (`govdash notify test`), sent once."""
    text = "### 临期提醒与超期预警 · 测试消息\n此渠道配置成功，今后每个工作日的提醒将发到这里。"
    if channel["channel"] == "wecom":
        return send_wecom(channel, text, options)
    if channel["channel"] == "dingtalk":
        return send_dingtalk(channel, "临期提醒与超期预警 · 测试消息", text, options)
    plain = "临期提醒与超期预警 · 测试消息\n此渠道配置成功，今后每个工作日的提醒将发到这里。"
    return send_email(channel["email"], "临期提醒与超期预警 · 测试消息", plain, f"<p>{plain}</p>", options,
                      password=smtp_password(url))


# ---------------------------------------------------------------- configuring the channels (CLI and data page)

RECIPIENT = re.compile(r"^(department:[A-Za-z0-9_\-]+|assessment|committee)$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# a robot's full address: http(s), a host, then any path and query without spaces or control characters
WEBHOOK = re.compile(r"https?://[^\x00-\x20\x7f/?#]+(?:[/?#][^\x00-\x20\x7f]*)?")


class ChannelRefused(ValueError):
    """A change of the channels the rules refuse; its text is the Chinese sentence shown to the user."""


def _committee(principal: Principal) -> None:
    """Only the committee configures the reminders' channels (SPEC §10)."""
    if principal.role != "committee":
        raise ChannelRefused(f"账号 {principal.username} 不是基层治理委员会账号，不能配置提醒渠道")


def _blank(value: str | None) -> str | None:
    """A field left empty (a page's empty text box, an option not given) is no value."""
    return (value or "").strip() or None


def add_channel(principal: Principal, recipient: str, channel: str, *, webhook: str | None, secret: str | None,
                email: str | None, url: str | None = None) -> int:
    """A new channel for a recipient (`department:D01`, `assessment`, `committee`), checked and recorded: a robot
    by its full address (a signing secret for DingTalk only), or an e-mail address. Returns its id."""
    _committee(principal)
    webhook, secret, email = _blank(webhook), _blank(secret), _blank(email)
    if not RECIPIENT.match(recipient or ""):
        raise ChannelRefused(f"收件方“{recipient}”无法识别，应为 department:部门编号、assessment 或 committee")
    if channel not in records.CHANNELS:
        raise ChannelRefused(f"渠道“{channel}”无法识别，应为企业微信、钉钉或电子邮件")
    if channel == "email":
        if not email or not EMAIL.match(email) or webhook or secret:
            raise ChannelRefused("电子邮件渠道须填写电子邮件地址，不填机器人地址和加签密钥")
    else:
        if not webhook or not WEBHOOK.fullmatch(webhook) or email:
            raise ChannelRefused("机器人渠道须填写完整的机器人地址（http:// 或 https:// 开头），不填电子邮件地址")
        if secret and channel != "dingtalk":
            raise ChannelRefused("只有钉钉机器人使用加签密钥")
    return records.add_channel(recipient, channel, webhook=webhook, secret=secret, email=email,
                               by=principal.username, at=now(), url=url)


def _channel(channel_id: int, url: str | None) -> dict:
    found = [c for c in records.channels(url=url) if c["id"] == channel_id]
    if not found:
        raise ChannelRefused(f"没有编号为 {channel_id} 的提醒渠道")
    return found[0]


def remove_channel(principal: Principal, channel_id: int, *, url: str | None = None) -> str:
    """Delete a channel; returns the sentence saying so."""
    _committee(principal)
    if not records.remove_channel(channel_id, url=url):
        raise ChannelRefused(f"没有编号为 {channel_id} 的提醒渠道")
    return f"已删除提醒渠道 {channel_id}"


def try_channel(principal: Principal, channel_id: int, settings: dict, *, url: str | None = None) -> tuple[bool, str]:
    """A test message on one channel: whether it went, and the sentence saying so (on failure the line
    `govdash remind` prints, with the channel's answer)."""
    _committee(principal)
    channel = _channel(channel_id, url)
    answer = send_test(channel, Options.of(settings), url=url)
    if not answer.ok:
        return False, failure_line({"recipient": channel["recipient"], "channel": channel["channel"],
                                    "id": channel_id, "reason": answer.answer})
    return True, f"测试消息已发送（渠道 {channel_id}）"


def set_smtp_password(principal: Principal, password: str, *, url: str | None = None) -> None:
    """The SMTP password (kept in the records database, never shown again)."""
    _committee(principal)
    records.set_secret(records.SMTP_PASSWORD, password, by=principal.username, at=now(), url=url)


def failing_today(day: str | None = None, *, url: str | None = None) -> list[dict]:
    """Today's digests (Asia/Shanghai date) whose sending failed and was not delivered since."""
    day = day or now().date().isoformat()
    return [r for r in records.sends(day=day, url=url) if r["status"] == "failed"]


def failing_today_lines(day: str | None = None, *, url: str | None = None,
                        names: dict[str, str] | None = None) -> list[str]:
    """What `govdash status` and the data page say of them: one Chinese line each, with the last answer; a
    department by its name when `names` (dept_id → name) has it."""
    out = []
    for r in failing_today(day, url=url):
        last = r["tries"][-1] if r["tries"] else None
        out.append(f"提醒发送失败（今日）：{recipient_named(r['recipient'], names)} "
                   f"{CHANNEL_LABELS[r['channel']]}（渠道 {r['channel_id']}），"
                   f"已送达 {r['parts_sent']}/{len(r['parts'])} 条"
                   + (f"，最后应答：{last['answer']}" if last else ""))
    return out
