"""Disputes (申诉核减, SPEC §9): the records (insert-only steps in the records database, on SQLite and on a real
PostgreSQL) and the workflow's rules, on the committed sample city's warehouse, through the Python functions and
the `govdash dispute` command. Dates are worked by hand on the official calendar: 2024 National Day 1–7 October
off, Sunday 29 September and Saturday 12 October worked; 2024 Spring Festival 10–17 February off, Sunday
4 February worked.

The items of the sample city used here:
- E20240004475 → D13: offsite, not difficult, dispatched Fri 2024-09-27 11:28:18. Closure deadline WD(27 Sep, 2):
  Sun 29 Sep (1, make-up), Mon 30 Sep (2) → 2024-09-30 23:59:59. Filing window, 5 working days after 30 Sep:
  Tue 8 (1), 9 (2), 10 (3), 11 (4), Sat 12 Oct (5, make-up) → 2024-10-12 23:59:59. Rated 2024-10-01 01:48:02.
- E20240004469 → D04: offsite, dispatched 2024-09-27 04:41:47 (a "一件事" event, also sent to D03 and D18).
- rating 2024-09 / J18 / D13 (period ends 30 Sep: its 误评 window also ends 12 Oct).
- task T2024000010 of D13, issued 2024-01-11, admission item "工作群打卡截图" (not on the list): the month ends
  Wed 31 Jan; Thu 1 Feb (1), Fri 2 (2), Sun 4 (3, make-up), Mon 5 (4), Tue 6 Feb (5) → 2024-02-06 23:59:59.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
import threading
import zlib

import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import Principal
from govdash.figures.disputes import (
    DisputeRefused,
    escalate_dispute,
    file_dispute,
    rule_dispute,
    withdraw_dispute,
)
from govdash.records import disputes as records
from govdash.records.accounts import set_user
from tests.support.warehouse import warehouse_cursor

D13 = Principal("dept-d13", "department", "D13")
D04 = Principal("dept-d04", "department", "D04")
OFFICE = Principal("office", "assessment")
CHAIR = Principal("chair", "committee")
T = dt.datetime.fromisoformat

ITEM = "assignment:E20240004475/D13"
ITEM_D04 = "assignment:E20240004469/D04"
RATING = "rating:2024-09/J18/D13"
BURDEN = "burden:T2024000010"


@pytest.fixture
def wh(committed_sample_db, monkeypatch):
    """A read cursor on the committed sample city's warehouse (also $GOVDASH_DB for the command)."""
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    with warehouse_cursor(committed_sample_db) as cur:
        yield cur


def png_bytes() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def file(wh, url, item=ITEM, ground="无效诉求", at="2024-10-08 10:00", who=D13, **kwargs) -> int:
    return file_dispute(wh, who, item, ground, kwargs.pop("reason", "不属实"), at=at, url=url, **kwargs)


# ---------------------------------------------------------------- windows

def test_the_filing_window_ends_on_the_fifth_working_day_after_the_closure_deadline(wh, records_url):
    with pytest.raises(DisputeRefused) as refused:
        file(wh, records_url, at="2024-10-13 00:00:00")
    assert str(refused.value) == ("申诉期限已过：该事项的申诉截止于 2024年10月12日（办结期限 2024年9月30日后第 5 个"
                                  "工作日）")
    new = file(wh, records_url, at="2024-10-12 23:59:59")
    d = records.dispute(new, url=records_url)
    assert (d["item_kind"], d["event_id"], d["dept_id"], d["assigned_at"], d["filed_at"], d["state"]) == (
        "assignment", "E20240004475", "D13", T("2024-09-27 11:28:18"), T("2024-10-12 23:59:59"), "pending_first")
    # 初审 within 5 working days of the filing: Mon 14 (1) … Fri 18 Oct (5)
    assert [(s["step"], s["deadline"]) for s in d["steps"]] == [("filed", T("2024-10-18 23:59:59"))]


