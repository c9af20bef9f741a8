"""The disputes' figures (申诉核减, SPEC §9.5) worked by hand on the committed sample city: a few disputes in every
state, filed and ruled through the workflow (govdash.figures.disputes), counted at several cut-offs in the period
of their item; the bulletin's sections of them; what a department sees of them.

The items (dates on the official calendar: 2024 National Day 1–7 October off, Sun 29 Sep and Sat 12 Oct worked):
- E20240004475 → D13, dispatched 2024-09-27, closure deadline Mon 30 Sep: filing window to Sat 12 Oct.
- E20240004468 and E20240004484 → D13, dispatched 2024-09-27, closure deadline Fri 27 Sep: Sun 29 (1), Mon 30 (2),
  Tue 8 Oct (3), 9 (4), Thu 10 Oct (5).
- E20240004469 → D04, dispatched 2024-09-27 (closure deadline 30 Sep).
- rating 2024-09 / J18 / D13 (window to 12 Oct); task T2024000010 of D13, issued January 2024 (window to 6 Feb).
A dispute filed Tue 8 Oct waits for 初审 until 5 working days later: 9, 10, 11, 12 (make-up), Mon 14 Oct 23:59:59;
one taken to 复核 on Wed 9 Oct waits until 10, 11, 12, 14, Tue 15 Oct 23:59:59.

The disputes, all about September's items but the burden one (January's):
  A  E20240004475/D13 无效诉求, filed 8 Oct 10:00, approved (初审) 9 Oct 10:00                    — 24 h to 初审
  B  E20240004468/D13 客观原因延期 (3 days asked), filed 8 Oct 09:00, approved with 2 days 10 Oct 09:00 — 48 h
  C  E20240004484/D13 重复件 of E20240004475, filed 8 Oct 11:00, rejected 8 Oct 17:00                 — 6 h;
     taken to 复核 9 Oct 09:00, rejected on 复核 by the committee 20 Oct 10:00
  D  rating 2024-09/J18/D13 误评, filed 8 Oct 08:00, withdrawn 8 Oct 09:30
  E  E20240004469/D04 派错部门, filed 8 Oct 10:00, never ruled
  F  burden T2024000010 已准入, filed 6 Feb 23:00, approved 7 Feb 10:00                               — 11 h
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import Principal
from govdash.figures import catalogue, whistle
from govdash.figures.bulletin import bulletin
from govdash.figures.disputes import escalate_dispute, file_dispute, rule_dispute, withdraw_dispute
from tests.support.warehouse import warehouse_cursor

D13 = Principal("dept-d13", "department", "D13")
D04 = Principal("dept-d04", "department", "D04")
OFFICE = Principal("office", "assessment")
CHAIR = Principal("chair", "committee")
T = dt.datetime.fromisoformat

T1 = T("2024-10-08 12:00")          # all filed, D withdrawn, nothing ruled
T2 = T("2024-10-12 23:59:59")       # September's default cut-off: A, B approved, C waiting for 复核
T3 = T("2024-10-17 12:00")          # C and E past their ruling deadlines
T4 = T("2024-10-31 12:00")          # C rejected on 复核
ZERO = {"filed": 0, "approved": 0, "rejected": 0, "pending_ruling": 0, "withdrawn": 0, "overdue_ruling": 0,
        "exempted": 0}


@pytest.fixture(scope="module")
def city(committed_sample_db, tmp_path_factory):
    """The six disputes in a records database of the module's own; (warehouse cursor, records URL, ids)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dispute-figures') / 'records.sqlite3'}"
    with warehouse_cursor(committed_sample_db) as wh:
        ids = {}
        ids["A"] = file_dispute(wh, D13, "assignment:E20240004475/D13", "无效诉求", "居民诉求不属实",
                                at="2024-10-08 10:00", url=url)
        ids["B"] = file_dispute(wh, D13, "assignment:E20240004468/D13", "客观原因延期", "暴雨停工", days=3,
                                at="2024-10-08 09:00", url=url)
        ids["C"] = file_dispute(wh, D13, "assignment:E20240004484/D13", "重复件", "与前件相同",
                                duplicate_of="E20240004475", at="2024-10-08 11:00", url=url)
        ids["D"] = file_dispute(wh, D13, "rating:2024-09/J18/D13", "误评", "评价有误", contact="10月8日回访",
                                at="2024-10-08 08:00", url=url)
        ids["E"] = file_dispute(wh, D04, "assignment:E20240004469/D04", "派错部门", "非本部门职责",
                                at="2024-10-08 10:00", url=url)
        ids["F"] = file_dispute(wh, D13, "burden:T2024000010", "已准入", "已在准入清单", ref="B11 党建宣传",
                                at="2024-02-06 23:00", url=url)
        withdraw_dispute(D13, ids["D"], at="2024-10-08 09:30", url=url)
        rule_dispute(wh, OFFICE, ids["C"], False, "并非重复", at="2024-10-08 17:00", url=url)
        escalate_dispute(wh, D13, ids["C"], "请复核", at="2024-10-09 09:00", url=url)
        rule_dispute(wh, OFFICE, ids["A"], True, "核实不属实", at="2024-10-09 10:00", url=url)
        rule_dispute(wh, OFFICE, ids["B"], True, "准予顺延", days=2, at="2024-10-10 09:00", url=url)
        rule_dispute(wh, OFFICE, ids["F"], True, "确已准入", at="2024-02-07 10:00", url=url)
        rule_dispute(wh, CHAIR, ids["C"], False, "维持初审", at="2024-10-20 10:00", url=url)
        yield wh, url, ids


