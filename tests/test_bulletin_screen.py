"""The bulletin screen shows the Word bulletin: the same section headings in the same order, and the same sentences
(the summary, visits, weekly reports and appeals texts come from the same helpers), for the committee and for a
department at a past cut-off."""
import datetime as dt
import io
import re

import pytest
from docx import Document

from govdash.core.periods import moment_label, previous_month
from govdash.documents.documents import render_bulletin
from govdash.figures import catalogue
from govdash.figures.bulletin import bulletin
from govdash.records.accounts import Principal
from tests.support.apptest import open_page
from tests.support.textlint import as_read
from warehouse.db import connect_read, fetch_frame, read_cursor
from warehouse.sql_files import metric_sql

CUTOFF = dt.datetime(2024, 12, 31, 23, 59)
MONTH = "2024-06"
NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")


@pytest.mark.parametrize("principal", [Principal("c", "committee"), Principal("d", "department", "D13")],
                         ids=["committee", "department"])
def test_the_screen_has_the_word_bulletins_sections_in_order_with_its_sentences(committed_sample_db, monkeypatch,
                                                                                principal):
    at = open_page("pages/monthly_bulletin.py", principal, MONTH, CUTOFF, db=committed_sample_db,
                   monkeypatch=monkeypatch)

    con = connect_read(committed_sample_db)
    try:
        cur = read_cursor(con)
        entry = catalogue.declared(bulletin)
        jpcs = set(fetch_frame(cur, metric_sql("bound_jpcs"), {"dept_id": principal.dept_id})["jpc_id"]) \
            if principal.is_department else set()
        # a department reads the city's bulletin (SPEC 8.1), then its own rows as an extract
        b = bulletin(cur, MONTH, CUTOFF)
        prev = bulletin(cur, previous_month(MONTH), CUTOFF)
        extract = catalogue.cut(entry, b, principal, jpcs) if principal.is_department else None
        doc = Document(io.BytesIO(render_bulletin("docx", b, prev, extract)))
    finally:
        con.close()
    paragraphs = doc.paragraphs
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    screen = [s.value for s in at.subheader if NUMBERED.match(s.value)]
    assert len(headings) == 11   # 一 总体情况 … 十 申诉核减情况, 十一 口径与设置
    assert screen == headings

    # the first paragraph under 一, 六, 七 (and 九 for the city) is the same sentence on screen
    # the section's first sentence (a sub-heading such as （一）走访达标情况 skipped)
    first_after = {p.text: next(q.text for q in paragraphs[i + 1:] if "。" in q.text)
                   for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text in headings[:-1]}
    # (the screen names a clause after its code: E.2.1「…」)
    shown = [re.sub(r"「[^」]*」", "", as_read(m.value)) for m in at.markdown]
    for heading in ("一、总体情况", "六、联系捆绑走访", "七、负面清单周报", "九、五级双向诉求"):
        assert first_after[heading] in shown, heading
    assert f"截止 {moment_label(b['as_of'])}" in at.caption[0].value