def test_misrated_counts_from_the_rating_and_asks_for_the_re_contact(wh, records_url):
    with pytest.raises(DisputeRefused, match="回访记录"):
        file(wh, records_url, ground="误评")
    # rated 1 Oct (a holiday): its window is the same 5 working days, to Sat 12 Oct
    with pytest.raises(DisputeRefused, match="2024年10月12日（评价时间 2024年10月1日 01:48后第 5 个工作日）"):
        file(wh, records_url, ground="误评", contact="10月14日回访居民王某，表示满意", at="2024-10-14 09:00")
    # before the rating there is nothing to contest
    with pytest.raises(DisputeRefused, match="尚无评价"):
        file(wh, records_url, ground="误评", contact="回访", at="2024-09-30 09:00")
    new = file(wh, records_url, ground="误评", contact="10月8日回访居民王某", at="2024-10-08 09:00")
    assert records.dispute(new, url=records_url)["contact"] == "10月8日回访居民王某"


def test_a_rating_row_and_a_burden_entry_have_their_own_windows_and_grounds(wh, records_url):
    with pytest.raises(DisputeRefused, match="双向评价不能以“派错部门”申诉，可用的理由：误评"):
        file(wh, records_url, item=RATING, ground="派错部门")
    with pytest.raises(DisputeRefused, match="截止于 2024年10月12日（评价期末 2024年9月30日后"):
        file(wh, records_url, item=RATING, ground="误评", contact="回访", at="2024-10-13 08:00")
    with pytest.raises(DisputeRefused, match="早于该事项产生的时间（2024年9月1日 00:00）"):
        file(wh, records_url, item=RATING, ground="误评", contact="回访", at="2024-08-31 23:00")
    rating = file(wh, records_url, item=RATING, ground="误评", contact="回访", at="2024-10-12 08:00")
    with pytest.raises(DisputeRefused, match="早于该事项产生的时间（2024年1月11日 23:22）"):
        file(wh, records_url, item=BURDEN, ground="已准入", ref="B11", at="2024-01-11 23:00")
    with pytest.raises(DisputeRefused, match="不在负担负面清单上"):
        file(wh, records_url, item="burden:T2024000026", ground="已准入", ref="B11", at="2024-01-25 09:00")
    with pytest.raises(DisputeRefused, match="须写明准入清单中的事项名称"):
        file(wh, records_url, item=BURDEN, ground="已准入", at="2024-02-01 09:00")
    with pytest.raises(DisputeRefused, match="截止于 2024年2月6日（任务所在月末 2024年1月31日后第 5 个工作日）"):
        file(wh, records_url, item=BURDEN, ground="已准入", ref="B11 党建宣传", at="2024-02-07 00:00")
    burden = file(wh, records_url, item=BURDEN, ground="已准入", ref="B11 党建宣传", at="2024-02-06 23:00")
    got = {d["id"]: d for d in records.list_disputes(url=records_url)}
    assert (got[rating]["rating_period"], got[rating]["jpc_id"], got[rating]["dept_id"]) == ("2024-09", "J18", "D13")
    assert (got[burden]["task_id"], got[burden]["dept_id"], got[burden]["ref"]) == ("T2024000010", "D13",
                                                                                     "B11 党建宣传")


def test_each_ground_asks_for_what_it_needs(wh, records_url):
    with pytest.raises(DisputeRefused, match="--days"):
        file(wh, records_url, ground="客观原因延期")
    with pytest.raises(DisputeRefused, match="--days"):
        file(wh, records_url, ground="派错部门", days=2)
    with pytest.raises(DisputeRefused, match="--duplicate-of"):
        file(wh, records_url, ground="重复件")
    with pytest.raises(DisputeRefused, match="E29999999999 不存在"):
        file(wh, records_url, ground="重复件", duplicate_of="E29999999999")
    with pytest.raises(DisputeRefused, match="申诉理由"):
        file(wh, records_url, reason="  ")
    new = file(wh, records_url, ground="重复件", duplicate_of="E20240004468")
    assert records.dispute(new, url=records_url)["duplicate_of"] == "E20240004468"


# ---------------------------------------------------------------- one open dispute, rejection, 复核