@pytest.fixture
def wh(city, monkeypatch):
    wh, url, _ = city
    monkeypatch.setenv("GOVDASH_RECORDS_URL", url)
    return wh


def counts(wh, first: str, last: str, as_of: dt.datetime) -> dict[str, dict]:
    frame = catalogue.dispute_table.fn(wh, first, last, as_of)
    return {r["dept_id"]: r for r in frame.to_dicts()}


def only(row: dict, **expected) -> dict:
    return {k: row[k] for k in ZERO} == {**ZERO, **expected}


def test_counts_by_state_at_each_cut_off_in_the_period_of_the_item(wh):
    t1 = counts(wh, "2024-09", "2024-09", T1)
    assert set(t1) == {"D13", "D04"}
    assert only(t1["D13"], filed=4, pending_ruling=3, withdrawn=1)
    assert only(t1["D04"], filed=1, pending_ruling=1)
    t2 = counts(wh, "2024-09", "2024-09", T2)
    assert only(t2["D13"], filed=4, approved=2, pending_ruling=1, withdrawn=1, exempted=1)
    assert only(t2["D04"], filed=1, pending_ruling=1)
    t3 = counts(wh, "2024-09", "2024-09", T3)
    assert only(t3["D13"], filed=4, approved=2, pending_ruling=1, withdrawn=1, overdue_ruling=1, exempted=1)
    assert only(t3["D04"], filed=1, pending_ruling=1, overdue_ruling=1)
    t4 = counts(wh, "2024-09", "2024-09", T4)
    assert only(t4["D13"], filed=4, approved=2, rejected=1, withdrawn=1, exempted=1)
    # F's item is January's: counted there (approved, not 核减: a burden entry is no assignment), never in September
    assert {k: only(v, filed=1, approved=1) for k, v in counts(wh, "2024-01", "2024-01", T4).items()} == {"D13": True}
    assert counts(wh, "2024-10", "2024-10", T4) == {}
    # the third quarter holds September: the same counts (over the quarter's cohort); the year holds January too
    quarter = counts(wh, "2024-07", "2024-09", T4)["D13"]
    assert only(quarter, filed=4, approved=2, rejected=1, withdrawn=1, exempted=1)
    assert quarter["cohort"] > t4["D13"]["cohort"]
    assert only(counts(wh, "2024-01", "2024-12", T4)["D13"], filed=5, approved=3, rejected=1, withdrawn=1,
                exempted=1)


