"""The five-level funnel, hand-worked from SPEC §6 on appeals raised in October 2024.

Trails (hours at each level in brackets):
A1 C1 物业 from 1: L1 escalated (12) → L2 resolved (48)
A2 C1 物业 from 2: L2 escalated (6) → L3 escalated (48) → L4 resolved (24)
A3 C2 噪音 from 3: L3 withdrawn (10)
A4 C2 噪音 from 1: L1 (1) → L2 (2) → L3 (4) → L4 (24) escalated → L5 still open at the top
A5 C1 噪音 from 3: L3 resolved (24)
A6 C2 物业 from 1: L1 resolved (2)
A7 C1 物业 from 4: L4 escalated (24) → L5 resolved (240, left on Oct 20)
A8 was raised in September and is not counted.
"""
import datetime as dt

import pytest

from govdash.figures import appeals
from pipelines.ingest import ingest
from warehouse.db import connect_read, read_cursor

APPEALS = """appeal_id,community_id,raised_at,origin_level,category
A1,C1,2024-10-01 08:00,1,物业
A2,C1,2024-10-02 08:00,2,物业
A3,C2,2024-10-03 09:00,3,噪音
A4,C2,2024-10-04 09:00,1,噪音
A5,C1,2024-10-06 09:00,3,噪音
A6,C2,2024-10-08 09:00,1,物业
A7,C1,2024-10-09 09:00,4,物业
A8,C1,2024-09-30 09:00,1,物业
"""
APPEAL_LOG = """appeal_id,level,entered_at,exited_at,outcome
A1,1,2024-10-01 08:00,2024-10-01 20:00,escalated
A1,2,2024-10-01 20:00,2024-10-03 20:00,resolved
A2,2,2024-10-02 08:00,2024-10-02 14:00,escalated
A2,3,2024-10-02 14:00,2024-10-04 14:00,escalated
A2,4,2024-10-04 14:00,2024-10-05 14:00,resolved
A3,3,2024-10-03 09:00,2024-10-03 19:00,withdrawn
A4,1,2024-10-04 09:00,2024-10-04 10:00,escalated
A4,2,2024-10-04 10:00,2024-10-04 12:00,escalated
A4,3,2024-10-04 12:00,2024-10-04 16:00,escalated
A4,4,2024-10-04 16:00,2024-10-05 16:00,escalated
A4,5,2024-10-05 16:00,,open
A5,3,2024-10-06 09:00,2024-10-07 09:00,resolved
A6,1,2024-10-08 09:00,2024-10-08 11:00,resolved
A7,4,2024-10-09 09:00,2024-10-10 09:00,escalated
A7,5,2024-10-10 09:00,2024-10-20 09:00,resolved
A8,1,2024-09-30 09:00,2024-09-30 10:00,resolved
"""
OCT = (dt.datetime(2024, 10, 1), dt.datetime(2024, 11, 1))
LATE = dt.datetime(2024, 11, 30)


