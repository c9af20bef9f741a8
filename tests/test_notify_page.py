"""The reminders' channels (临期提醒与超期预警, SPEC §10) on 数据导入与质量, as their users open it (AppTest) on the
committed sample city and a real records database: the committee adds, tests and removes a channel through the same
rules as `govdash notify`, sees a robot's key and signing secret never again, and is refused with the command's own
sentence; the assessment office sees the channels' failures of the day but nothing of the channels; messages go to a
local robot on 127.0.0.1 only."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto

from govdash.cli.main import main as cli
from govdash.core.principal import Principal
from govdash.documents import delivery
from govdash.records import reminders as records
from govdash.records.accounts import set_user
from govdash.web.registry import allowed_pages
from tests.support.apptest import open_page
from tests.support.robot import Robot
from tests.support.textlint import as_read, city_names, lint, rendered_texts
from tests.support.warehouse import warehouse_cursor

PAGE = "pages/data_quality.py"
CHAIR = Principal("chair", "committee")
OFFICE = Principal("office", "assessment")
D01 = Principal("dept-d01", "department", "D01")
TOKEN, SECRET = "TOKENq8Zx31", "SECk9Vw27pL"
DINGTALK = f"https://oapi.dingtalk.example.test/robot/send?access_token={TOKEN}"
HOSTILE = "**x** <img src=x>"


@pytest.fixture
def city(committed_sample_db, monkeypatch):
    """The committed sample city as the page's warehouse; its codes and names (for the text lint)."""
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    set_user("chair", "committee", "pw-chair-1234")
    with warehouse_cursor(committed_sample_db) as cur:
        yield city_names(cur)


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.stop()


def page_texts(at) -> str:
    """Everything the run drew as a reader sees it, and what its text boxes still hold."""
    return "\n".join([t.text for t in rendered_texts(at)] + [str(w.value) for w in at.text_input])


def box(at, name: str):
    """The add form's text box `name` (its key carries the form's round)."""
    (found,) = [w for w in at.text_input if w.key.startswith(f"notify_{name}_")]
    return found