def test_the_exempted_share_is_of_the_cohort_before_exemption(wh):
    before = whistle.assignments(wh, T("2024-09-01"), T("2024-10-01"), T1)
    cohort = before.filter((pl.col("dept_id") == "D13") & ~pl.col("is_returned")).height
    assert cohort > 20
    t1, t2 = counts(wh, "2024-09", "2024-09", T1)["D13"], counts(wh, "2024-09", "2024-09", T2)["D13"]
    # the exemption moves A from 派单 to 核减: the cohort before exemption stays
    assert t1["cohort"] == t2["cohort"] == cohort
    assert (t1["exempted_share"], t2["exempted_share"]) == (0.0, round(1 / cohort, 4))
    [row] = [d for d in bulletin(wh, "2024-09", T2)["departments"] if d["dept_id"] == "D13"]
    assert row["dispatched"] == cohort - 1


def test_the_offices_queue_is_the_median_calendar_hours_to_the_first_ruling(wh):
    queue = catalogue.dispute_queue.fn
    assert queue(wh, "2024-10", "2024-10", T1) == {"ruled": 0, "median_hours_to_first_ruling": None,
                                                   "hours_basis": "自然小时（含休息日和节假日）"}
    # A 24 h, B 48 h, C 6 h (复核 is not 初审)
    assert queue(wh, "2024-10", "2024-10", T4)["median_hours_to_first_ruling"] == 24.0
    assert queue(wh, "2024-10", "2024-10", T4)["ruled"] == 3
    assert queue(wh, "2024-10", "2024-10", T("2024-10-09 12:00"))["median_hours_to_first_ruling"] == 15.0
    assert (queue(wh, "2024-02", "2024-02", T4)["ruled"], queue(wh, "2024-02", "2024-02", T4)[
        "median_hours_to_first_ruling"]) == (1, 11.0)


def test_the_bulletin_lists_every_approved_dispute_of_the_month_with_its_effect(wh, city):
    ids = city[2]
    b = bulletin(wh, "2024-09", T2)
    assert [(r["dispute_id"], r["dept_id"], r["item"], r["ground"], r["effect_text"], r["ruled_at"])
            for r in b["approved_disputes"]] == [
        (ids["A"], "D13", "派单 E20240004475", "无效诉求", "核减（不计入派单）", "2024-10-09 10:00:00"),
        (ids["B"], "D13", "派单 E20240004468", "客观原因延期", "办结期限顺延2个工作日", "2024-10-10 09:00:00")]
    assert {r["dept_id"]: only(r, filed=4, approved=2, pending_ruling=1, withdrawn=1, exempted=1) if
            r["dept_id"] == "D13" else only(r, filed=1, pending_ruling=1) for r in b["disputes"]} == {
        "D13": True, "D04": True}
    # at an earlier cut-off nothing was approved yet
    early = bulletin(wh, "2024-09", T1)
    assert early["approved_disputes"] == []
    january = bulletin(wh, "2024-01", T4)["approved_disputes"]
    assert [(r["item"], r["effect_text"]) for r in january] == [("负担清单任务 T2024000010", "移出负担清单")]


def test_a_department_sees_only_its_own_disputes(wh):
    b = bulletin(wh, "2024-09", T3)
    seen = catalogue.seen_by(catalogue.bulletin, (), D13, set(), lambda f, a: b)
    assert [r["dept_id"] for r in seen["disputes"]] == ["D13"]
    assert {r["dept_id"] for r in seen["approved_disputes"]} == {"D13"}
    d04 = catalogue.seen_by(catalogue.bulletin, (), D04, set(), lambda f, a: b)
    assert [r["dept_id"] for r in d04["disputes"]] == ["D04"] and d04["approved_disputes"] == []
    table = catalogue.seen_by(catalogue.dispute_table, (wh, "2024-09", "2024-09", T3), D13, set(),
                              lambda f, a: f.fn(*a))
    assert table["dept_id"].to_list() == ["D13"]
    with pytest.raises(catalogue.AccessDenied):
        catalogue.seen_by(catalogue.dispute_queue, (wh, "2024-10", "2024-10", T3), D13, set(), lambda f, a: f.fn(*a))