@pytest.fixture(scope="module")
def cur(tmp_path_factory):
    src = tmp_path_factory.mktemp("appeals")
    (src / "departments.csv").write_text("dept_id,dept_name\nD1,执法局\n", encoding="utf-8")
    (src / "communities.csv").write_text("community_id,community_name,jpc_id\nC1,东社区,J1\nC2,西社区,J2\n",
                                         encoding="utf-8")
    (src / "appeals.csv").write_text(APPEALS, encoding="utf-8")
    (src / "appeal_log.csv").write_text(APPEAL_LOG, encoding="utf-8")
    (src / "whistle_events.csv").write_text(
        "event_id,community_id,reported_at,handling_mode,is_difficult\n"
        "E1,C1,2024-10-08 08:00,offsite,false\nE2,C1,2024-10-08 08:00,offsite,false\n"
        "E3,C1,2024-10-08 08:00,offsite,true\nE4,C1,2024-10-08 08:00,offsite,false\n", encoding="utf-8")
    (src / "whistle_event_log.csv").write_text(
        "event_id,ts,action,dept_id,value\n"
        "E1,2024-10-08 09:00,escalated,,daily\n"
        "E2,2024-10-08 09:00,escalated,,daily\nE2,2024-10-10 09:00,escalated,,weekly\n"
        "E3,2024-10-09 09:00,escalated,,city\n", encoding="utf-8")
    (src / "tasks.csv").write_text(
        "task_id,issued_at,dept_id,from_level,to_level,community_id\n"
        "T1,2024-10-08 09:00,D1,5,3,C1\nT2,2024-10-09 09:00,D1,4,3,C1\nT3,2024-10-10 09:00,D1,5,3,C2\n",
        encoding="utf-8")
    db = tmp_path_factory.mktemp("wh") / "appeals.duckdb"
    result = ingest([src], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    return read_cursor(connect_read(db))


def test_city_funnel_level_by_level(cur):
    f = appeals.funnel_section(cur, *OCT, LATE)
    got = {lv["level"]: lv for lv in f["levels"]}
    expected = {  # entered, resolved, escalated, withdrawn, open, conversion, median, p90 (interpolated)
        1: (3, 1, 2, 0, 0, 0.6667, 2.0, 10.0),
        2: (3, 1, 2, 0, 0, 0.6667, 6.0, 39.6),
        3: (4, 1, 2, 1, 0, 0.5, 17.0, 40.8),
        4: (3, 1, 2, 0, 0, 0.6667, 24.0, 24.0),
        5: (2, 1, 0, 0, 1, None, 240.0, 240.0),   # level 5 has no level above: conversion null
    }
    for k, exp in expected.items():
        lv = got[k]
        assert (lv["entered"], lv["resolved"], lv["escalated"], lv["withdrawn"], lv["open"], lv["conversion"],
                lv["median_dwell_hours"], lv["p90_dwell_hours"]) == pytest.approx(exp), k
    assert [lv["label"] for lv in f["levels"]] == ["居民", "居民小组", "社区党组织/居委会", "街道党工委/办事处",
                                                   "区委/区政府"]
    # resolved at levels ≤ 3: A6, A1, A5 of 5 resolved
    assert f["community_resolution_share"] == 0.6


def test_a_past_cut_off_sees_the_trail_as_it_stood(cur):
    f = appeals.funnel_section(cur, *OCT, dt.datetime(2024, 10, 15))
    l5 = f["levels"][4]
    # A7 left level 5 on Oct 20: at Oct 15 both level-5 appeals are open and no level-5 dwell is known
    assert (l5["entered"], l5["resolved"], l5["open"], l5["median_dwell_hours"]) == (2, 0, 2, None)
    assert f["community_resolution_share"] == 0.75
    # before anything was raised: every level empty, the share null (not 0% or 100%)
    empty = appeals.funnel_section(cur, *OCT, dt.datetime(2024, 9, 30))
    assert all(lv["entered"] == 0 and lv["conversion"] is None for lv in empty["levels"])
    assert empty["community_resolution_share"] is None


def test_per_community_and_category(cur):
    f = appeals.funnel_section(cur, *OCT, LATE)
    by_comm = {c["community_id"]: c for c in f["by_community"]}
    assert by_comm["C1"]["community_resolution_share"] == 0.5   # A1 (L2), A5 (L3) of A1, A2, A5, A7
    assert by_comm["C2"]["community_resolution_share"] == 1.0   # A6 only
    c1_l3 = by_comm["C1"]["levels"][2]
    assert (c1_l3["entered"], c1_l3["resolved"], c1_l3["escalated"]) == (2, 1, 1)
    by_cat = {c["category"]: c for c in f["by_category"]}
    noise = by_cat["噪音"]["levels"]
    assert sum(lv["withdrawn"] for lv in noise) == 1 and sum(lv["open"] for lv in noise) == 1
    assert by_cat["噪音"]["community_resolution_share"] == 1.0


def test_push_up_ranking_ladder_and_flow(cur):
    push = {r["community_id"]: r for r in appeals.community_push_up(cur, *OCT, LATE).iter_rows(named=True)}
    # appeals entering at ≤ 3: C1 A1, A2, A5 (A2 reached level 4); C2 A3, A4, A6 (A4 reached 5); a tie shares rank 1
    assert (push["C1"]["appeals"], push["C1"]["carried_up"], push["C1"]["carried_up_share"],
            push["C1"]["rank"]) == (3, 1, 0.3333, 1)
    assert (push["C2"]["appeals"], push["C2"]["carried_up"], push["C2"]["rank"]) == (3, 1, 1)
    ladder = appeals.whistle_ladder(cur, *OCT, LATE)
    assert ladder["events"].to_list() == [4, 3, 2, 1]   # all, ≥ daily, ≥ weekly, city
    assert ladder["label"].to_list() == ["派单处置", "日调度", "周协调", "市委市政府协调"]
    flow = {(r["from_level"], r["to_level"]): r["tasks"] for r in appeals.task_flow(cur, *OCT).iter_rows(named=True)}
    assert flow == {(5, 3): 2, (4, 3): 1}
    trail = appeals.appeal_trail(cur, "A4")
    assert trail["level"].to_list() == [1, 2, 3, 4, 5] and trail["outcome"].to_list()[-1] == "open"
    withdrawn = appeals.appeal_records(cur, *OCT, LATE, level=3, outcome="withdrawn")
    assert withdrawn["appeal_id"].to_list() == ["A3"]
    months = appeals.appeal_resolution_by_month(cur, dt.datetime(2024, 9, 1), OCT[1], LATE)
    assert months.select("month", "resolved", "community_resolution_share").rows() == [("2024-09", 1, 1.0),
                                                                                       ("2024-10", 5, 0.6)]
