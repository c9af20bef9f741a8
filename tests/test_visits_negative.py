"""Binding visits and the negative lists, hand-worked from SPEC §4–§5 on October 2024
(the city: OCTOBER in tests/support/cities.py).

October 2024's ISO weeks (a week belongs to the month holding its Thursday):
W40 Sep 30–Oct 6 (National Day, Oct 1–7 off), W41 Oct 7–13, W42 Oct 14–20, W43 Oct 21–27,
W44 Oct 28–Nov 3 (straddles two months; Thursday Oct 31 puts it in October). W39 (Sep 23–29) is September's.
Weekly reports are due, by default, on the Monday after the week at 12:00.
"""
import datetime as dt

from govdash.figures import bulletin as monthly_bulletin
from govdash.figures import negative_lists, visits, whistle
from warehouse.db import connect_read, read_cursor


def _cur(db):
    return read_cursor(connect_read(db))


def test_unknown_clause_code_is_quarantined_against_appendix_e(october):
    db, result = october
    by_file = {f.file: f for f in result.files}
    # the bundled reference lists were loaded because the warehouse had none
    assert by_file["reference_items.csv"].rows_loaded == 81
    nr = by_file["negative_reports.csv"]
    assert (nr.rows_read, nr.rows_loaded, nr.rows_quarantined) == (12, 11, 1)
    q = _cur(db).execute("select source_row, column_name, value, reason from quarantine").fetchall()
    assert len(q) == 1
    row, column, value, reason = q[0]
    assert (row, column, value) == (8, "clause_code", "E.3.1") and "附录 E" in reason


def test_visit_compliance_per_binding(october):
    db, _ = october
    v = {(r["dept_id"], r["jpc_id"]): r for r in visits.visit_table(_cur(db), "2024-10").iter_rows(named=True)}
    d1j1 = v[("D1", "J1")]
    # required W40–W44; covered W40 (a holiday visit), W41 (two visits), W44 (Sat Nov 2); V5 is September's
    assert (d1j1["required_weeks"], d1j1["covered_weeks"], d1j1["visit_compliance"]) == (5, 3, 0.6)
    assert (d1j1["visits"], d1j1["leader_led_visits"], d1j1["problems_raised"], d1j1["problems_solved"]) == (4, 1, 6, 2)
    assert list(d1j1["missed_weeks"]) == ["2024-W42", "2024-W43"]
    # starts mid-month: W42–W44 required, W42 covered by a visit the day before the binding began
    d2j1 = v[("D2", "J1")]
    assert (d2j1["required_weeks"], d2j1["covered_weeks"], d2j1["visit_compliance"]) == (3, 1, 0.3333)
    assert list(d2j1["missed_weeks"]) == ["2024-W43", "2024-W44"]
    # ends mid-month: W40–W41 required
    d1j2 = v[("D1", "J2")]
    assert (d1j2["required_weeks"], d1j2["covered_weeks"], d1j2["visit_compliance"]) == (2, 1, 0.5)
    assert list(d1j2["missed_weeks"]) == ["2024-W40"]
    # a visit without a binding: counted, but nothing required and compliance null (not 0% or 100%)
    d2j2 = v[("D2", "J2")]
    assert (d2j2["required_weeks"], d2j2["visits"], d2j2["visit_compliance"]) == (0, 1, None)
    assert set(v) == {("D1", "J1"), ("D2", "J1"), ("D1", "J2"), ("D2", "J2")}
    # September holds W39 only for its last days: V5 (Sun Sep 29) covers J1–D1's W39
    sep = {(r["dept_id"], r["jpc_id"]): r for r in visits.visit_table(_cur(db), "2024-09").iter_rows(named=True)}
    assert sep[("D1", "J1")]["covered_weeks"] == 1 and sep[("D1", "J1")]["problems_raised"] == 5


def test_exempt_weeks_are_a_setting(october, tmp_path, monkeypatch):
    from govdash.core.settings import settings_path

    text = settings_path().read_text(encoding="utf-8").replace("exempt_weeks = []", 'exempt_weeks = ["2024-W43"]')
    custom = tmp_path / "settings.toml"
    custom.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(custom))
    db, _ = october
    v = {(r["dept_id"], r["jpc_id"]): r for r in visits.visit_table(_cur(db), "2024-10").iter_rows(named=True)}
    assert (v[("D1", "J1")]["required_weeks"], v[("D1", "J1")]["visit_compliance"]) == (4, 0.75)
    assert (v[("D2", "J1")]["required_weeks"], v[("D2", "J1")]["visit_compliance"]) == (2, 0.5)
    assert list(v[("D1", "J1")]["missed_weeks"]) == ["2024-W42"]


