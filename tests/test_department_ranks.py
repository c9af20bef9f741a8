"""A department user's ranks and lists are the city's, cut to its own row.

Seen before: a department's 月度通报 showed itself alone on the 红榜 (its view held one department, so it was
first and last); 部门自查 said "第 18 名（共 1 个部门）"; the what-if table said "模拟排名 1, 名次变化 +17"
for a department whose simulated rank in the city is 18.
"""
from __future__ import annotations

import io

import pytest
from docx import Document

from govdash.core.scoring import dump_scoring, load_scoring
from govdash.documents.bulletin_text import red_black_lists
from govdash.documents.documents import bulletin_docx
from govdash.figures import catalogue
from govdash.figures.assessment import assessment_what_if
from govdash.figures.bulletin import bulletin
from govdash.records.accounts import Principal
from tests.support.apptest import open_page
from warehouse.db import connect_read, read_cursor

MONTH = "2024-10"
AS_OF = "2024-11-06 00:00"


@pytest.fixture(scope="module")
def city(committed_sample_db):
    con = connect_read(committed_sample_db)
    b = bulletin(read_cursor(con), MONTH, AS_OF)
    yield committed_sample_db, con, b
    con.close()


def _docx_text(b: dict) -> str:
    buf = io.BytesIO()
    bulletin_docx(b, None, buf)
    return "\n".join(p.text for p in Document(io.BytesIO(buf.getvalue())).paragraphs)


def test_the_worst_department_sees_itself_on_the_black_list_not_the_red(city):
    _db, _con, b = city
    assert b["department_count"] == 18
    worst = b["lists"]["black"][0]
    assert worst not in b["lists"]["red"]
    mine = catalogue.cut_bulletin(b, Principal("d", "department", worst), set())
    red, black = red_black_lists(mine)
    assert red == [] and [d["dept_id"] for d in black] == [worst]
    assert mine["department_count"] == 18
    city_rank = next(d["rank"] for d in b["departments"] if d["dept_id"] == worst)
    assert mine["departments"][0]["rank"] == city_rank and city_rank > 1
    name = mine["departments"][0]["dept_name"]
    text = _docx_text(mine)
    assert "红榜（按期办结率前列）：无" in text
    assert f"黑榜（按期办结率后列）：{name}" in text


def test_the_best_department_sees_itself_on_the_red_list_only(city):
    _db, _con, b = city
    best = b["lists"]["red"][0]
    mine = catalogue.cut_bulletin(b, Principal("d", "department", best), set())
    red, black = red_black_lists(mine)
    assert [d["dept_id"] for d in red] == [best] and black == []


def test_a_department_in_the_middle_is_on_neither_list(city):
    _db, _con, b = city
    listed = set(b["lists"]["red"]) | set(b["lists"]["black"])
    middle = next(d["dept_id"] for d in b["departments"] if d["dept_id"] not in listed)
    mine = catalogue.cut_bulletin(b, Principal("d", "department", middle), set())
    assert red_black_lists(mine) == ([], [])


def _app(db, monkeypatch, principal: Principal, page: str):
    return open_page(page, principal, MONTH, db=db, monkeypatch=monkeypatch, timeout=120)


def test_bulletin_page_of_the_worst_department(city, monkeypatch):
    db, _con, b = city
    worst = b["lists"]["black"][0]
    name = next(d["dept_name"] for d in b["departments"] if d["dept_id"] == worst)
    at = _app(db, monkeypatch, Principal("d", "department", worst), "pages/monthly_bulletin.py")
    texts = [m.value for m in at.markdown]
    # the department reads the city's lists as circulated (SPEC 8.1): the city's red list, and itself on the black
    red_text = next(t for t in texts if "红榜" in t)
    black_text = next(t for t in texts if "黑榜" in t)
    names = {d["dept_id"]: d["dept_name"] for d in b["departments"]}
    assert b["lists"]["red"] and all(names[d] in red_text for d in b["lists"]["red"]), red_text
    assert name not in red_text and name in black_text


def test_self_check_counts_every_department(city, monkeypatch):
    db, con, _b = city
    # the department with the city's last rank in the sidebar's default cut-off ("now")
    now = bulletin(read_cursor(con), MONTH, None)
    last = max(now["departments"], key=lambda d: d["rank"])
    at = _app(db, monkeypatch, Principal("d", "department", last["dept_id"]), "pages/department_self_check.py")
    line = next(m.value for m in at.markdown if "本月排名" in m.value)
    assert f"第 {last['rank']} 名（共 18 个部门）" in line, line


def test_what_if_ranks_a_department_among_all(city, monkeypatch):
    db, con, _b = city
    settings = load_scoring()
    import dataclasses

    # weight moved from the first component to the second (the weights must still add up to 100)
    shift = {0: -10, 1: +10}
    heavier = tuple(dataclasses.replace(c, weight=c.weight + shift.get(i, 0)) for i,
                    c in enumerate(settings.components))
    candidate = dump_scoring(dataclasses.replace(settings, components=heavier))
    whole = assessment_what_if(read_cursor(con), 2024, None, None, candidate)
    assert whole.height == 18
    last = whole.sort("simulated_rank", descending=True, nulls_last=True).row(0, named=True)
    assert last["simulated_rank"] > 1
    mine = catalogue.cut(catalogue.declared(assessment_what_if), whole, Principal("d", "department", last["dept_id"]),
                         set())
    assert mine.height == 1 and mine["simulated_rank"][0] == last["simulated_rank"]
    assert mine["rank_change"][0] == last["rank"] - last["simulated_rank"]