def test_one_open_dispute_per_item_and_a_withdrawn_one_may_be_filed_again(wh, records_url):
    first = file(wh, records_url)
    with pytest.raises(DisputeRefused, match=f"已有未办结的申诉（编号 {first}，待初审）"):
        file(wh, records_url, ground="派错部门", at="2024-10-09 10:00")
    withdraw_dispute(D13, first, at="2024-10-09 09:00", url=records_url)
    second = file(wh, records_url, ground="派错部门", at="2024-10-09 10:00")
    assert [d["state"] for d in records.list_disputes(url=records_url)] == ["withdrawn", "pending_first"]
    assert second != first


def test_a_rejected_item_is_not_filed_again_and_goes_to_review_once(wh, records_url):
    first = file(wh, records_url, at="2024-10-08 10:00")
    rule_dispute(wh, OFFICE, first, False, "派单正确", at="2024-10-08 11:00", url=records_url)
    with pytest.raises(DisputeRefused, match="已被驳回，不能再次申诉，只能对其申请复核"):
        file(wh, records_url, ground="派错部门", at="2024-10-08 12:00")
    # the review window: 3 working days after the rejection on Tue 8 Oct → Fri 11 Oct
    with pytest.raises(DisputeRefused, match="复核申请截止于 2024年10月11日（驳回后第 3 个工作日）"):
        escalate_dispute(wh, D13, first, "请复核", at="2024-10-12 00:00", url=records_url)
    with pytest.raises(DisputeRefused, match="只有被评价的部门本身"):
        escalate_dispute(wh, OFFICE, first, "请复核", at="2024-10-09 09:00", url=records_url)
    step = escalate_dispute(wh, D13, first, "请复核", at="2024-10-11 23:00", url=records_url)
    # the committee rules within 5 working days: Sat 12 Oct (1, make-up), 14, 15, 16, Thu 17 Oct (5)
    assert step["deadline"] == T("2024-10-17 23:59:59")
    with pytest.raises(DisputeRefused, match="复核由基层治理委员会裁定"):
        rule_dispute(wh, OFFICE, first, True, "成立", at="2024-10-12 09:00", url=records_url)
    rule_dispute(wh, CHAIR, first, False, "维持", at="2024-10-12 09:00", url=records_url)
    with pytest.raises(DisputeRefused, match="复核只能申请一次"):
        escalate_dispute(wh, D13, first, "再请复核", at="2024-10-12 10:00", url=records_url)
    with pytest.raises(DisputeRefused, match="复核裁定为最终裁定"):
        file(wh, records_url, ground="派错部门", at="2024-10-12 10:00")
    assert records.dispute(first, url=records_url)["state"] == "rejected"


def test_a_rejection_stands_when_its_review_is_withdrawn(wh, records_url):
    # rejected at 初审, taken to 复核, then withdrawn: the rejection stands, and the item is not filed afresh
    first = file(wh, records_url, at="2024-10-08 10:00")
    rule_dispute(wh, OFFICE, first, False, "派单正确", at="2024-10-08 11:00", url=records_url)
    escalate_dispute(wh, D13, first, "请复核", at="2024-10-08 12:00", url=records_url)
    withdraw_dispute(D13, first, at="2024-10-08 13:00", url=records_url)
    with pytest.raises(DisputeRefused, match="已被驳回，其复核申请已撤回，不能再次申诉"):
        file(wh, records_url, ground="派错部门", at="2024-10-08 14:00")
    assert [d["id"] for d in records.list_disputes(url=records_url)] == [first]


def test_an_item_an_approval_took_out_of_the_figures_is_not_disputed_again(wh, records_url):
    # approved as 派错部门 (核减): the assignment is out of the cohort, so a second ground would count it twice
    first = file(wh, records_url, ground="派错部门", at="2024-10-08 10:00")
    rule_dispute(wh, OFFICE, first, True, "属实", at="2024-10-08 11:00", url=records_url)
    with pytest.raises(DisputeRefused, match="获批准核减（编号 [0-9]+），不再计入，无需再次申诉"):
        file(wh, records_url, ground="无效诉求", at="2024-10-08 12:00")
    # an extension approved leaves the assignment in the figures: another ground may still be filed
    other = file(wh, records_url, item=ITEM_D04, who=D04, ground="客观原因延期", days=2, at="2024-10-08 10:00")
    rule_dispute(wh, OFFICE, other, True, "属实", at="2024-10-08 11:00", days=1, url=records_url)
    assert file(wh, records_url, item=ITEM_D04, who=D04, ground="派错部门", at="2024-10-08 12:00") > other