def test_the_bulletin_command_names_the_sections(wh, city, committed_sample_db, monkeypatch):
    import json

    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    out = CliRunner().invoke(cli, ["report", "bulletin", "--month", "2024-09", "--as-of", "2024-10-12 23:59:59"])
    assert out.exit_code == 0, out.output
    b = json.loads(out.output)
    assert [r["dispute_id"] for r in b["approved_disputes"]] == [city[2]["A"], city[2]["B"]]
    assert {r["dept_id"] for r in b["disputes"]} == {"D13", "D04"}


def test_the_documents_draw_the_section_of_approved_disputes(wh, city, tmp_path):
    import openpyxl

    from govdash.documents.bulletin_body import Para, Table, body
    from govdash.documents.documents import bulletin_xlsx

    def section(b):
        [(title, blocks)] = [(t, bl) for t, bl in body(b, None) if t.endswith("申诉核减情况")]
        return title, blocks

    title, blocks = section(bulletin(wh, "2024-09", T2))
    assert title == "十、申诉核减情况"
    assert [type(x) for x in blocks] == [Para, Table]
    assert "提出申诉 5 件：批准 2 件（其中核减 1 件），驳回 0 件，待裁定 2 件，撤回 1 件。" in blocks[0].text
    assert [(r["dispute_id"], r["dept_name"], r["effect_text"], r["ruled_at"]) for r in blocks[1].rows][0][2:] == (
        "核减（不计入派单）", "2024年10月9日 10:00")
    # overdue rulings are said; nothing approved yet is said plainly
    _, later = section(bulletin(wh, "2024-09", T3))
    assert "（其中超过裁定期限 2 件）" in later[0].text
    _, early = section(bulletin(wh, "2024-09", T1))
    assert [type(x) for x in early] == [Para] and early[0].text.endswith("撤回 1 件。本月无批准的申诉核减事项。")
    # a month without disputes: one sentence, and the other sections as they were
    august = bulletin(wh, "2024-08", T2)
    assert (august["disputes"], august["approved_disputes"]) == ([], [])
    _, none = section(august)
    assert [x.text for x in none] == ["本月无批准的申诉核减事项。"]
    out = tmp_path / "b.xlsx"
    bulletin_xlsx(bulletin(wh, "2024-09", T2), out)
    ws = openpyxl.load_workbook(out)["批准的申诉核减事项"]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "办结期限顺延2个工作日" in cells and "无效诉求" in cells


def test_a_department_reads_its_own_approved_disputes_in_its_extract(wh):
    from govdash.documents.bulletin_body import Table, extract_blocks

    b = bulletin(wh, "2024-09", T2)
    mine = catalogue.cut(catalogue.bulletin, b, D13, set())
    [table] = [x for x in extract_blocks(mine) if isinstance(x, Table) and x.title == "本部门申诉核减事项"]
    assert [r["item"] for r in table.rows] == ["派单 E20240004475", "派单 E20240004468"]
    theirs = catalogue.cut(catalogue.bulletin, b, D04, set())
    [empty] = [x for x in extract_blocks(theirs) if isinstance(x, Table) and x.title == "本部门申诉核减事项"]
    assert empty.rows == []


def test_a_rating_item_is_named_by_its_period_and_its_jpc():
    from govdash.documents.bulletin_text import approved_dispute_rows

    row = {"dispute_id": 7, "dept_id": "D13", "dept_name": "区城管委", "item_kind": "rating", "item": "双向评价",
           "rating_period": "2024-09", "jpc_id": "J18", "ground": "误评", "effect_text": "撤销评价",
           "ruled_at": "2024-10-09 10:00:00"}
    b = {"departments": [],
         "approved_disputes": [row, {**row, "dispute_id": 8, "rating_period": "2024", "jpc_id": "J99"}],
         "reference": {"jpc_names": {"J18": "第十八联合党委"}}}
    assert [(r["item"], r["ruled_at"]) for r in approved_dispute_rows(b)] == [
        ("双向评价 2024年9月 · 第十八联合党委", "2024年10月9日 10:00"),
        ("双向评价 2024年 · J99", "2024年10月9日 10:00")]
