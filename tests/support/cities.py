"""The hand-worked cities several test modules load: October 2024 of the binding visits and the negative lists
(OCTOBER, worked out in tests/test_visits_negative.py) and the smallest city of the ingest tests."""

# ---------------------------------------------------------------- October 2024, hand-worked from SPEC §4–§5
# October 2024's ISO weeks (a week belongs to the month holding its Thursday):
# W40 Sep 30–Oct 6 (National Day, Oct 1–7 off), W41 Oct 7–13, W42 Oct 14–20, W43 Oct 21–27,
# W44 Oct 28–Nov 3 (straddles two months; Thursday Oct 31 puts it in October). W39 (Sep 23–29) is September's.
# Weekly reports are due, by default, on the Monday after the week at 12:00.
# The `october` fixture (tests/conftest.py) loads it once, read-only.
OCTOBER = {
    "departments.csv": "dept_id,dept_name\nD1,执法局\nD2,市监局\n",
    "communities.csv": ("community_id,community_name,jpc_id,jpc_name\n"
                        "C1,东社区,J1,东片联合党委\nC2,西社区,J2,西片联合党委\n"),
    # J1–D1 all year; J1–D2 starts Wed Oct 16 (W42); J2–D1 ends Wed Oct 9 (W41)
    "bindings.csv": """jpc_id,role,dept_id,leader_name,valid_from,valid_to
J1,department,D1,,2024-01-01,
J1,department,D2,,2024-10-16,
J2,department,D1,,2024-01-01,2024-10-09
J1,leader,,张市长,2024-01-01,
""",
    "visits.csv": """visit_id,visit_date,dept_id,jpc_id,led_by_city_leader,problems_raised,problems_solved
V1,2024-10-02,D1,J1,true,2,1
V2,2024-10-09,D1,J1,false,1,1
V3,2024-10-10,D1,J1,false,0,0
V4,2024-11-02,D1,J1,false,3,0
V5,2024-09-29,D1,J1,false,5,5
V6,2024-10-15,D2,J1,false,1,1
V7,2024-10-08,D1,J2,false,0,0
V8,2024-10-22,D2,J2,false,1,0
""",
    "negative_reports.csv": """report_id,jpc_id,week,submitted_at,clause_code,count,description,rectified
R1-40,J1,2024-W40,2024-10-07 11:59,E.1.1,2,占用公物,true
R1-40,J1,2024-W40,2024-10-07 11:59,E.2.3,1,违规吃请,false
R1-41,J1,2024-W41,2024-10-14 12:01,,,本周无负面情况,
R1-43,J1,2024-W43,2024-10-21 09:00,,,本周无负面情况,
R1-44,J1,2024-W44,2024-11-04 10:00,E.1.1,,态度恶劣,true
R1-39,J1,2024-W39,2024-09-30 09:00,E.2.1,4,九月的报告,false
R1-BAD,J1,2024-W42,2024-10-14 09:00,E.3.1,1,条款不存在,false
R2-40,J2,2024-W40,2024-10-07 08:00,,,无,
R2-41,J2,2024-W41,2024-10-14 08:00,,,无,
R2-42,J2,2024-W42,2024-10-21 08:00,,,无,
R2-43,J2,2024-W43,2024-10-28 08:00,,,无,
R2-44,J2,2024-W44,2024-11-04 11:30,,,无,
""",
    "tasks.csv": """task_id,issued_at,dept_id,from_level,to_level,community_id,admission_item,certificate_item
T1,2024-10-08 09:00,D1,5,3,C1,B01,
T2,2024-10-09 09:00,D1,5,3,C1,,
T3,2024-10-10 09:00,D1,4,3,C2,招商引资任务分解,C02
T4,2024-10-11 09:00,D2,5,3,C1,人行道秩序整治,无犯罪记录证明
T5,2024-10-12 09:00,D2,5,4,,,
T6,2024-09-10 09:00,D1,5,3,C1,问卷填报,
""",
    # D1 handles 1 of its 2 October whistles (50% < 90%); D2 handles its only one
    "whistle_events.csv": """event_id,community_id,reported_at,handling_mode,is_difficult
E1,C1,2024-10-08 08:50,offsite,false
E2,C1,2024-10-09 08:50,offsite,false
E3,C2,2024-10-10 08:50,offsite,false
""",
    "whistle_event_log.csv": """event_id,ts,action,dept_id,value
E1,2024-10-08 09:00,dispatched,D1,
E1,2024-10-08 09:30,accepted,D1,
E1,2024-10-09 10:00,closed,D1,
E2,2024-10-09 09:00,dispatched,D1,
E3,2024-10-10 09:00,dispatched,D2,
E3,2024-10-10 09:20,accepted,D2,
E3,2024-10-10 15:00,closed,D2,
""",
}


# ---------------------------------------------------------------- the smallest city of the ingest tests

DEPTS = "dept_id,dept_name\nD1,公安局\nD2,执法局\n"
COMMS = "community_id,community_name,jpc_id\nC1,江湾社区,J1\nC2,海城社区,J1\n"
EVENTS = ("event_id,community_id,reported_at,handling_mode,is_difficult\n"
          "E1,C1,2024-10-08 09:00,onsite,false\n"
          "E2,C2,2024-10-08 10:00,offsite,true\n")


def write(path, text, encoding="utf-8"):
    """Writes `text` to `path` in `encoding`; returns the path."""
    path.write_bytes(text.encode(encoding))
    return path


def base_files(d):
    """The departments and communities of the smallest city, written into folder `d`."""
    return [write(d / "departments.csv", DEPTS), write(d / "communities.csv", COMMS)]


def by_file(result):
    """An ingest result's per-file summaries by file name."""
    return {f.file: f for f in result.files}