def test_weekly_reports_on_time_late_missing_and_pending(october):
    db, _ = october
    cur = _cur(db)
    late_cut = dt.datetime(2024, 11, 20)
    weeks = negative_lists.negative_report_weeks(cur, "2024-10", late_cut)
    status = {(r["jpc_id"], r["week_id"]): r["status"] for r in weeks.iter_rows(named=True)}
    assert status == {
        ("J1", "2024-W40"): "on_time",   # 11:59 on the Monday due 12:00 (itself a holiday)
        ("J1", "2024-W41"): "late",      # 12:01
        ("J1", "2024-W42"): "missing",   # its only report was quarantined
        ("J1", "2024-W43"): "on_time",
        ("J1", "2024-W44"): "on_time",
        **{("J2", f"2024-W{w}"): "on_time" for w in range(40, 45)},
    }
    summary = {r["jpc_id"]: r for r in negative_lists.negative_report_summary(cur, "2024-10", late_cut)}
    j1 = summary["J1"]
    assert (j1["weeks_required"], j1["on_time"], j1["late"], j1["missing"], j1["pending"]) == (5, 3, 1, 1, 0)
    assert j1["on_time_rate"] == 0.6 and j1["missing_weeks"] == ["2024-W42"] and j1["late_weeks"] == ["2024-W41"]
    # E.1.1: 2 (W40) + 1 (W44, count empty = one item); E.2.3: 1; W39's items are September's
    assert j1["items_by_clause"] == {"E.1.1": 3, "E.2.3": 1}
    assert (j1["rectified_items"], j1["rectified_share"]) == (3, 0.75)
    # reports with no items: a valid "nothing this week", and no rectified share (null, not 0% or 100%)
    assert summary["J2"]["items_by_clause"] == {} and summary["J2"]["rectified_share"] is None
    assert summary["J2"]["rectified_items"] == 0
    # the city: J1 and J2, 10 weeks due, 8 on time; 4 items, 3 rectified; E.1.1 the clause with most items
    city = negative_lists.negative_report_totals(cur, "2024-10", late_cut)
    assert (city["jpcs"], city["weeks_due"], city["on_time"], city["late"], city["missing"],
            city["on_time_rate"]) == (2, 10, 8, 1, 1, 0.8)
    assert (city["items"], city["rectified_items"], city["rectified_share"]) == (4, 3, 0.75)
    assert (city["top_clause_code"], city["top_clause_items"]) == ("E.1.1", 3)
    # J2 alone (a department bound to J2 only): 5 of 5 on time, no items, no rectified share
    j2 = negative_lists.negative_report_totals(cur, "2024-10", late_cut, ("J2",))
    assert (j2["jpcs"], j2["weeks_due"], j2["on_time_rate"], j2["items"], j2["rectified_share"]) == (1, 5, 1.0, 0, None)
    assert negative_lists.negative_report_totals(cur, "2024-10", late_cut, ())["jpcs"] == 0   # no bound JPC: nothing
    clauses = {r["clause_code"]: r for r in negative_lists.negative_report_clauses(cur, "2024-10",
                                                                                   late_cut).iter_rows(named=True)}
    assert {k: (r["items"], r["jpcs"]) for k, r in clauses.items()} == {"E.1.1": (3, 1), "E.2.3": (1, 1)}
    assert sum(r["rectified_items"] for r in clauses.values()) == 3

    # at Mon Nov 4 11:00, J2's W44 report (11:30) is not in yet and not yet due: pending, not missing
    early = negative_lists.negative_report_weeks(cur, "2024-10", dt.datetime(2024, 11, 4, 11, 0))
    early_status = {(r["jpc_id"], r["week_id"]): r["status"] for r in early.iter_rows(named=True)}
    assert early_status[("J2", "2024-W44")] == "pending"
    assert early_status[("J1", "2024-W44")] == "on_time"
    s = {r["jpc_id"]: r for r in negative_lists.negative_report_summary(cur, "2024-10", dt.datetime(2024, 11, 4, 11))}
    assert (s["J2"]["on_time"], s["J2"]["pending"], s["J2"]["on_time_rate"]) == (4, 1, 1.0)


def test_assessment_and_burden_negative_lists(october):
    db, _ = october
    b = monthly_bulletin.bulletin(_cur(db), "2024-10", "2024-11-20 00:00")
    # D1: handled 1 of 2 → 50% < 90%; closed 1 of 2 → 50%; D2 handled and closed its one whistle
    assert [r["dept_id"] for r in b["assessment_negative_list"]] == ["D1"]
    # SPEC §3 names closure_rate 办结率 (the bulletin once said 结案率 here, the assessment 办结率)
    assert b["assessment_negative_list"][0]["reasons"] == ["处置率 50.0% 低于 90%", "办结率 50.0% 低于 90%"]
    burden = {r["dept_id"]: r for r in b["burden_negative_list"]}
    # D1: T2 (no admission item), T3 (off the list; its certificate C02 is on Appendix C); T6 is September's
    assert (burden["D1"]["tasks_off_list"], burden["D1"]["certificates_off_list"]) == (2, 0)
    assert (burden["D1"]["tasks_off_list_ytd"], burden["D1"]["tasks_onto_communities"]) == (3, 3)
    # D2: T4's admission item matches B05 by name; its certificate is off Appendix C; T5 goes to the street
    assert (burden["D2"]["tasks_off_list"], burden["D2"]["certificates_off_list"]) == (0, 1)
    records = negative_lists.burden_records(_cur(db), "D1", dt.datetime(2024, 10, 1), dt.datetime(2024, 11, 1))
    assert records["task_id"].to_list() == ["T2", "T3"]
    # the JSON sections by their keys
    assert {"visits", "negative_reports", "assessment_negative_list", "burden_negative_list"} <= set(b)
    assert set(b["visits"][0]) == {"dept_id", "jpc_id", "required_weeks", "covered_weeks", "visit_compliance", "visits",
                                   "leader_led_visits", "problems_raised", "problems_solved", "missed_weeks"}