def test_who_rules_and_how(wh, records_url):
    new = file(wh, records_url, ground="客观原因延期", days=3)
    with pytest.raises(DisputeRefused, match="初审由考绩办裁定；账号 chair 无权裁定"):
        rule_dispute(wh, CHAIR, new, True, "成立", at="2024-10-09 09:00", url=records_url)
    with pytest.raises(DisputeRefused, match="初审由考绩办裁定"):
        rule_dispute(wh, D13, new, True, "成立", at="2024-10-09 09:00", url=records_url)
    # nobody rules on a dispute of their own department, whatever the role says
    own = Principal("auditor", "assessment", "D13")
    with pytest.raises(DisputeRefused, match="任何人不得裁定本部门的申诉"):
        rule_dispute(wh, own, new, True, "成立", at="2024-10-09 09:00", url=records_url)
    with pytest.raises(DisputeRefused, match="裁定理由"):
        rule_dispute(wh, OFFICE, new, False, "", at="2024-10-09 09:00", url=records_url)
    with pytest.raises(DisputeRefused, match="1 到申请的 3 个之间"):
        rule_dispute(wh, OFFICE, new, True, "部分成立", days=4, at="2024-10-09 09:00", url=records_url)
    step = rule_dispute(wh, OFFICE, new, True, "部分成立", days=2, at="2024-10-09 09:00", url=records_url)
    assert (step["step"], step["decision"], step["days_granted"], step["by_user"]) == ("ruled", "approve", 2, "office")
    with pytest.raises(DisputeRefused, match="当前为“已批准”，没有待裁定的申请"):
        rule_dispute(wh, OFFICE, new, False, "改判", at="2024-10-10 09:00", url=records_url)
    # an approval stands: the same ground is not filed again, another judgment of the item (its rating) may be
    with pytest.raises(DisputeRefused, match=f"以“客观原因延期”提出的申诉（编号 {new}）已获批准"):
        file(wh, records_url, ground="客观原因延期", days=1, at="2024-10-10 10:00")
    assert file(wh, records_url, ground="误评", contact="回访", at="2024-10-10 10:00") == new + 1


def test_withdrawal_only_by_the_filer_and_only_while_pending(wh, records_url):
    new = file(wh, records_url)
    with pytest.raises(DisputeRefused, match="部门只能为本部门的事项撤回申诉"):
        withdraw_dispute(D04, new, at="2024-10-09 09:00", url=records_url)
    rule_dispute(wh, OFFICE, new, True, "成立", at="2024-10-09 09:00", url=records_url)
    with pytest.raises(DisputeRefused, match="只有待裁定的申诉可以撤回；申诉 .* 当前为“已批准”"):
        withdraw_dispute(D13, new, at="2024-10-10 09:00", url=records_url)
    other = file(wh, records_url, item=RATING, ground="误评", contact="回访", at="2024-10-09 09:00")
    withdraw_dispute(D13, other, at="2024-10-09 10:00", url=records_url)
    with pytest.raises(DisputeRefused, match="当前为“已撤回”，没有待裁定的申请"):
        rule_dispute(wh, OFFICE, other, True, "成立", at="2024-10-10 09:00", url=records_url)


def test_moments_in_the_future_before_the_item_or_before_the_last_step_are_refused(wh, records_url):
    with pytest.raises(DisputeRefused, match="晚于现在"):
        file(wh, records_url, at="2999-01-01 00:00")
    # dispatched at 11:28:18: the pair held no assignment a minute before
    with pytest.raises(DisputeRefused, match="申诉事项不存在"):
        file(wh, records_url, at="2024-09-27 11:27:00")
    with pytest.raises(DisputeRefused, match="无法识别的时间"):
        file(wh, records_url, at="昨天")
    new = file(wh, records_url, at="2024-10-08 10:00")
    with pytest.raises(DisputeRefused, match="早于该申诉的上一步（2024年10月8日 10:00）"):
        rule_dispute(wh, OFFICE, new, True, "成立", at="2024-10-08 09:59", url=records_url)
    with pytest.raises(DisputeRefused, match="晚于现在"):
        rule_dispute(wh, OFFICE, new, True, "成立", at="2999-01-01 00:00", url=records_url)


