"""Reminders (临期提醒与超期预警, SPEC §10) on the committed sample city: the digests are the self-check's lists,
sent to real local receivers only — an HTTP server on 127.0.0.1 playing the WeCom and DingTalk robots (checking the
exact JSON and DingTalk's signature) and an SMTP server on 127.0.0.1 speaking STARTTLS with a certificate made here
— never to an outside address. Faults: 500, an errcode, a timeout, a rate-limit answer, a digest too long for one
message, a second run the same day, two processes at once, a holiday (2024-10-01) and a make-up working Saturday
(2024-10-12)."""
from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import os
import socketserver
import ssl
import subprocess
import sys
import threading
import tomllib
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import Principal
from govdash.documents import delivery, digest_text
from govdash.figures import reminders, whistle
from govdash.figures.disputes import file_dispute, rule_dispute
from govdash.figures.lookups import departments
from govdash.records import reminders as records
from govdash.records.accounts import set_user
from tests.support.robot import Robot
from tests.support.warehouse import warehouse_cursor

REPO = Path(__file__).resolve().parents[1]
AT = dt.datetime(2024, 12, 20, 8, 30)
T = dt.datetime.fromisoformat


@pytest.fixture
def wh(committed_sample_db, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    with warehouse_cursor(committed_sample_db) as cur:
        yield cur


def settings(**reminders_over) -> dict:
    with open(REPO / "config" / "settings.toml", "rb") as fh:
        s = tomllib.load(fh)
    s["reminders"] = {**s["reminders"], "retry_seconds": 0, "rate_limit_wait_seconds": 0, **reminders_over}
    return s


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """A settings file with no waits between tries, as $GOVDASH_SETTINGS (for the command)."""
    def write(**over) -> Path:
        s = settings(**over)
        lines = []
        for section, values in s.items():
            lines.append(f"[{section}]")
            for k, v in values.items():
                if not isinstance(v, dict):
                    lines.append(f"{k} = {json.dumps(v, default=str, ensure_ascii=False)}")
            for k, v in values.items():
                if isinstance(v, dict):
                    lines.append(f"[{section}.{k}]")
                    lines.extend(f"{kk} = {json.dumps(vv, ensure_ascii=False)}" for kk, vv in v.items()
                                 if not isinstance(vv, dict))
        path = tmp_path / "settings.toml"
        text = "\n".join(lines).replace('= "2000-01-01"', "= 2000-01-01")
        path.write_text(text, encoding="utf-8")
        tomllib.loads(text)
        monkeypatch.setenv("GOVDASH_SETTINGS", str(path))
        return path
    return write


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.stop()


def chair():
    set_user("chair", "committee", "pw-chair-1234")


def add(recipient: str, channel: str, **kw) -> int:
    return records.add_channel(recipient, channel, webhook=kw.get("webhook"), secret=kw.get("secret"),
                               email=kw.get("email"), by="chair", at=T("2024-12-01 09:00"))


def self_check_json(dept: str, at: str) -> dict:
    out = CliRunner().invoke(cli, ["report", "self-check", "--department", dept, "--as-of", at, "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def expected_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


# ---------------------------------------------------------------- what a digest holds

def test_each_departments_digest_is_its_self_check_lists_at_the_same_moment(wh):
    out = CliRunner().invoke(cli, ["remind", "--at", "2024-12-20 08:30", "--dry-run", "--json"])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    by_dept = {d["recipient"]: d for d in printed}
    assert "committee" in by_dept and by_dept["committee"]["summary"].startswith("全市临期")
    departments = sorted(r.split(":")[1] for r in by_dept if r.startswith("department:"))
    assert len(departments) >= 10
    keys = ("kind", "event_id", "dept_id", "deadline", "working_days_overdue")
    for dept in departments:
        lists = self_check_json(dept, "2024-12-20 08:30")
        want = [{k: i[k] for k in keys} for i in lists["due_soon"] + lists["overdue"] + lists["disputes"]]
        got = by_dept[f"department:{dept}"]
        assert [{k: i[k] for k in keys} for i in got["items"]] == want
        assert all(i["link"] == f"/case?event={i['event_id']}" for i in got["items"])
        assert got["as_of"] == "2024-12-20 08:30:00"
        # the lists themselves: the page's open cases split by the next working day's end (Monday 23 Dec)
        assert lists["due_by"] == "2024-12-23 23:59:59"
        assert all(i["deadline"] <= lists["due_by"] for i in lists["due_soon"])
        assert {i["event_id"] for i in lists["overdue"]} == {i["event_id"] for i in lists["open"]
                                                             if i["kind"] == "超期"}
        days = [i["working_days_overdue"] for i in lists["overdue"]]
        assert days == sorted(days, reverse=True) and all(d >= 1 for d in days)
    # a department with nothing to act on gets nothing
    assert all(d["items"] for d in printed if d["recipient"].startswith("department:"))


def test_the_self_check_lists_are_the_pages_open_cases(wh):
    from govdash.figures import catalogue

    lists = catalogue.self_check.fn(wh, "D02", AT)
    page = catalogue.department_open_cases.fn(wh, "D02", AT)
    assert [i["event_id"] for i in lists["open"]] == page.sort("closure_deadline", "dispatched_at",
                                                               "event_id")["event_id"].to_list()
    due = page.filter((page["status"] == "open_in_time") & (page["closure_deadline"] <= T("2024-12-23 23:59:59")))
    assert sorted(i["event_id"] for i in lists["due_soon"]) == sorted(due["event_id"].to_list())
    assert lists["due_soon"]


def test_a_rejection_the_department_may_take_to_review_is_in_its_digest_until_the_last_day(wh):
    office, d13 = Principal("office", "assessment"), Principal("dept-d13", "department", "D13")
    did = file_dispute(wh, d13, "assignment:E20240004475/D13", "无效诉求", "不属实", at="2024-10-08 10:00")
    office_digest = [d for d in reminders.digests(wh, T("2024-10-08 12:00")) if d["recipient"] == "assessment"]
    assert [(i["dispute_id"], i["kind"]) for i in office_digest[0]["items"]] == [(did, "申诉")]
    rule_dispute(wh, office, did, False, "无依据", at="2024-10-09 10:00")
    lists = reminders.self_check(wh, "D13", T("2024-10-10 08:30"))
    assert [(i["dispute_id"], i["deadline"]) for i in lists["disputes"]] == [(did, T("2024-10-12 23:59:59"))]
    assert reminders.self_check(wh, "D13", T("2024-10-14 08:30"))["disputes"] == []
    # nothing waits for the office any more
    assert not [d for d in reminders.digests(wh, T("2024-10-10 08:30")) if d["recipient"] == "assessment"]


# ---------------------------------------------------------------- sending on the sample city

def test_every_department_with_work_gets_one_message_per_channel_with_its_lists(wh, robot):
    chair()
    digests = reminders.digests(wh, AT)
    depts = [d for d in digests if d["recipient"].startswith("department:")]
    for d in depts:
        add(d["recipient"], "dingtalk", webhook=robot.url(f"/robot/send?access_token={d['recipient'][11:]}"),
            secret="SEC-" + d["recipient"][11:])
    result = delivery.run(wh, AT, settings(), sleep=lambda s: None)
    assert not result.failed and len(result.sent) == len(depts)
    assert len(robot.requests) == len(depts)
    for d in depts:
        dept = d["recipient"][11:]
        got = [r for r in robot.requests if r["query"]["access_token"] == [dept]]
        assert len(got) == 1
        req = got[0]
        assert set(req["json"]) == {"msgtype", "markdown"} and req["json"]["msgtype"] == "markdown"
        assert set(req["json"]["markdown"]) == {"title", "text"}
        ts = req["query"]["timestamp"][0]
        assert abs(int(ts) - dt.datetime.now().timestamp() * 1000) < 120_000    # real current milliseconds
        assert req["query"]["sign"] == [expected_sign("SEC-" + dept, ts)]
        lists = reminders.self_check(wh, dept, AT)
        text = req["json"]["markdown"]["text"]
        wanted = [i["event_id"] for i in reminders.digest_items(lists)]
        assert [e for e in _event_ids(text)] == wanted
    # once a day: a second run sends nothing new
    again = delivery.run(wh, AT.replace(hour=11), settings(), sleep=lambda s: None)
    assert not again.sent and len(again.skipped) == len(depts) and len(robot.requests) == len(depts)


def _event_ids(text: str) -> list[str]:
    import re

    return re.findall(r"事件 (E\d+)", text.replace("\\", ""))


def test_dingtalk_signature_for_a_fixed_timestamp_and_secret():
    url = delivery.dingtalk_signed_url("http://127.0.0.1:9/robot/send?access_token=abc", "SECabc", 1734654600000)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert q["timestamp"] == ["1734654600000"]
    assert q["sign"] == [expected_sign("SECabc", "1734654600000")]
    assert "%2B" in url or "%2F" in url or "%3D" in url   # the Base64 is URL-encoded


def test_wecom_gets_exactly_the_markdown_json(wh, robot):
    chair()
    add("department:D01", "wecom", webhook=robot.url("/cgi-bin/webhook/send?key=K1"))
    result = delivery.run(wh, AT, settings(), department="D01", sleep=lambda s: None)
    assert [s["recipient"] for s in result.sent] == ["department:D01"]
    (req,) = robot.requests
    d = reminders.digests(wh, AT, department="D01")[0]
    assert req["json"] == {"msgtype": "markdown",
                           "markdown": {"content": digest_text.markdown_parts(d, 4096)[0]}}
    assert req["content_type"].startswith("application/json")
    assert "数据截至 2024年12月20日 08" in req["json"]["markdown"]["content"]


# ---------------------------------------------------------------- faults

def test_a_500_is_tried_again_and_every_try_logged(wh, robot):
    chair()
    cid = add("department:D01", "wecom", webhook=robot.url("/send?key=a"))
    robot.script.put((500, {"error": "boom"}))
    waits = []
    result = delivery.run(wh, AT, settings(retry_seconds=2), department="D01", sleep=waits.append)
    assert result.sent and not result.failed and waits == [2]
    (row,) = records.sends(day="2024-12-20")
    assert row["channel_id"] == cid and row["status"] == "sent"
    assert [(t["ok"], t["answer"][:8]) for t in row["tries"]] == [(False, "HTTP 500"), (True, "HTTP 200")]


def test_an_errcode_that_persists_fails_with_one_chinese_line_and_exit_3(wh, robot, settings_file):
    settings_file(retries=2)
    chair()
    add("department:D01", "wecom", webhook=robot.url("/send?key=bad"))
    for _ in range(3):
        robot.script.put((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    out = CliRunner().invoke(cli, ["remind", "--at", "2024-12-20 08:30", "--department", "D01"])
    assert out.exit_code == 3, out.output
    assert "发送失败：公安局（D01） 企业微信（1） errcode 93000" in out.output
    assert len(robot.requests) == 3
    (row,) = records.sends(day="2024-12-20")
    assert row["status"] == "failed" and [t["errcode"] for t in row["tries"]] == [93000] * 3
    st = CliRunner().invoke(cli, ["status"])
    # status reads today's date: the failure of the day given shows through the same function
    (line,) = delivery.failing_today_lines("2024-12-20")
    assert line.startswith("提醒发送失败（今日）：部门 D01 企业微信（渠道 1），已送达 0/1 条")
    assert st.exit_code == 0
    # a later run the same day tries again what was not delivered, and nothing else
    add("department:D03", "wecom", webhook=robot.url("/send?key=d03"))
    out = CliRunner().invoke(cli, ["remind", "--at", "2024-12-20 10:00", "--department", "D01"])
    assert out.exit_code == 0, out.output
    assert len(robot.requests) == 4 and robot.requests[-1]["query"]["key"] == ["bad"]


def test_a_timeout_fails_and_is_retried(wh, robot):
    chair()
    add("department:D01", "wecom", webhook=robot.url("/send?key=slow"))
    robot.script.put(("hang", None))
    result = delivery.run(wh, AT, settings(timeout_seconds=0.5, retries=1), department="D01", sleep=lambda s: None)
    assert result.sent
    (row,) = records.sends(day="2024-12-20")
    assert [t["answer"] for t in row["tries"]][0] == "超时"


def test_an_answer_that_is_not_http_or_an_address_that_cannot_be_sent_to_fails_that_digest_only(wh, robot):
    """A robot answering with something that is not HTTP, and a robot address stored with a space in its key (as
    an older record could hold it): each try is a failure recorded with its cause, the key never in it, and the
    other recipients' digests still go out."""
    chair()
    add("department:D01", "wecom", webhook=robot.url("/send?key=garbled"))
    records.add_channel("department:D02", "wecom", webhook=robot.url("/send?key=SECRET KEY"), secret=None, email=None,
                        by="chair", at=T("2024-12-01 09:00"))
    add("department:D04", "wecom", webhook=robot.url("/send?key=fine"))
    for _ in range(2):
        robot.script.put(("not-http", None))
    result = delivery.run(wh, AT, settings(retries=1), sleep=lambda s: None)
    assert {f["recipient"] for f in result.failed} == {"department:D01", "department:D02"}
    assert [s["recipient"] for s in result.sent if s["recipient"].startswith("department:")] == ["department:D04"]
    rows = {r["recipient"]: r for r in records.sends(day="2024-12-20")}
    assert rows["department:D01"]["status"] == rows["department:D02"]["status"] == "failed"
    assert rows["department:D04"]["status"] == "sent"
    answers = [t["answer"] for r in ("department:D01", "department:D02") for t in rows[r]["tries"]]
    assert answers and all(a.startswith("连接失败") for a in answers), answers
    assert "SECRET" not in json.dumps([rows, result.failed], default=str, ensure_ascii=False)


def test_a_robot_address_with_a_space_or_a_control_character_is_refused(wh):
    chair()
    for webhook in ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=A B",
                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=A\x01B", "https://", "https:// x"):
        with pytest.raises(delivery.ChannelRefused, match="机器人渠道须填写完整的机器人地址"):
            delivery.add_channel(Principal("chair", "committee"), "department:D01", "wecom", webhook=webhook,
                                 secret=None, email=None)
    assert records.channels() == []


def test_a_rate_limit_answer_waits_its_time_then_sends(wh, robot):
    chair()
    add("department:D01", "dingtalk", webhook=robot.url("/robot/send?access_token=x"), secret="S")
    robot.script.put((200, {"errcode": 130101, "errmsg": "send too fast"}))
    waits = []
    result = delivery.run(wh, AT, settings(rate_limit_wait_seconds=60, retry_seconds=5), department="D01",
                          sleep=waits.append)
    assert result.sent and waits == [60] and len(robot.requests) == 2


def test_twenty_messages_a_minute_to_one_robot_at_most():
    now = [0.0]
    waits = []

    def sleep(s):
        waits.append(s)
        now[0] += s

    pace = delivery.RobotPace(20, lambda: now[0], sleep)
    for _ in range(20):
        pace.wait("robot")
        now[0] += 0.1
    assert waits == []
    pace.wait("robot")
    assert len(waits) == 1 and abs(waits[0] - 58.0) < 1e-6
    pace.wait("other robot")
    assert len(waits) == 1


def test_a_digest_too_long_for_one_message_is_split_at_item_boundaries(wh, robot):
    chair()
    add("department:D02", "wecom", webhook=robot.url("/send?key=long"))
    result = delivery.run(wh, AT, settings(wecom_max_bytes=2000), department="D02", sleep=lambda s: None)
    assert result.sent and result.sent[0]["parts"] == len(robot.requests) > 2
    n = len(robot.requests)
    contents = [r["json"]["markdown"]["content"] for r in robot.requests]
    assert all(len(c.encode()) <= 2000 for c in contents)
    assert all(f"（{k}/{n}）" in c.splitlines()[0] for k, c in enumerate(contents, 1))
    want = [i["event_id"] for i in reminders.digest_items(reminders.self_check(wh, "D02", AT))]
    assert [e for c in contents for e in _event_ids(c)] == want


def test_a_failed_part_is_the_only_one_sent_again_later(wh, robot):
    chair()
    add("department:D02", "wecom", webhook=robot.url("/send?key=parts"))
    robot.script.put((200, {"errcode": 0}))
    for _ in range(2):
        robot.script.put((502, {}))
    first = delivery.run(wh, AT, settings(wecom_max_bytes=2000, retries=1), department="D02", sleep=lambda s: None)
    assert first.failed
    sent_before = [r["json"]["markdown"]["content"] for r in robot.requests]
    assert len(sent_before) == 3      # part 1 went, part 2 failed twice
    later = delivery.run(wh, AT.replace(hour=9), settings(wecom_max_bytes=2000), department="D02",
                         sleep=lambda s: None)
    assert later.sent and not later.failed
    contents = [r["json"]["markdown"]["content"] for r in robot.requests[3:]]
    assert contents[0] == sent_before[1] and sent_before[0] not in contents


def test_two_remind_processes_at_once_send_each_digest_once(wh, robot, committed_sample_db, settings_file):
    settings_file()
    chair()
    add("department:D01", "wecom", webhook=robot.url("/send?key=once"))
    add("department:D03", "dingtalk", webhook=robot.url("/robot/send?access_token=d3"), secret="S3")
    env = {**os.environ}
    cmd = [sys.executable, "-m", "govdash.cli", "remind", "--at", "2024-12-20 08:30"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(r["path"] for r in robot.requests) == ["/robot/send", "/send"]
    assert len(records.sends(day="2024-12-20")) == 2


def test_no_reminders_on_a_holiday_and_reminders_on_a_make_up_saturday(wh, robot, settings_file):
    settings_file()
    chair()
    add("department:D01", "wecom", webhook=robot.url("/send?key=cal"))
    add("committee", "wecom", webhook=robot.url("/send?key=committee"))
    out = CliRunner().invoke(cli, ["remind", "--at", "2024-10-01 08:30"])
    assert out.exit_code == 0 and "2024年10月1日不是工作日" in out.output and robot.requests == []
    assert records.sends() == []
    out = CliRunner().invoke(cli, ["remind", "--at", "2024-10-12 08:30"])
    assert out.exit_code == 0, out.output
    assert {r["query"]["key"][0] for r in robot.requests} >= {"committee"}
    assert {r["day"] for r in records.sends()} == {"2024-10-12"}


# ---------------------------------------------------------------- e-mail over STARTTLS

def _certificate(folder: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class SMTPReceiver:
    """An SMTP server on 127.0.0.1 that offers STARTTLS and AUTH PLAIN (only after TLS), and keeps each message
    with the login it came with."""

    def __init__(self, cert: Path, key: Path):
        self.messages: list[dict] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                sock, tls, login, rcpt = self.connection, False, None, []
                rfile, wfile = self.rfile, self.wfile

                def say(line):
                    wfile.write((line + "\r\n").encode())
                    wfile.flush()
                say("220 localhost ESMTP test")
                while True:
                    line = rfile.readline().decode().rstrip("\r\n")
                    if not line:
                        return
                    verb = line.split(" ")[0].upper()
                    if verb in ("EHLO", "HELO"):
                        say("250-localhost")
                        say("250-AUTH PLAIN" if tls else "250-STARTTLS")
                        say("250 8BITMIME")
                    elif verb == "STARTTLS":
                        say("220 go ahead")
                        sock = context.wrap_socket(sock, server_side=True)
                        rfile, wfile, tls = sock.makefile("rb"), sock.makefile("wb"), True
                    elif verb == "AUTH":
                        login = base64.b64decode(line.split(" ")[2]).split(b"\0")[1:]
                        say("235 ok")
                    elif verb in ("MAIL", "RSET", "NOOP"):
                        say("250 ok")
                    elif verb == "RCPT":
                        rcpt.append(line.split(":", 1)[1].strip("<> "))
                        say("250 ok")
                    elif verb == "DATA":
                        say("354 end with .")
                        data = b""
                        while True:
                            chunk = rfile.readline()
                            if chunk in (b".\r\n", b""):
                                break
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        message = email.message_from_bytes(data, policy=email.policy.default)
                        receiver.messages.append({"tls": tls, "login": login, "rcpt": rcpt, "message": message})
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("502 no")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_an_email_digest_over_starttls_with_text_and_html(wh, tmp_path, monkeypatch):
    cert, key = _certificate(tmp_path)
    smtp = SMTPReceiver(cert, key)
    try:
        chair()
        add("department:D01", "email", email="d01@example.test")
        monkeypatch.setenv("GOVDASH_SMTP_PASSWORD", "smtp-secret-1")
        s = settings()
        s["reminders"]["smtp"] = {"host": "127.0.0.1", "port": smtp.port, "starttls": True,
                                  "sender": "govdash@example.test", "user": "mailer", "ca_file": str(cert)}
        result = delivery.run(wh, AT, s, department="D01", sleep=lambda x: None)
        assert result.sent and not result.failed
        (got,) = smtp.messages
        assert got["tls"] and got["login"] == [b"mailer", b"smtp-secret-1"] and got["rcpt"] == ["d01@example.test"]
        msg = got["message"]
        assert msg.get_content_type() == "multipart/alternative"
        kinds = [p.get_content_type() for p in msg.walk() if not p.is_multipart()]
        assert kinds == ["text/plain", "text/html"]
        text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
        want = [i["event_id"] for i in reminders.digest_items(reminders.self_check(wh, "D01", AT))]
        assert _event_ids(text) == want
        (row,) = records.sends(day="2024-12-20")
        assert "smtp-secret-1" not in json.dumps(row, default=str)
        # a certificate the client does not trust is refused (no CA file: the system's CAs)
        s["reminders"]["smtp"]["ca_file"] = ""
        failed = delivery.run(wh, AT.replace(day=23), s, department="D01", sleep=lambda x: None)
        assert failed.failed and "SSL" in failed.failed[0]["reason"]
    finally:
        smtp.stop()


# ---------------------------------------------------------------- untrusted text and secrets

def test_untrusted_text_stays_text_in_markdown_and_html():
    hostile = "[点我](http://evil.example) <script>x</script> **粗**"
    d = {"recipient": "department:D99", "recipient_name": hostile, "as_of": AT, "summary": None,
         "items": [{"kind": "超期", "event_id": "E1)[x](http://e", "dept_id": "D99", "deadline": AT,
                    "working_days_overdue": 2, "link": "/case?event=E1"}]}
    (md,) = digest_text.markdown_parts(d, 4096)
    assert "](http://evil" not in md and "<script>" not in md and "**粗**" not in md
    assert "/case?event=E1%29%5Bx%5D%28http%3A%2F%2Fe" in md
    html = digest_text.html_text(d)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_notify_commands_keep_secrets_to_themselves(wh):
    chair()
    set_user("d01", "department:D01", "pw-d01-12345")
    run = CliRunner().invoke
    refused = run(cli, ["notify", "add", "--user", "d01", "--to", "department:D01", "--channel", "wecom",
                        "--webhook", "http://127.0.0.1:9/x"])
    assert refused.exit_code == 1 and "不是基层治理委员会账号" in refused.output
    added = run(cli, ["notify", "add", "--user", "chair", "--to", "department:D01", "--channel", "dingtalk",
                      "--webhook", "https://robot.example.test/robot/send?access_token=TOKEN123",
                      "--secret", "SECRET456"])
    assert added.exit_code == 0, added.output
    cid = json.loads(added.output)["id"]
    listed = run(cli, ["notify", "list", "--json"])
    assert "SECRET456" not in listed.output and "TOKEN123" not in listed.output
    assert json.loads(listed.output)[0]["secret"] == "******"
    pw = run(cli, ["notify", "smtp-password", "--user", "chair"], input="hunter2-smtp\n")
    assert pw.exit_code == 0 and "hunter2" not in pw.output
    assert records.secret(records.SMTP_PASSWORD) == "hunter2-smtp"
    removed = run(cli, ["notify", "remove", "--user", "chair", "--id", str(cid)])
    assert removed.exit_code == 0 and records.channels() == []


def test_notify_test_sends_one_message(wh, robot):
    chair()
    cid = add("committee", "wecom", webhook=robot.url("/send?key=t"))
    out = CliRunner().invoke(cli, ["notify", "test", "--user", "chair", "--id", str(cid)])
    assert out.exit_code == 0, out.output
    assert robot.requests[0]["json"]["msgtype"] == "markdown"
    robot.script.put((200, {"errcode": 93000, "errmsg": "bad"}))
    out = CliRunner().invoke(cli, ["notify", "test", "--user", "chair", "--id", str(cid)])
    assert out.exit_code == 3 and "发送失败：基层治理委员会 企业微信" in out.output


# ---------------------------------------------------------------- the send log on both engines

def test_a_digest_is_claimed_by_one_scheduler_and_taken_over_only_when_it_failed(records_url):
    channel = {"id": records.add_channel("committee", "wecom", webhook="http://127.0.0.1:9/x", secret=None,
                                         email=None, by="chair", at=T("2024-12-20 08:00"), url=records_url),
               "channel": "wecom"}
    at = T("2024-12-20 08:30")

    def claim(holder, parts=("a", "b")):
        return records.claim("committee", channel, "2024-12-20", at, "0" * 64, list(parts), holder=holder, now=at,
                             url=records_url)

    first = claim("one")
    assert first["parts"] == ["a", "b"] and first["parts_sent"] == 0
    assert claim("two") is None                      # held by the first
    records.record_try(first["id"], 1, at=at, ok=True, answer="HTTP 200", errcode=0, url=records_url)
    records.record_try(first["id"], 2, at=at, ok=False, answer="HTTP 500", errcode=None, url=records_url)
    records.finish(first["id"], "failed", at=at, url=records_url)
    again = claim("two", parts=("changed",))
    assert again["claimed_by"] == "two" and again["parts"] == ["a", "b"] and again["parts_sent"] == 1
    records.finish(again["id"], "sent", at=at, url=records_url)
    assert claim("three") is None
    (row,) = records.sends(url=records_url)
    assert row["status"] == "sent" and [t["ok"] for t in row["tries"]] == [True, False]


def test_a_failed_digest_is_sent_again_later_even_when_nothing_is_due_any_more(wh, robot):
    office, d13 = Principal("office", "assessment"), Principal("dept-d13", "department", "D13")
    chair()
    add("assessment", "wecom", webhook=robot.url("/send?key=office"))
    did = file_dispute(wh, d13, "assignment:E20240004475/D13", "无效诉求", "不属实", at="2024-10-10 08:00")
    for _ in range(2):
        robot.script.put((500, {}))
    first = delivery.run(wh, T("2024-10-10 08:30"), settings(retries=1), sleep=lambda s: None)
    assert [f["recipient"] for f in first.failed] == ["assessment"] and len(robot.requests) == 2
    rule_dispute(wh, office, did, True, "属实", at="2024-10-10 09:00")
    later = delivery.run(wh, T("2024-10-10 10:00"), settings(), sleep=lambda s: None)
    assert not [d for d in later.digests if d["recipient"] == "assessment"]      # nothing waits for it now
    assert [s["recipient"] for s in later.sent] == ["assessment"]                # but the morning's digest went
    assert robot.requests[-1]["json"] == robot.requests[0]["json"] and len(robot.requests) == 3


# ---------------------------------------------------------------- the 部门自查 page

def test_the_self_check_page_shows_the_digest_of_its_cut_off_and_the_send_history(wh, robot, committed_sample_db,
                                                                                 monkeypatch):
    from tests.support.apptest import open_page

    chair()
    add("department:D01", "wecom", webhook=robot.url("/send?key=page"))
    assert delivery.run(wh, AT, settings(), department="D01", sleep=lambda s: None).sent
    lists = reminders.self_check(wh, "D01", AT)
    at = open_page("pages/department_self_check.py", month="2024-12", cutoff=AT, db=committed_sample_db,
                   monkeypatch=monkeypatch)
    at.selectbox(key="self_dept").set_value("D01").run()
    assert not at.exception
    assert "今日提醒与发送记录" in [s.value for s in at.subheader]
    line = next(m.value for m in at.markdown if "可申请复核的申诉" in m.value)
    assert (f"临期（2024年12月23日结束前到期）{len(lists['due_soon'])} 件，超期 {len(lists['overdue'])} 件，"
            f"可申请复核的申诉 {len(lists['disputes'])} 件") in line
    history = [df.value for df in at.dataframe if "渠道" in df.value.columns]
    assert history and history[0]["状态"].tolist() == ["已发送"] and history[0]["日期"].tolist() == ["2024-12-20"]


def test_status_names_a_channel_failing_today(wh):
    chair()
    cid = add("department:D01", "dingtalk", webhook="http://127.0.0.1:9/robot/send?access_token=T", secret="S")
    today, moment = delivery.now().date().isoformat(), delivery.now()
    row = records.claim("department:D01", {"id": cid, "channel": "dingtalk"}, today, moment, "0" * 64, ["x"],
                        holder="test", now=moment)
    records.record_try(row["id"], 1, at=moment, ok=False, answer="HTTP 503", errcode=None)
    out = CliRunner().invoke(cli, ["status"])
    assert out.exit_code == 0 and "提醒发送失败" not in out.output      # still being sent: not failed yet
    records.finish(row["id"], "failed", at=moment)
    out = CliRunner().invoke(cli, ["status"])
    assert f"提醒发送失败（今日）：部门 D01 钉钉（渠道 {cid}），已送达 0/1 条，最后应答：HTTP 503" in out.output
    assert json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)["reminders_failing_today"]


# ---------------------------------------------------------------- the sample city's morning, every channel at once

def test_the_sample_citys_morning_one_digest_per_department_and_channel_through_the_command(
        wh, robot, settings_file, tmp_path, monkeypatch):
    """`govdash remind --at "2024-12-20 08:30"` on the committed sample city, each department with work on a WeCom
    robot, a DingTalk robot (signed) and an e-mail address: exactly one message of each kind per such department,
    whose items are `govdash report self-check`'s lists at that moment, in its order (a WeCom digest over its 4096
    bytes comes in numbered parts); a second run that day sends nothing more."""
    cert, key = _certificate(tmp_path)
    smtp = SMTPReceiver(cert, key)
    try:
        settings_file(smtp={"host": "127.0.0.1", "port": smtp.port, "starttls": True, "sender": "govdash@example.test",
                            "user": "mailer", "ca_file": str(cert)})
        monkeypatch.setenv("GOVDASH_SMTP_PASSWORD", "smtp-secret-1")
        chair()
        at = AT.strftime("%Y-%m-%d %H:%M")
        lists = {d: self_check_json(d, at) for d in sorted(departments(wh)["dept_id"])}
        busy = {d: [i["event_id"] for i in reminders.digest_items(v)] for d, v in lists.items()
                if reminders.digest_items(v)}
        assert len(busy) >= 5
        for d in lists:
            add(f"department:{d}", "wecom", webhook=robot.url(f"/cgi-bin/webhook/send?key=W-{d}"))
            add(f"department:{d}", "dingtalk", webhook=robot.url(f"/robot/send?access_token=T-{d}"), secret=f"S-{d}")
            add(f"department:{d}", "email", email=f"{d.lower()}@example.test")

        out = CliRunner().invoke(cli, ["remind", "--at", at])
        assert out.exit_code == 0, out.output
        wecom = {}
        dingtalk = {}
        for r in robot.requests:
            if "key" in r["query"]:
                wecom.setdefault(r["query"]["key"][0][2:], []).append(r["json"]["markdown"]["content"])
            else:
                dept = r["query"]["access_token"][0][2:]
                assert r["query"]["sign"] == [expected_sign(f"S-{dept}", r["query"]["timestamp"][0])]
                dingtalk.setdefault(dept, []).append(r["json"]["markdown"]["text"])
        mails = {}
        for m in smtp.messages:
            (rcpt,) = m["rcpt"]
            text = next(p for p in m["message"].walk() if p.get_content_type() == "text/plain").get_content()
            mails.setdefault(rcpt.split("@")[0].upper(), []).append(text)
        for got in (wecom, dingtalk, mails):
            assert set(got) == set(busy)
            for dept, texts in got.items():
                # one digest each: one message, or one split at item boundaries into parts numbered 1/n … n/n
                n = len(texts)
                assert n == 1 or all(f"（{k}/{n}）" in t.splitlines()[0] for k, t in enumerate(texts, 1)), texts
                assert [e for t in texts for e in _event_ids(t)] == busy[dept]   # the self-check's items, in order
        assert {len(t) for t in mails.values()} == {1} and {len(t) for t in dingtalk.values()} == {1}
        assert any(len(t) > 1 for t in wecom.values())      # WeCom's 4096 bytes split the longest digests

        sent = (len(robot.requests), len(smtp.messages))
        again = CliRunner().invoke(cli, ["remind", "--at", AT.replace(hour=14).strftime("%Y-%m-%d %H:%M")])
        assert again.exit_code == 0, again.output
        assert (len(robot.requests), len(smtp.messages)) == sent
    finally:
        smtp.stop()


def test_a_case_not_yet_answered_is_due_by_its_response_deadline(wh):
    """SPEC §10: 临期 is a response or a closure deadline before the end of the next working day. At Thursday
    2024-12-19 08:30 (next working day Friday 20th), the open cases in time not answered by then whose response
    deadline is still ahead and by Friday's end are 临期 by that deadline, though their closure falls later; the
    answered ones are 临期 by their closure deadline alone."""
    at = T("2024-12-19 08:30")
    horizon = T("2024-12-20 23:59:59")
    found = 0
    for dept in departments(wh)["dept_id"]:
        lists = reminders.self_check(wh, dept, at)
        assert lists["due_by"] == horizon
        due = {i["event_id"]: i for i in lists["due_soon"]}
        for row in whistle.department_open_cases(wh, dept, at).to_dicts():
            if row["status"] != "open_in_time":
                assert row["event_id"] not in due
                continue
            unanswered = row["responded_at"] is None and at < row["response_deadline"] <= horizon
            if unanswered:
                found += 1
                assert due[row["event_id"]]["deadline"] == row["response_deadline"]
                assert due[row["event_id"]]["deadline_kind"] == "响应"
            elif row["closure_deadline"] <= horizon:
                assert due[row["event_id"]]["deadline"] == row["closure_deadline"]
            else:
                assert row["event_id"] not in due
    assert found >= 1      # the sample city has such cases that morning


def test_a_day_of_a_year_without_the_official_calendar_is_said_to_be_read_as_monday_to_friday(wh):
    """SPEC §1: a year the official calendar does not cover is never read as Mon–Fri silently. The sample city's
    calendar holds the official years and an override of 2027; 2028 is beyond it: Wednesday 2028-01-26 (the first
    day of that Spring Festival) is judged a working day on the provisional reading, and the command says so; 2024
    is covered and says nothing of it."""
    out = CliRunner().invoke(cli, ["remind", "--at", "2028-01-26 08:30", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "2028年尚无官方节假日安排，按周一至周五暂定判断工作日" in out.stderr
    assert delivery.run(wh, T("2028-01-26 08:30"), settings(), dry_run=True).calendar_provisional
    assert not delivery.run(wh, T("2027-02-10 08:30"), settings(), dry_run=True).calendar_provisional   # override
    covered = CliRunner().invoke(cli, ["remind", "--at", "2024-12-20 08:30", "--dry-run"])
    assert covered.exit_code == 0 and "暂定" not in covered.stderr
    assert not delivery.run(wh, AT, settings(), dry_run=True).calendar_provisional


def test_a_claim_is_renewed_while_sending_and_a_sender_that_lost_it_changes_nothing(records_url):
    """A digest's claim runs out CLAIM_SECONDS after its last renewal: a sender that goes on trying keeps it, one
    that stalled past it loses it to another scheduler, and then its late tries and its finish leave the row as the
    new holder has it."""
    channel = {"id": records.add_channel("committee", "wecom", webhook="http://127.0.0.1:9/x", secret=None,
                                         email=None, by="chair", at=T("2024-12-20 08:00"), url=records_url),
               "channel": "wecom"}
    at = T("2024-12-20 08:30")
    later = dt.timedelta(seconds=records.CLAIM_SECONDS - 60)

    def claim(holder, moment):
        return records.claim("committee", channel, "2024-12-20", at, "0" * 64, ["a", "b", "c"], holder=holder,
                             now=moment, url=records_url)

    first = claim("one", at)
    assert records.renew(first["id"], "one", now=at + later, url=records_url)
    assert claim("two", at + 2 * later) is None                  # renewed: still the first's
    assert claim("two", at + 3 * later)["claimed_by"] == "two"   # stalled past its claim: taken over
    assert not records.renew(first["id"], "one", now=at + 3 * later, url=records_url)
    assert not records.record_try(first["id"], 1, at=at + 3 * later, ok=True, answer="HTTP 200", errcode=0,
                                  holder="one", url=records_url)
    records.finish(first["id"], "sent", at=at + 3 * later, holder="one", url=records_url)
    (row,) = records.sends(url=records_url)
    assert (row["status"], row["parts_sent"], row["claimed_by"]) == ("sending", 0, "two")
    assert [t["ok"] for t in row["tries"]] == [True]             # the late try is kept in the log, as it happened


def test_a_sender_whose_claim_was_taken_over_sends_no_further_part(wh, robot):
    """Between two parts of a split digest, another scheduler takes the claim over (as when this one stalled past
    it): the first sends nothing more, does not count the digest as failed or sent, and the row is the new
    holder's."""
    chair()
    add("department:D02", "wecom", webhook=robot.url("/send?key=parts"))
    robot.script.put((500, {"errcode": 0}))     # the first part fails once: the sender waits before trying again

    def taken_over(_seconds):
        (row,) = records.sends(day="2024-12-20")
        assert records.claim(row["recipient"], {"id": row["channel_id"], "channel": "wecom"}, row["day"], AT,
                             row["digest_sha256"], row["parts"], holder="other",
                             now=delivery.now() + dt.timedelta(seconds=2 * records.CLAIM_SECONDS))

    result = delivery.run(wh, AT, settings(wecom_max_bytes=2000), department="D02", sleep=taken_over,
                          holder="first")
    assert not result.sent and not result.failed and len(result.skipped) == 1
    assert len(robot.requests) == 1                               # the failed try only: no part after the take-over
    (row,) = records.sends(day="2024-12-20")
    assert (row["claimed_by"], row["status"], row["parts_sent"]) == ("other", "sending", 0)
