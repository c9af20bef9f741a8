"""申诉核减 on the pages (SPEC §9), as their users open them (AppTest) on the committed sample city and a real records
database: a department files for its own item on the case page and on 部门自查 and follows it on 申诉核减, sees
nothing of another department's disputes and no ruling buttons; the assessment office rules at 初审 and the committee
at 复核 from their queues; refusals and reasons show as their own characters.

The sample city's items (worked out in tests/test_disputes_workflow.py): E20240004475 → D13, dispatched Fri
2024-09-27, closure deadline 2024-09-30, filing window to Sat 2024-10-12; E20240004469 → D04, dispatched
2024-09-27. The pages act "now": the workflow's clock (govdash.figures.disputes.now) is set inside those windows."""
from __future__ import annotations

import datetime as dt
import re
import struct
import zlib

import pytest

from govdash.core.principal import Principal
from govdash.core.textsafe import md
from govdash.figures import disputes as workflow
from govdash.records import disputes as records
from govdash.web import dispute_panel
from tests.support.apptest import open_page
from tests.support.paths import REPO
from tests.support.textlint import city_names, lint, rendered_texts
from tests.support.warehouse import warehouse_cursor

D13 = Principal("dept-d13", "department", "D13")
D04 = Principal("dept-d04", "department", "D04")
OFFICE = Principal("office", "assessment")
CHAIR = Principal("chair", "committee")
EVENT, EVENT_D04 = "E20240004475", "E20240004469"
ITEM, ITEM_D04 = f"assignment:{EVENT}/D13", f"assignment:{EVENT_D04}/D04"
RATING, BURDEN = "rating:2024-09/J18/D13", "burden:T2024000010"
HOSTILE = "**x** <img src=x onerror=alert(1)> [a](javascript:x)"
T = dt.datetime.fromisoformat


@pytest.fixture
def city(committed_sample_db, monkeypatch):
    """The committed sample city as the pages' warehouse, the workflow's clock at Tue 2024-10-08 10:00 (inside the
    filing windows of the items above), and a read cursor for filing directly."""
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    clock = {"now": T("2024-10-08 10:00:00")}
    monkeypatch.setattr(workflow, "now", lambda: clock["now"])
    with warehouse_cursor(committed_sample_db) as cur:
        yield cur, clock


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def disputes_page(principal: Principal):
    return open_page("pages/disputes.py", principal)


def labels(at) -> list[str]:
    return [e.label for e in at.expander]


def buttons(at) -> list[str]:
    return [b.label for b in at.button]


def test_a_department_files_for_its_own_item_on_the_case_page_and_follows_it(city):
    at = open_page("pages/case.py", D13, address={"event": EVENT})
    assert at.selectbox(key="case_dispute_item").options == [at.selectbox(key="case_dispute_item").format_func(ITEM)]
    at.selectbox(key="case_dispute_ground").set_value("无效诉求")
    at.text_area(key="case_dispute_reason").input("该诉求为咨询，非本部门职责范围内的有效诉求")
    at.button(key="case_dispute_submit").click().run()
    assert not at.exception and [e.value for e in at.error] == []
    [mine] = records.list_disputes()
    assert (mine["dept_id"], mine["event_id"], mine["ground"], mine["filed_by"], mine["state"]) == (
        "D13", EVENT, "无效诉求", "dept-d13", "pending_first")
    assert [s.value for s in at.success] == [f"已提交申诉（编号 {mine['id']}）。可在“申诉核减”页面查看办理进度。"]
    # 申诉核减 lists it with its state and 初审 deadline (5 working days from Tue 8 Oct: 9, 10, 11, Sat 12
    # (make-up), Mon 14 Oct)
    page = disputes_page(D13)
    assert [label.split(" · ")[0] for label in labels(page)] == [f"申诉 {mine['id']}"]
    assert labels(page)[0].endswith("无效诉求 · 待初审")
    assert "初审裁定期限：2024年10月14日" in [c.value for c in page.caption]
    assert "申诉说明：该诉求为咨询，非本部门职责范围内的有效诉求" in [t.value for t in page.text]


def test_a_refusal_is_shown_as_its_own_characters_and_nothing_is_filed(city):
    at = open_page("pages/case.py", D13, address={"event": EVENT})
    at.selectbox(key="case_dispute_ground").set_value("重复件").run()
    at.text_area(key="case_dispute_reason").input("与另一事件重复")
    at.text_input(key="case_dispute_duplicate").input(HOSTILE)
    at.button(key="case_dispute_submit").click().run()
    assert [e.value for e in at.error] == [md(f"“重复件”所指的事件 {HOSTILE} 不存在")]
    # an empty reason is refused by the rule, not by the page
    at.text_input(key="case_dispute_duplicate").input(EVENT_D04)
    at.text_area(key="case_dispute_reason").input("  ")
    at.button(key="case_dispute_submit").click().run()
    assert [e.value for e in at.error] == [md("请填写申诉理由（--reason），不能为空")]
    assert records.list_disputes() == []