def test_department_compliance_leaders_records_and_missed_weeks(october):
    db, _ = october
    cur = _cur(db)
    bindings = visits.visit_table(cur, "2024-10")
    assert bindings.height
    depts = {r["dept_id"]: r for r in visits.visit_departments(cur, "2024-10").iter_rows(named=True)}
    # D1: J1 3 of 5 + J2 1 of 2 = 4 of 7; D2: J1 1 of 3, J2 unbound (nothing required)
    assert (depts["D1"]["required_weeks"], depts["D1"]["covered_weeks"],
            depts["D1"]["visit_compliance"]) == (7, 4, 0.5714)
    assert (depts["D1"]["missed"], depts["D1"]["visits"], depts["D1"]["bindings"]) == (3, 5, 2)
    assert (depts["D2"]["required_weeks"], depts["D2"]["covered_weeks"],
            depts["D2"]["visit_compliance"]) == (3, 1, 0.3333)
    # lowest compliance first
    assert list(depts) == ["D2", "D1"]
    # the city: 5 of 10 weeks; D1 alone: 4 of 7 (its row's rate); nobody at 100 %
    city = visits.visit_totals(cur, "2024-10")
    assert (city["required_weeks"], city["covered_weeks"], city["visit_compliance"],
            city["departments_full"]) == (10, 5, 0.5, 0)
    assert city["visits"] == depts["D1"]["visits"] + depts["D2"]["visits"]
    d1 = visits.visit_totals(cur, "2024-10", ("D1",))
    assert (d1["required_weeks"], d1["covered_weeks"], d1["visit_compliance"], d1["departments"]) == (7, 4, 0.5714, 1)
    leaders = {r["jpc_id"]: r for r in visits.leader_visits(cur, "2024-10").iter_rows(named=True)}
    # J1: V1–V4 (D1) and V6 (D2), V1 led by 张市长; J2: V7, V8 and no contact leader
    assert (leaders["J1"]["leader_name"], leaders["J1"]["visits"],
            leaders["J1"]["leader_led_visits"]) == ("张市长", 5, 1)
    assert (leaders["J2"]["leader_name"], leaders["J2"]["visits"], leaders["J2"]["leader_led_visits"]) == (None, 2, 0)
    assert visits.visit_records(cur, "2024-10", "D1", "J1")["visit_id"].to_list() == ["V1", "V2", "V3", "V4"]
    missed = visits.missed_visit_weeks(cur, "D1", "2024-10", "2024-10")
    assert missed.select("jpc_id", "week_id").rows() == [("J2", "2024-W40"), ("J1", "2024-W42"), ("J1", "2024-W43")]
    lines = negative_lists.negative_report_lines(cur, "2024-10", dt.datetime(2024, 11, 20), "J1")
    # W40's two clause lines, the two "nothing" lines and W44's line; the quarantined W42 report is not there
    assert lines["report_id"].to_list() == ["R1-40", "R1-40", "R1-41", "R1-43", "R1-44"]
    assert lines["clause_text"][0].startswith("严禁违反政治纪律")


def test_rank_history_and_report_text(october):
    from govdash.documents.bulletin_text import reports_text

    db, _ = october
    cur = _cur(db)
    hist = whistle.department_rank_history(cur, "2024-09", "2024-10", dt.datetime(2024, 11, 20))
    rows = {(r["month"], r["dept_id"]): r for r in hist.iter_rows(named=True)}
    # October: D2 closed its one whistle on time (100%), D1 one of two (50%); the city 2 of 3
    assert (rows[("2024-10", "D2")]["rank"], rows[("2024-10", "D1")]["rank"]) == (1, 2)
    assert rows[("2024-10", "D1")]["on_time_closure_rate"] == 0.5
    assert rows[("2024-10", "D1")]["city_on_time_closure_rate"] == 0.6667
    # September: no whistles, so no rates (null), and a shared rank
    assert rows[("2024-09", "D1")]["on_time_closure_rate"] is None
    assert rows[("2024-09", "D1")]["city_on_time_closure_rate"] is None
    assert rows[("2024-09", "D1")]["rank"] == rows[("2024-09", "D2")]["rank"]
    b = monthly_bulletin.bulletin(cur, "2024-10", "2024-11-20 00:00")
    # J1 and J2: 10 weeks due, 8 on time, 1 late, 1 missing; 4 items, 3 rectified
    text = reports_text(b)
    assert "应报周报 10 份（已到期），按时 8 份，迟报 1 份，漏报 1 份" in text and "整改率 75.0%" in text