def fill(at, recipient: str, channel: str, *, webhook: str = "", secret: str = "", email: str = ""):
    at.selectbox(key="notify_recipient").set_value(recipient)
    at.selectbox(key="notify_channel").set_value(channel)
    box(at, "webhook").input(webhook)
    box(at, "secret").input(secret)
    box(at, "email").input(email)
    at.button(key="notify_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def unescaped(markdown: str) -> list[str]:
    """The markup HOSTILE would form in a markdown text: its tag or its emphasis not escaped by textsafe.md."""
    return re.findall(r"(?<!\\)<img|(?<!\\)\*\*x", markdown)


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def test_a_committee_adds_a_dingtalk_channel_sees_it_masked_and_removes_it(city):
    at = open_page(PAGE, CHAIR)
    assert "提醒渠道" in subheaders(at)
    fill(at, "department:D01", "dingtalk", webhook=DINGTALK, secret=SECRET)
    (row,) = records.channels()
    assert (row["recipient"], row["channel"], row["webhook"], row["secret"], row["email"], row["created_by"]) == \
        ("department:D01", "dingtalk", DINGTALK, SECRET, None, "chair")
    shown = page_texts(at)
    assert TOKEN not in shown and SECRET not in shown and "access_token" not in shown
    assert [(box(at, name).value, box(at, name).proto.type) for name in ("webhook", "secret")] == \
        [("", TextInputProto.PASSWORD)] * 2
    (listing,) = [df.value for df in at.dataframe if "渠道" in df.value.columns]
    (masked,) = records.listed(records.channels())
    assert listing["地址"].tolist() == [masked["webhook"]] == ["https://oapi.dingtalk.example.test/******"]
    assert listing["渠道"].tolist() == ["钉钉"] and listing["加签密钥"].tolist() == ["已设置"]
    assert city.codes["D01"] in listing["收件方"].tolist()[0]
    assert any(f"已添加提醒渠道 {row['id']}" in s.value for s in at.success)
    assert lint(rendered_texts(at, "data"), city) == []

    at.button(key=f"notify_remove_{row['id']}").click().run()
    assert not at.exception and records.channels() == []
    assert not [df for df in at.dataframe if "渠道" in df.value.columns]
    assert any(f"已删除提醒渠道 {row['id']}" in s.value for s in at.success)


@pytest.mark.parametrize("principal", [OFFICE, D01], ids=["assessment", "department"])
def test_only_the_committee_sees_the_channels(city, principal):
    records.add_channel("department:D01", "dingtalk", webhook=DINGTALK, secret=SECRET, email=None, by="chair",
                        at=dt.datetime(2024, 12, 1, 9, 0))
    # a department opens no data page at all: its default page then
    assert ("data" in allowed_pages(principal)) == principal.sees_all
    at = open_page(PAGE if "data" in allowed_pages(principal) else None, principal)
    shown = page_texts(at)
    assert "提醒渠道" not in shown and "发送测试消息" not in shown and "oapi.dingtalk" not in shown
    assert not [w for w in at.text_input if w.key and w.key.startswith("notify_")]
    assert not [b for b in at.button if b.key and b.key.startswith("notify_")]


@pytest.mark.parametrize("channel,fields", [
    ("email", {"email": "no-at-sign.example.test"}),
    ("wecom", {"webhook": "ftp://robot.example.test/send?key=K"}),
    ("wecom", {"webhook": "https://robot.example.test/send?key=K", "secret": SECRET}),
], ids=["email", "webhook", "secret-on-wecom"])
def test_an_invalid_channel_is_refused_with_the_commands_sentence(city, channel, fields):
    args = ["notify", "add", "--user", "chair", "--to", "committee", "--channel", channel]
    for name, value in fields.items():
        args += [f"--{name}", value]
    command = CliRunner().invoke(cli, args)
    assert command.exit_code == 1 and records.channels() == []
    sentence = command.output.strip().splitlines()[-1].removeprefix("错误：")
    at = fill(open_page(PAGE, CHAIR), "committee", channel, **fields)
    assert [as_read(e.value) for e in at.error] == [sentence]
    assert records.channels() == []


def test_a_test_message_goes_through_the_commands_code_and_its_answer_is_text(city, robot):
    cid = records.add_channel("committee", "wecom", webhook=robot.url("/send?key=page"), secret=None, email=None,
                              by="chair", at=dt.datetime(2024, 12, 1, 9, 0))
    at = open_page(PAGE, CHAIR)
    at.button(key=f"notify_test_{cid}").click().run()
    assert not at.exception
    assert [s.value for s in at.success if "测试消息" in s.value] == [f"测试消息已发送（渠道 {cid}）"]
    assert robot.requests[0]["json"]["msgtype"] == "markdown" and robot.requests[0]["query"]["key"] == ["page"]
    robot.script.put((200, {"errcode": 93000, "errmsg": HOSTILE}))
    at.button(key=f"notify_test_{cid}").click().run()
    (error,) = at.error
    assert as_read(error.value) == f"发送失败：基层治理委员会 企业微信（{cid}） errcode 93000：{HOSTILE}"
    assert not unescaped(error.value)
    assert len(robot.requests) == 2


def test_a_hostile_webhook_stays_text(city):
    # refused on the page (an address has no spaces), the refusal as text; one stored before that rule, as an older
    # record could hold it, is listed as text
    at = fill(open_page(PAGE, CHAIR), "committee", "wecom", webhook=f"http://{HOSTILE}/send?key=K")
    assert records.channels() == []
    assert any("机器人渠道须填写完整的机器人地址" in as_read(e.value) for e in at.error), [e.value for e in at.error]
    records.add_channel("committee", "wecom", webhook=f"http://{HOSTILE}/send?key=K", secret=None, email=None,
                        by="chair", at=dt.datetime(2024, 12, 1, 9, 0))
    at = open_page(PAGE, CHAIR)
    assert not at.exception
    (listing,) = [df.value for df in at.dataframe if "渠道" in df.value.columns]
    assert listing["地址"].tolist() == [f"http://{HOSTILE}/******"]
    assert not [m.value for m in at.markdown if unescaped(m.value)]


@pytest.mark.parametrize("principal", [CHAIR, OFFICE], ids=["committee", "assessment"])
def test_a_digest_failing_today_is_warned_by_name(city, principal):
    cid = records.add_channel("department:D01", "dingtalk", webhook=DINGTALK, secret=SECRET, email=None,
                              by="chair", at=dt.datetime(2024, 12, 1, 9, 0))
    moment = delivery.now()
    row = records.claim("department:D01", {"id": cid, "channel": "dingtalk"}, moment.date().isoformat(), moment,
                        "0" * 64, ["x", "y"], holder="test", now=moment)
    records.record_try(row["id"], 1, at=moment, ok=False, answer=f"HTTP 500 {HOSTILE}", errcode=None)
    assert not [w for w in open_page(PAGE, principal).warning if "提醒发送失败" in w.value]   # still being sent
    records.finish(row["id"], "failed", at=moment)
    at = open_page(PAGE, principal)
    warnings = [as_read(w.value) for w in at.warning if "提醒发送失败" in w.value]
    assert warnings == [f"提醒发送失败（今日）：{city.codes['D01']}（D01） 钉钉（渠道 {cid}），已送达 0/2 条，"
                        f"最后应答：HTTP 500 {HOSTILE}"]
    assert not [w.value for w in at.warning if unescaped(w.value)]
    assert lint(rendered_texts(at, "data"), city) == []
    status = CliRunner().invoke(cli, ["status"])     # the same failure as `govdash status` names it
    assert (f"提醒发送失败（今日）：部门 D01 钉钉（渠道 {cid}），已送达 0/2 条，"
            f"最后应答：HTTP 500 {HOSTILE}") in status.output


def test_a_webhook_is_shown_by_its_scheme_and_host_only():
    """What the page and `notify list` show of a robot's address: never its key, nor a user and password in it."""
    assert records.masked_webhook(DINGTALK) == "https://oapi.dingtalk.example.test/******"
    assert records.masked_webhook(f"https://robot:{SECRET}@hooks.example.test:8443/send?key={TOKEN}") == \
        "https://hooks.example.test:8443/******"