def test_the_form_is_a_department_s_own_and_offers_its_own_items(city):
    # the committee sees the case but no form; D04 sees no form on D13's event (not dispatched to it)
    assert not [s for s in open_page("pages/case.py", CHAIR, address={"event": EVENT}).selectbox
                if s.key == "case_dispute_item"]
    # 部门自查 of September: the department's assignments of the month and its burden-list entries
    at = open_page("pages/department_self_check.py", D13, month="2024-09")
    items = at.selectbox(key="self_dispute_item")
    assert len(items.options) > 1 and items.format_func(ITEM) in items.options
    assert all(o.startswith(("派单：事件 ", "负担清单事项：任务 ")) for o in items.options)
    assert at.selectbox(key="self_dispute_ground").options == ["派错部门", "重复件", "无效诉求", "客观原因延期", "误评"]
    items.set_value(ITEM).run()
    at.selectbox(key="self_dispute_ground").set_value("客观原因延期").run()
    at.number_input(key="self_dispute_days").set_value(3)
    at.text_area(key="self_dispute_reason").input("暴雨停工")
    at.button(key="self_dispute_submit").click().run()
    assert not at.exception and [e.value for e in at.error] == []
    [mine] = records.list_disputes()
    assert (mine["event_id"], mine["ground"], mine["days_asked"]) == (EVENT, "客观原因延期", 3)
    # the committee's 部门自查 has no form
    office = open_page("pages/department_self_check.py", OFFICE, month="2024-09")
    assert not [s for s in office.selectbox if s.key == "self_dispute_item"]


def test_a_department_sees_only_its_own_disputes_and_no_ruling_buttons(city):
    cur, _ = city
    mine = workflow.file_dispute(cur, D13, ITEM, "派错部门", "应由住建部门办理")
    theirs = workflow.file_dispute(cur, D04, ITEM_D04, "无效诉求", "D04 的秘密理由")
    at = disputes_page(D13)
    assert [label.split(" · ")[0] for label in labels(at)] == [f"申诉 {mine}"]
    seen = " ".join([*labels(at), *(t.value for t in at.text), *(m.value for m in at.markdown)])
    assert EVENT_D04 not in seen and "秘密理由" not in seen and f"申诉 {theirs}" not in seen
    assert buttons(at) == ["撤回"]
    # the office sees both, and rules
    office = disputes_page(OFFICE)
    assert sorted(label.split(" · ")[0] for label in labels(office)) == sorted([f"申诉 {mine}", f"申诉 {theirs}"])
    assert {"批准", "驳回"} <= set(buttons(office)) and "撤回" not in buttons(office)


def test_the_department_withdraws_while_pending(city):
    cur, _ = city
    mine = workflow.file_dispute(cur, D13, ITEM, "派错部门", "应由住建部门办理")
    at = disputes_page(D13)
    at.button(key=f"dispute_{mine}_withdraw").click().run()
    assert records.dispute(mine)["state"] == "withdrawn"
    assert [s.value for s in at.success] == [f"申诉 {mine} 已撤回。"]
    assert buttons(at) == [] and labels(at)[0].endswith("已撤回")


def test_the_office_rules_with_a_reason_then_the_department_escalates_and_the_committee_reviews(city):
    cur, clock = city
    mine = workflow.file_dispute(cur, D13, ITEM, "客观原因延期", "暴雨停工", days=4)
    clock["now"] = T("2024-10-16 09:00:00")   # past the 初审 deadline (Mon 14 Oct): overdue for a ruling
    office = disputes_page(OFFICE)
    assert labels(office)[0].endswith("待初审 · 逾期未裁定")
    assert [e.value for e in office.error] == ["初审裁定期限：2024年10月14日（逾期未裁定）"]
    assert office.number_input(key=f"dispute_{mine}_days").max == 4
    # a ruling without a reason is refused by the rule and nothing is recorded
    office.button(key=f"dispute_{mine}_reject").click().run()
    assert md("请填写裁定理由（--reason），不能为空") in [e.value for e in office.error]
    assert records.dispute(mine)["state"] == "pending_first"
    office.text_area(key=f"dispute_{mine}_reason").input("停工证明不足")
    office.button(key=f"dispute_{mine}_reject").click().run()
    assert records.dispute(mine)["state"] == "rejected"
    assert [s.value for s in office.success] == [f"申诉 {mine} 已驳回。", "没有待裁定的申诉。"]
    assert "批准" not in buttons(office)   # the office has nothing left to rule on it
    # the department takes it to 复核 within 3 working days of the rejection (17, 18, Mon 21 Oct)
    clock["now"] = T("2024-10-17 09:00:00")
    dept = disputes_page(D13)
    assert "复核申请截止：2024年10月21日" in [c.value for c in dept.caption]
    dept.text_area(key=f"dispute_{mine}_escalate_reason").input("补充了气象证明")
    dept.button(key=f"dispute_{mine}_escalate").click().run()
    assert records.dispute(mine)["state"] == "pending_review"
    # the committee's queue holds it; approves 2 of the 4 days asked
    chair = disputes_page(CHAIR)
    assert [s.value for s in chair.subheader][0] == "待复核（基层治理委员会）"
    assert labels(chair)[0].startswith(f"申诉 {mine} ") and labels(chair)[0].endswith("待复核")
    chair.number_input(key=f"dispute_{mine}_days").set_value(2)
    chair.text_area(key=f"dispute_{mine}_reason").input("气象证明属实")
    chair.button(key=f"dispute_{mine}_approve").click().run()
    d = records.dispute(mine)
    assert d["state"] == "approved" and d["steps"][-1]["days_granted"] == 2
    trail = next(f.value for f in chair.dataframe if "步骤" in f.value.columns)
    assert list(trail["步骤"]) == ["提交申诉", "初审", "申请复核", "复核"]
    assert list(trail["决定"]) == ["", "驳回", "", "批准（延长 2 个工作日）"]
    assert list(trail["理由"]) == ["暴雨停工", "停工证明不足", "补充了气象证明", "气象证明属实"]


