"""Contracts: a valid frame passes; each kind of bad row gets the reason it deserves."""
import polars as pl

from govdash.core.tables import table_specs
from pipelines.contracts import check_frame


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    cols = table_specs()[table].column_names
    return pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], schema={c: pl.Utf8 for c in cols})


def reasons(table: str, rows: list[dict]) -> dict[tuple[int, str], str]:
    _, failures, _ = check_frame(table_specs()[table], frame(table, rows))
    return {(r["row_index"], r["column_name"]): r["reason"] for r in failures.iter_rows(named=True)}


GOOD_EVENT = {"event_id": "E1", "community_id": "C1", "reported_at": "2024-10-01 09:00", "handling_mode": "onsite",
              "is_difficult": "否"}


def test_valid_event_frame_is_typed_and_passes():
    typed, failures, _ = check_frame(table_specs()["whistle_events"], frame("whistle_events", [GOOD_EVENT]))
    assert failures.height == 0
    assert typed["reported_at"].dtype == pl.Datetime("us")
    assert typed["is_difficult"].to_list() == [False]
    assert str(typed["reported_at"][0]) == "2024-10-01 09:00:00"


def test_each_kind_of_bad_event_row():
    got = reasons("whistle_events", [
        GOOD_EVENT,
        {**GOOD_EVENT, "event_id": None},
        {**GOOD_EVENT, "handling_mode": "remote"},
        {**GOOD_EVENT, "reported_at": "2024-13-45 09:00"},
        {**GOOD_EVENT, "is_difficult": "maybe"},
    ])
    assert got == {
        (1, "event_id"): "必填项为空",
        (2, "handling_mode"): "取值“remote”不在允许范围（onsite, offsite）",
        (3, "reported_at"): "无法解析为时间（YYYY-MM-DD HH:MM[:SS]）",
        (4, "is_difficult"): "无法解析为是/否",
    }


def test_log_rules_on_actions_and_values():
    base = {"event_id": "E1", "ts": "2024-10-01 10:00:00", "dept_id": "D1"}
    got = reasons("whistle_event_log", [
        {**base, "action": "dispatched"},
        {**base, "action": "teleported"},
        {**base, "action": "dispatched", "dept_id": None},
        {**base, "action": "escalated", "value": "weekly"},
        {**base, "action": "escalated", "value": "monthly"},
        {**base, "action": "rated", "value": None},
    ])
    assert set(got) == {(1, "action"), (2, "dept_id"), (4, "value"), (5, "value")}
    assert "日调度" in got[(4, "value")] and "满意" in got[(5, "value")]


def test_negative_counts_scores_and_weeks():
    nr = {"report_id": "R1", "jpc_id": "J1", "submitted_at": "2024-10-07 09:00", "week": "2024-W40"}
    got = reasons("negative_reports", [
        nr,
        {**nr, "count": "-1", "clause_code": "E.1.1"},
        {**nr, "week": "2024-W53"},   # 2024 has 52 ISO weeks
        {**nr, "week": "2024-40"},
        {**nr, "week": "2020-W53"},   # 2020 has 53: valid
    ])
    assert set(got) == {(1, "count"), (2, "week"), (3, "week")}
    assert got[(2, "week")] == "不是有效的 ISO 周（该年没有这一周）"

    got = reasons("ratings", [
        {"period": "2024-10", "jpc_id": "J1", "dept_id": "D1", "score": "88.5"},
        {"period": "2024-10", "jpc_id": "J1", "dept_id": "D1", "score": "101"},
        {"period": "2024-13", "jpc_id": "J1", "dept_id": "D1", "score": "50"},
    ])
    assert set(got) == {(1, "score"), (2, "period")}


def test_binding_and_task_row_rules():
    got = reasons("bindings", [
        {"jpc_id": "J1", "role": "department", "dept_id": "D1", "valid_from": "2024-01-01"},
        {"jpc_id": "J1", "role": "department", "valid_from": "2024-01-01"},
        {"jpc_id": "J1", "role": "leader", "leader_name": "王", "valid_from": "2024-05-01", "valid_to": "2024-04-01"},
    ])
    assert set(got) == {(1, "dept_id"), (2, "valid_to")}
    got = reasons("tasks", [
        {"task_id": "T1", "issued_at": "2024-01-01 09:00", "dept_id": "D1", "from_level": "5", "to_level": "3"},
        {"task_id": "T2", "issued_at": "2024-01-01 09:00", "dept_id": "D1", "from_level": "3", "to_level": "5"},
    ])
    assert set(got) == {(1, "to_level")}


