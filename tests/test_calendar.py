"""Working-day calendar: official schedule, make-up days, overrides, uncovered years."""
import datetime as dt

from pipelines.ingest import ingest
from tests.support.paths import REPO
from warehouse.db import connect_read


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def day(con, d):
    return con.execute("select is_workday, source, year_covered from dim_calendar where date = ?", [d]).fetchone()


def test_national_day_2024_and_make_up_days(tmp_path):
    db = tmp_path / "wh.duckdb"
    ingest([write(tmp_path / "departments.csv", "dept_id,dept_name\nD1,公安局\n")], db_path=db)
    con = connect_read(db)
    assert day(con, dt.date(2024, 9, 29))[:2] == (True, "official")   # Sunday, make-up working day
    assert day(con, dt.date(2024, 10, 12))[:2] == (True, "official")  # Saturday, make-up working day
    for d in range(1, 8):
        assert day(con, dt.date(2024, 10, d))[0] is False
    assert day(con, dt.date(2024, 10, 8))[0] is True
    # WD by join: the working day two after 2024-09-30 is 2024-10-09 (holiday skipped)
    wd = con.execute("""
        select c2.date from dim_calendar c1 join dim_calendar c2
          on c2.wd_index = c1.wd_index + 2 and c2.is_workday
        where c1.date = date '2024-09-30'
    """).fetchone()[0]
    assert wd == dt.date(2024, 10, 9)


def test_uncovered_year_is_flagged_and_overrides_cover_it(tmp_path, monkeypatch):
    # data two years ahead of the official schedule: the plausibility window ([plausibility]) is widened to take it
    settings = tmp_path / "settings.toml"
    settings.write_text((REPO / "config" / "settings.toml").read_text(encoding="utf-8")
                        .replace("years_after_ingest = 1", "years_after_ingest = 5"), encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(settings))
    db = tmp_path / "wh.duckdb"
    files = [
        write(tmp_path / "departments.csv", "dept_id,dept_name\nD1,公安局\n"),
        write(tmp_path / "communities.csv", "community_id,community_name,jpc_id\nC1,一社区,J1\n"),
        write(tmp_path / "whistle_events.csv",
              "event_id,community_id,reported_at,handling_mode,is_difficult\n"
              "E1,C1,2028-03-01 09:00,onsite,false\n"),
    ]
    ingest(files, db_path=db)
    from govdash.figures.data_quality import calendar_coverage

    con = connect_read(db)
    cov = calendar_coverage(con)
    assert cov["uncovered_data_years"] == [2028]
    assert 2027 in cov["provisional_years"] and 2028 in cov["provisional_years"]
    assert day(con, dt.date(2028, 3, 1))[1:] == ("provisional", False)
    con.close()

    ingest([write(tmp_path / "calendar_overrides.csv", "日期,是否工作日,说明\n2028-03-01,否,示例假日\n")], db_path=db)
    con = connect_read(db)
    assert day(con, dt.date(2028, 3, 1)) == (False, "override", True)
    assert day(con, dt.date(2028, 3, 2)) == (True, "override_year", True)
    assert calendar_coverage(con)["uncovered_data_years"] == []