# ---------------------------------------------------------------- attachments

def test_attachments_are_known_by_their_bytes_and_kept_with_their_digest(wh, records_url, monkeypatch, tmp_path):
    with pytest.raises(DisputeRefused, match="“说明.pdf”不是 PDF、JPG 或 PNG 文件"):
        file(wh, records_url, attachments=[("说明.pdf", b"just some text, not a PDF\n")])
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    with pytest.raises(DisputeRefused, match="超过每个附件 10 MB 的上限"):
        file(wh, records_url, attachments=[("大文件.pdf", big)])
    with pytest.raises(DisputeRefused, match="附件最多 5 个，本次有 6 个"):
        file(wh, records_url, attachments=[(f"p{i}.png", png_bytes()) for i in range(6)])
    png = png_bytes()
    new = file(wh, records_url, attachments=[("现场照片.jpg", png), ("函件.pdf", b"%PDF-1.4\n%%EOF\n")])
    stored = records.dispute(new, url=records_url)["attachments"]
    assert [(a["filename"], a["media_type"], a["size"], a["sha256"]) for a in stored] == [
        ("现场照片.jpg", "image/png", len(png), hashlib.sha256(png).hexdigest()),
        ("函件.pdf", "application/pdf", 15, hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest())]
    assert records.attachment(stored[0]["id"], url=records_url)["content"] == png


# ---------------------------------------------------------------- the steps are never changed

def test_earlier_steps_stay_as_they_were_after_every_later_action(wh, records_url):
    seen: list[list[dict]] = []

    def snapshot():
        rows = records.all_steps(url=records_url)
        for earlier in seen:
            assert rows[:len(earlier)] == earlier
        seen.append(rows)

    a = file(wh, records_url)
    snapshot()
    rule_dispute(wh, OFFICE, a, False, "不成立", at="2024-10-09 09:00", url=records_url)
    snapshot()
    b = file(wh, records_url, item=RATING, ground="误评", contact="回访", at="2024-10-09 10:00")
    snapshot()
    escalate_dispute(wh, D13, a, "请复核", at="2024-10-10 09:00", url=records_url)
    snapshot()
    withdraw_dispute(D13, b, at="2024-10-10 10:00", url=records_url)
    snapshot()
    rule_dispute(wh, CHAIR, a, True, "成立", at="2024-10-11 09:00", url=records_url)
    snapshot()
    with pytest.raises(DisputeRefused):
        rule_dispute(wh, CHAIR, a, False, "改判", at="2024-10-12 09:00", url=records_url)
    snapshot()
    assert [len(s) for s in seen] == [1, 2, 3, 4, 5, 6, 6]
    assert [(r["dispute_id"], r["step"]) for r in seen[-1]] == [
        (a, "filed"), (a, "ruled"), (b, "filed"), (a, "escalated"), (b, "withdrawn"), (a, "reviewed")]


# ---------------------------------------------------------------- the seam the figures read