def test_nobody_rules_on_their_own_department_s_dispute(city):
    cur, _ = city
    mine = workflow.file_dispute(cur, D13, ITEM, "派错部门", "应由住建部门办理")
    own = Principal("office-d13", "assessment", "D13")
    at = disputes_page(own)
    at.text_area(key=f"dispute_{mine}_reason").input("同意")
    at.button(key=f"dispute_{mine}_approve").click().run()
    assert [e.value for e in at.error] == [md(f"任何人不得裁定本部门的申诉：申诉 {mine} 属于部门 D13")]
    assert records.dispute(mine)["state"] == "pending_first"


def test_hostile_reasons_and_file_names_stay_text(city):
    cur, _ = city
    mine = workflow.file_dispute(cur, D13, ITEM, "派错部门", HOSTILE,
                                 attachments=[("../../<证明>:*?|.exe.png", png_bytes())])
    at = disputes_page(OFFICE)
    assert f"申诉说明：{HOSTILE}" in [t.value for t in at.text]           # st.text: never markdown
    trail = next(f.value for f in at.dataframe if "步骤" in f.value.columns)
    assert list(trail["理由"]) == [HOSTILE]
    [download] = [b for b in at.get("download_button")]
    assert download.label == f"下载附件：{md('<证明>:*?|.exe.png')}（0 KB）"
    d = records.dispute(mine)
    name = dispute_panel.download_name(d, d["attachments"][0])
    assert name == f"申诉{mine}_证明_.exe.png"
    assert dispute_panel._attachment_bytes(d["attachments"][0]["id"])() == png_bytes()


def test_every_kind_and_state_reads_as_chinese_names(city, committed_sample_db):
    """The text lint of the page crawl (tests/support/textlint.py) over 申诉核减 holding disputes of every item kind
    in every state, as each role sees it: names not codes, periods and times in Chinese, no empty values."""
    cur, _ = city
    pending = workflow.file_dispute(cur, D13, ITEM, "派错部门", "应由住建部门办理",
                                    attachments=[("证明.png", png_bytes())])
    rating = workflow.file_dispute(cur, D13, RATING, "误评", "回访后居民表示满意", contact="10月8日回访居民王某")
    workflow.rule_dispute(cur, OFFICE, rating, False, "回访记录不完整")
    burden = workflow.file_dispute(cur, D13, BURDEN, "已准入", "属准入事项", ref="B11 党建宣传",
                                   at="2024-02-01 09:00")
    workflow.rule_dispute(cur, OFFICE, burden, True, "属实", at="2024-02-02 09:00")
    other = workflow.file_dispute(cur, D04, ITEM_D04, "无效诉求", "咨询类诉求")
    workflow.withdraw_dispute(D04, other)
    with warehouse_cursor(committed_sample_db) as con:
        names = city_names(con)
    for who, seen in ((D13, 3), (OFFICE, 4), (CHAIR, 4)):
        at = disputes_page(who)
        assert not at.exception and [e.value for e in at.error] == [] and len(at.expander) == seen, who
        assert lint(rendered_texts(at, "disputes"), names) == [], who
    assert any("2024年9月" in label and "对" in label for label in labels(at))
    assert pending


def test_a_dispute_setting_out_of_range_is_named_on_the_page_and_the_rest_still_shows(city, tmp_path, monkeypatch):
    """An administrator's [disputes] value out of its range: the case page says which setting and what is allowed
    where the 申诉 form would be, and still shows the case; nothing is filed."""
    text = (REPO / "config" / "settings.toml").read_text(encoding="utf-8")
    wrong = re.sub(r"(?m)^filing_working_days = \d+$", "filing_working_days = 2000", text)
    assert wrong != text
    (tmp_path / "settings.toml").write_text(wrong, encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(tmp_path / "settings.toml"))
    at = open_page("pages/case.py", D13, address={"event": EVENT})
    errors = [e.value.replace("\\", "") for e in at.error]   # as the reader sees it (markdown escapes removed)
    assert any("[disputes] filing_working_days 应为 1 到 60 之间的整数，当前为 2000" in e
               and "“申诉”部分无法显示" in e for e in errors), errors
    assert any(EVENT in m.value for m in at.markdown) and at.dataframe     # the case itself is shown
    assert not [b for b in at.button if b.label == "提交申诉"]
    assert records.list_disputes() == []
