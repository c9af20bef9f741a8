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