def test_approvals_and_states_as_of_several_moments(wh, records_url):
    ext = file(wh, records_url, ground="客观原因延期", days=3, at="2024-10-08 10:00")
    rating = file(wh, records_url, item=RATING, ground="误评", contact="回访", at="2024-10-08 11:00")
    burden = file(wh, records_url, item=BURDEN, ground="依法出具", ref="《中华人民共和国档案法》",
                  at="2024-02-05 09:00")
    rule_dispute(wh, OFFICE, ext, True, "部分成立", days=2, at="2024-10-10 15:00", url=records_url)
    rule_dispute(wh, OFFICE, rating, False, "评价属实", at="2024-10-10 16:00", url=records_url)
    escalate_dispute(wh, D13, rating, "请复核", at="2024-10-11 09:00", url=records_url)
    rule_dispute(wh, CHAIR, rating, True, "误评成立", at="2024-10-16 09:00", url=records_url)

    def approved(at):
        return [(r["dispute_id"], r["ground"], r["days_granted"], r["ruled_at"])
                for r in records.approved_as_of(T(at), url=records_url)]

    def states(at):
        return [(r["dispute_id"], r["state"], r["ruling_deadline"])
                for r in records.dispute_states_as_of(T(at), url=records_url)]

    assert approved("2024-10-10 14:59:59") == []
    assert approved("2024-10-10 15:00") == [(ext, "客观原因延期", 2, T("2024-10-10 15:00"))]
    assert approved("2024-10-16 09:00") == [(ext, "客观原因延期", 2, T("2024-10-10 15:00")),
                                            (rating, "误评", None, T("2024-10-16 09:00"))]
    full = records.approved_as_of(T("2024-12-31 00:00"), url=records_url)
    assert {k: full[0][k] for k in ("item_kind", "event_id", "dept_id", "assigned_at", "rating_period", "jpc_id",
                                    "task_id")} == {
        "item_kind": "assignment", "event_id": "E20240004475", "dept_id": "D13",
        "assigned_at": T("2024-09-27 11:28:18"), "rating_period": None, "jpc_id": None, "task_id": None}
    assert (full[1]["item_kind"], full[1]["rating_period"], full[1]["jpc_id"]) == ("rating", "2024-09", "J18")
    # 初审 deadlines: filed Tue 8 Oct → Mon 14 Oct; filed Mon 5 Feb → 6, 7, 8, 9 Feb, (10–17 off), Sun 18 Feb
    # (make-up); 复核: escalated Fri 11 Oct → Sat 12 (1), 14, 15, 16, Thu 17 Oct (5)
    assert states("2024-03-01 00:00") == [(burden, "pending_first", T("2024-02-18 23:59:59"))]
    assert states("2024-10-10 15:30") == [(ext, "approved", T("2024-10-14 23:59:59")),
                                          (rating, "pending_first", T("2024-10-14 23:59:59")),
                                          (burden, "pending_first", T("2024-02-18 23:59:59"))]
    assert states("2024-10-11 12:00")[1] == (rating, "pending_review", T("2024-10-17 23:59:59"))
    assert states("2024-10-10 17:00")[1][1] == "rejected"
    assert states("2024-10-16 09:00")[1][1] == "approved"
    assert [r["filed_at"] for r in records.dispute_states_as_of(T("2024-10-08 10:30"), url=records_url)] == [
        T("2024-10-08 10:00"), T("2024-02-05 09:00")]


# ---------------------------------------------------------------- two servers at once

def test_two_rulings_at_once_exactly_one_is_recorded(committed_sample_db, wh, records_url):
    new = file(wh, records_url)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def ruling(decision: bool):
        with warehouse_cursor(committed_sample_db) as cur:
            start.wait()
            try:
                rule_dispute(cur, OFFICE, new, decision, "裁定", at="2024-10-09 09:00", url=records_url)
                outcomes.append("recorded")
            except (DisputeRefused, records.DisputeConflict) as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=ruling, args=(d,)) for d in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("recorded") == 1, outcomes
    other = next(o for o in outcomes if o != "recorded")
    assert "没有待裁定的申请" in other or "同一步骤" in other, other
    assert [s["step"] for s in records.dispute(new, url=records_url)["steps"]] == ["filed", "ruled"]


def test_the_database_refuses_a_second_ruling_at_one_level(wh, records_url):
    """Even a writer that skipped the state check cannot record two 初审 rulings: the unique key refuses it."""
    new = file(wh, records_url)

    def ruled(_dispute):
        return {"step": "ruled", "decision": "approve", "days_granted": None, "reason": "x", "by_user": "office",
                "by_role": "assessment", "by_dept": None, "at": T("2024-10-09 09:00"),
                "recorded_at": T("2024-10-09 09:00"), "deadline": None}

    records.act(new, ruled, url=records_url)
    with pytest.raises(records.DisputeConflict, match="同一步骤"):
        records.act(new, ruled, url=records_url)


# ---------------------------------------------------------------- the command

def _accounts(url: str) -> None:
    for name, role in (("dept-d13", "department:D13"), ("dept-d04", "department:D04"), ("office", "assessment"),
                       ("chair", "committee")):
        set_user(name, role, "a-long-password", url=url)