def test_every_column_and_row_rule_gives_its_exact_reason():
    """Each kind of check a table declares (allowed values, a format, a number's range, a rule across the row's
    columns) quarantines the row it breaks with its own Chinese reason, the offending value named where the reason
    carries it; a row breaking two checks of one column keeps the first (the range before the row rule)."""
    got = reasons("reference_items", [
        {"list_id": "admission", "item_id": "B01", "item_name": "重点人员"},
        {"list_id": "wishlist", "item_id": "B02", "item_name": "平安建设"},
    ])
    assert got == {(1,
                    "list_id"): "取值“wishlist”不在允许范围（admission, certificate, integrity_clause, one_thing, "
                                "burden_negative）"}
    got = reasons("bindings", [
        {"jpc_id": "J1", "role": "mayor", "valid_from": "2024-01-01"},
        {"jpc_id": "J1", "role": "leader", "valid_from": "2024-01-01"},
        {"jpc_id": "J1", "role": "department", "valid_from": "2024-01-01"},
        {"jpc_id": "J1", "role": "leader", "leader_name": "王", "valid_from": "2024-05-01", "valid_to": "2024-04-01"},
    ])
    assert got == {
        (0, "role"): "取值“mayor”不在允许范围（department, leader）",
        (1, "leader_name"): "市领导联系（role=leader）必须填写市领导姓名",
        (2, "dept_id"): "部门捆绑（role=department）必须填写部门编号",
        (3, "valid_to"): "失效日期早于生效日期",
    }
    base = {"event_id": "E1", "ts": "2024-10-01 10:00:00", "dept_id": "D1"}
    got = reasons("whistle_event_log", [
        {**base, "action": "teleported"},
        {**base, "action": "returned", "dept_id": None},
        {**base, "action": "escalated", "value": "monthly"},
        {**base, "action": "rated", "value": None},
    ])
    assert got == {
        (0,
         "action"): "取值“teleported”不在允许范围（dispatched, accepted, arrived, returned, closed, reopened, "
                    "escalated, rated）",
        (1, "dept_id"): "派单/退回记录必须填写部门编号",
        (2, "value"): "升级记录的值必须是 daily/weekly/city（日调度/周协调/市委市政府协调）",
        (3, "value"): "评价记录的值必须是 satisfied/basic/unsatisfied（满意/基本满意/不满意）",
    }
    visit = {"visit_id": "V1", "visit_date": "2024-10-08", "dept_id": "D1", "jpc_id": "J1"}
    got = reasons("visits", [
        {**visit, "participants": "1001"},
        {**visit, "problems_raised": "-3", "problems_solved": "10001"},
        {**visit, "participants": "1000", "problems_raised": "0"},
    ])
    assert got == {
        (0, "participants"): "取值超出合理范围（不能大于 1,000）",
        (1, "problems_raised"): "取值超出合理范围（不能小于 0）",
        (1, "problems_solved"): "取值超出合理范围（不能大于 10,000）",
    }
    nr = {"report_id": "R1", "jpc_id": "J1", "submitted_at": "2024-10-07 09:00", "week": "2024-W40"}
    got = reasons("negative_reports", [{**nr, "week": "第40周"}, {**nr, "week": "2024-W00"}])
    assert got == {(0, "week"): "“第40周”格式不符合要求", (1, "week"): "不是有效的 ISO 周（该年没有这一周）"}
    got = reasons("appeals", [{"appeal_id": "A1", "community_id": "C1", "raised_at": "2024-10-01 09:00",
                               "origin_level": "6"}])
    assert got == {(0, "origin_level"): "取值超出合理范围（不能大于 5）"}
    alog = {"appeal_id": "A1", "level": "1", "entered_at": "2024-10-02 09:00"}
    got = reasons("appeal_log", [{**alog, "outcome": "lost"},
                                 {**alog, "outcome": "open", "exited_at": "2024-10-01 09:00"}])
    assert got == {(0, "outcome"): "取值“lost”不在允许范围（resolved, escalated, withdrawn, open）",
                   (1, "exited_at"): "离开时间早于进入时间"}
    task = {"task_id": "T1", "dept_id": "D1", "issued_at": "2024-01-02 09:00"}
    got = reasons("tasks", [
        {**task, "from_level": "5", "to_level": "7"},                        # out of range, and not lower
        {**task, "from_level": "3", "to_level": "3", "completed_at": "2024-01-01 09:00"},
    ])
    assert got == {
        (0, "to_level"): "取值超出合理范围（不能大于 5）",
        (1, "to_level"): "下派事项的承接层级必须低于下派层级（5 区 → 1 居民）",
        (1, "completed_at"): "完成时间早于下派时间",
    }
    rating = {"jpc_id": "J1", "dept_id": "D1"}
    got = reasons("ratings", [{**rating, "period": "2024-Q3", "score": "100.5"},
                              {**rating, "period": "2024", "score": "-0.5"}])
    assert got == {(0, "period"): "“2024-Q3”格式不符合要求", (0, "score"): "取值超出合理范围（不能大于 100）",
                   (1, "score"): "取值超出合理范围（不能小于 0）"}