def test_the_command_files_rules_and_lists(wh, records_env, tmp_path):
    _accounts(records_env)
    run = CliRunner().invoke
    refused = run(cli, ["dispute", "file", "--user", "dept-d13", "--item", ITEM_D04, "--ground", "无效诉求",
                        "--reason", "x", "--at", "2024-10-08 10:00"])
    assert refused.exit_code == 2
    assert "部门只能为本部门的事项申诉：该事项属于部门 D04，账号 dept-d13 属于部门 D13" in refused.stderr
    (tmp_path / "photo.png").write_bytes(png_bytes())
    (tmp_path / "fake.pdf").write_text("not a pdf", encoding="utf-8")
    fake = run(cli, ["dispute", "file", "--user", "dept-d04", "--item", ITEM_D04, "--ground", "无效诉求",
                     "--reason", "x", "--attach", str(tmp_path / "fake.pdf"), "--at", "2024-10-08 10:00"])
    assert fake.exit_code == 2 and "不是 PDF、JPG 或 PNG" in fake.stderr
    hostile = '他说："}]\n<script>alert(1)</script> =1+1 \\u0000'
    filed = run(cli, ["dispute", "file", "--user", "dept-d04", "--item", ITEM_D04, "--ground", "无效诉求",
                      "--reason", hostile, "--attach", str(tmp_path / "photo.png"), "--at", "2024-10-08 10:00",
                      "--json"])
    assert filed.exit_code == 0, filed.stderr
    new = json.loads(filed.stdout)["id"]
    assert json.loads(filed.stdout) == {"id": new}
    ruled = run(cli, ["dispute", "rule", "--user", "office", "--id", str(new), "--reject", "--reason", "不成立",
                      "--at", "2024-10-09 09:00"])
    assert ruled.exit_code == 0, ruled.stderr
    future = run(cli, ["dispute", "escalate", "--user", "dept-d04", "--id", str(new), "--reason", "请复核",
                       "--at", "2999-01-01"])
    assert future.exit_code == 2 and "晚于现在" in future.stderr
    listed = run(cli, ["dispute", "list", "--user", "dept-d04", "--json"])
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["state"], r["dept_id"]) for r in rows] == [(new, "rejected", "D04")]
    assert [(s["step"], s["decision"], s["reason"]) for s in rows[0]["steps"]] == [
        ("filed", None, hostile), ("ruled", "reject", "不成立")]
    assert rows[0]["attachments"][0]["sha256"] == hashlib.sha256(png_bytes()).hexdigest()
    assert records.dispute(new, url=records_env)["steps"][0]["reason"] == hostile   # stored as given
    # a department sees only its own; the office sees all; --status filters
    assert json.loads(run(cli, ["dispute", "list", "--user", "dept-d13", "--json"]).stdout) == []
    assert len(json.loads(run(cli, ["dispute", "list", "--user", "office", "--json"]).stdout)) == 1
    assert json.loads(run(cli, ["dispute", "list", "--status", "pending_first", "--json"]).stdout) == []
    text = run(cli, ["dispute", "list", "--user", "office"])
    assert text.exit_code == 0 and "初审 驳回  office：不成立" in text.stdout
    neither = run(cli, ["dispute", "rule", "--user", "office", "--id", str(new), "--reason", "x"])
    assert neither.exit_code == 2 and "--approve" in neither.stderr
    missing = run(cli, ["dispute", "withdraw", "--user", "dept-d04", "--id", "999"])
    assert missing.exit_code == 2 and "没有编号为 999 的申诉" in missing.stderr


def test_the_attachment_limit_is_a_setting(wh, records_url, tmp_path, monkeypatch):
    from tests.support.paths import REPO

    text = (REPO / "config" / "settings.toml").read_text(encoding="utf-8")
    changed = text.replace("attachment_max_mb = 10", "attachment_max_mb = 0.0001")
    assert changed != text
    (tmp_path / "settings.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(tmp_path / "settings.toml"))
    with pytest.raises(DisputeRefused, match="超过每个附件 0.0001 MB 的上限"):
        file(wh, records_url, attachments=[("p.pdf", b"%PDF-" + b"0" * 200)])
