"""The bulletin as an official document: the Word 通报 laid out per GB/T 9704-2012, its PDF
(LibreOffice, one conversion per run) with CJK fonts only, and print-ready workbooks.

The PNGs of the PDF's first page and of its first 附件 page are saved under test-artifacts/documents/ to be
looked at."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from govdash.core.periods import day_label, deadline_label, moment_label, parse_as_of, week_range_label
from govdash.documents import gongwen
from govdash.documents.documents import HEADER_ROW, render_assessment, render_bulletin
from govdash.figures.assessment import assessment
from govdash.figures.bulletin import bulletin
from tests.support.paths import REPO
from warehouse.db import connect_read, read_cursor

MONTH, AS_OF = "2024-10", "2024-11-06 00:00"
NOTE = "数据截至2025年1月1日 01:02，此后到期的任务按该时点的状态计算。"
ARTIFACTS = REPO / "test-artifacts" / "documents"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def city(sample_db):
    con = connect_read(sample_db)
    cur = read_cursor(con)
    b = bulletin(cur, MONTH, AS_OF)
    prev = bulletin(cur, "2024-09", AS_OF)
    a = assessment(cur, 2024, 3, AS_OF)
    con.close()
    # what the publish step adds (synthetic values: the old dict without them renders too)
    b.update(provisional=True, data_note=NOTE, publication=None)
    return b, prev, a


@pytest.fixture(scope="module")
def docx_bytes(city):
    b, prev, _ = city
    return render_bulletin("docx", b, prev)


@pytest.fixture(scope="module")
def doc(docx_bytes):
    return Document(io.BytesIO(docx_bytes))


def _font(style_or_run_element) -> dict:
    rf = style_or_run_element.find(f"{W}rPr/{W}rFonts")
    return {k.split("}")[1]: v for k, v in rf.attrib.items()}


def _size(element) -> float:
    return int(element.find(f"{W}rPr/{W}sz").get(f"{W}val")) / 2


def _text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


# ---------------------------------------------------------------- periods: one date format

def test_dates_hand_worked():
    assert day_label("2024-11-08") == "2024年11月8日"
    assert day_label("2024-01-05 00:00:00") == "2024年1月5日"
    assert deadline_label("2024-10-08 23:59:59") == "2024年10月8日"         # the end of a day: the date only
    assert deadline_label("2024-10-08 12:00:00") == "2024年10月8日 12:00"
    assert moment_label("2024-11-06 00:00:00") == "2024年11月6日 00:00"
    assert moment_label("2024-11-07 23:59:59") == "2024年11月7日 23:59"    # a cut-off keeps its time
    assert week_range_label("2024-W42") == "第42周（10.14–10.20）"         # one week format, screen and documents
    assert week_range_label("2025-W01") == "第1周（12.30–1.5）"            # the ISO week starts in 2024


# ---------------------------------------------------------------- Word: GB/T 9704

def test_page_a4_margins_and_grid(doc):
    s = doc.sections[0]
    for got, mm in ((s.page_width, 210), (s.page_height, 297), (s.top_margin, 37), (s.bottom_margin, 35),
                    (s.left_margin, 28), (s.right_margin, 26)):
        assert abs(got - Mm(mm)) < Mm(0.1), (got, mm)
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"          # 28.95 pt: 22 lines in 225 mm
    normal = doc.styles["Normal"]
    assert _font(normal.element) == {"ascii": "仿宋_GB2312", "hAnsi": "仿宋_GB2312", "eastAsia": "仿宋_GB2312",
                                     "cs": "仿宋_GB2312", "hint": "eastAsia"}
    assert _size(normal.element) == 16
    assert normal.paragraph_format.line_spacing == Pt(28.95)
    # 28 characters a line: 16 pt condensed by 0.25 pt each fill at most 156 mm
    condensed = 16 + gongwen.CHAR_CONDENSE / 20
    assert 28 * condensed <= 156 / 25.4 * 72 < 29 * condensed


def test_masthead_number_title_recipients(doc):
    paras = doc.paragraphs
    issuer, number, title, cutoff, note, recipients = (p for p in paras[:6])
    assert issuer.text == "龙港市基层治理委员会办公室"
    run = issuer.runs[0]._r
    assert run.find(f"{W}rPr/{W}color").get(f"{W}val") == "FF0000" and _font(run)["eastAsia"] == "方正小标宋简体"
    # a draft is not numbered yet, in the year of issue (now), not the data's year
    assert number.text == f"龙基治〔{parse_as_of(None).year}〕—号（未定稿，尚未编号）"
    line = number._p.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert line.get(f"{W}color") == "FF0000"             # the red separator under the number
    assert title.text == "2024年10月“社区吹哨、部门报到”\n工作情况通报（初步）"   # broken between words
    assert title.style.name == "公文标题" and _font(title.style.element)["eastAsia"] == "方正小标宋简体"
    assert _size(title.style.element) == 22
    assert cutoff.text == "（统计截止：2024年11月6日 00:00）" and note.text == NOTE
    assert recipients.text.endswith("：") and recipients.text.startswith("各街道")


def test_heading_levels_and_their_faces(doc):
    faces = {1: "黑体", 2: "楷体_GB2312", 3: "仿宋_GB2312", 4: "仿宋_GB2312"}
    marks = {1: r"^[一二三四五六七八九十]+、", 2: r"^（[一二三四五六七八九十]+）", 3: r"^\d+\. ", 4: r"^（\d+）"}
    seen = {1: 0, 2: 0, 3: 0, 4: 0}
    for p in doc.paragraphs:
        if p.style.name.startswith("Heading "):
            level = int(p.style.name.split()[1])
            seen[level] += 1
            assert re.match(marks[level], p.text), (level, p.text)
    assert seen[1] == 11 and all(seen.values()), seen   # 一 … 十一, 申诉核减情况 the tenth
    for level, face in faces.items():
        st = doc.styles[f"Heading {level}"]
        assert _font(st.element)["eastAsia"] == face and _size(st.element) == 16
        assert st.element.find(f"{W}pPr/{W}outlineLvl").get(f"{W}val") == str(level - 1)
        assert st.element.find(f"{W}rPr/{W}color").get(f"{W}val") == "000000"
        assert st.element.find(f"{W}rPr/{W}b") is None
    assert "七、负面清单周报" in [p.text for p in doc.paragraphs]


def test_footer_page_numbers(doc):
    s = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, jc in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert p.text == "— 1 —"                         # a PAGE field between two 一字线
        assert [t.text.strip() for t in p._p.iter(f"{W}instrText")] == ["PAGE"]
        assert [f.get(f"{W}fldCharType") for f in p._p.iter(f"{W}fldChar")] == ["begin", "separate", "end"]
        assert p._p.find(f"{W}pPr/{W}jc").get(f"{W}val") == jc
        assert _font(p.style.element)["eastAsia"] == "宋体" and _size(p.style.element) == 14


def test_attachments_tables_signature_and_imprint(city, doc):
    b, _, _ = city
    paras = doc.paragraphs
    marks = [p for p in paras if re.fullmatch(r"附件\d+", p.text)]
    assert [p.text for p in marks] == [f"附件{i}" for i in range(1, len(marks) + 1)] and len(marks) >= 3
    assert all(p.paragraph_format.page_break_before for p in marks)
    body = _text(doc)
    assert "详见附件1。" in body and "附件：1. 各部门“社区吹哨、部门报到”工作排名" in body
    # 落款 and 成文日期 (the cut-off's date: nothing published yet)
    texts = [p.text for p in paras]
    i = texts.index("2024年11月6日")
    assert texts[i - 1] == "龙港市基层治理委员会办公室" and i < texts.index("附件1")
    # hand-worked: a 28-character line of 315-twip characters; the organ (13 characters) two in from the
    # right starts at 28 − 2 − 13 = 13 characters, the date two characters right of it, at 15
    lefts = [int(paras[k]._p.find(f"{W}pPr/{W}ind").get(f"{W}left")) for k in (i - 1, i)]
    assert lefts == [13 * 315, 15 * 315]
    assert paras[i - 1].paragraph_format.keep_with_next   # the 落款 never stands alone on a page
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    ranking = doc.tables[headers.index(["排名", "部门", "派单数", "处置率", "及时处置率", "办结率", "按期办结率",
                                        "满意率", "退单数"])]
    assert len(ranking.rows) == len(b["departments"]) + 1 > 9      # long: in an attachment
    for t in doc.tables[:-1]:      # every table but the 版记
        rows = t._tbl.findall(f"{W}tr")
        if len(rows) > 1:
            assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
            assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
    # numbers right-aligned, names not
    row = ranking.rows[1]
    jc = [c.paragraphs[0]._p.find(f"{W}pPr/{W}jc").get(f"{W}val") for c in row.cells]
    assert jc[0] == "right" and jc[2:] == ["right"] * 7 and jc[1] != "right"
    assert row.cells[1].text == b["departments"][0]["dept_name"]
    # 版记: 抄送, then 印发机关 and 印发日期, between lines
    imprint = doc.tables[-1]
    assert imprint.rows[0].cells[0].text == "抄送：市委办公室，市政府办公室，市纪委监委。"
    assert imprint.rows[1].cells[0].text == "龙港市基层治理委员会办公室\t2024年11月6日印发"
    borders = imprint._tbl.tblPr.find(qn("w:tblBorders"))
    assert [borders.find(qn(f"w:{s}")).get(qn("w:sz")) for s in ("top", "insideH", "bottom")] == ["8", "6", "8"]


def test_names_percentages_and_dates_not_codes(city, doc):
    b, _, _ = city
    every = _text(doc) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "23:59:59" not in every and "0.9" not in re.sub(r"\d0\.9|0\.9\d", "", every)
    assert not re.search(r"\bE\.\d+\.\d+", every) and "4.1.1.1" not in every and "004 4.3" not in every
    assert "低于 90.0% 的部门" in every
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    overdue = doc.tables[headers.index(["事件编号", "部门", "社区", "办结期限", "超期工作日"])]
    communities = set(b["reference"]["community_names"].values())
    assert len(overdue.rows) == len(b["overdue"]) + 1
    assert {r.cells[2].text for r in overdue.rows[1:]} <= communities
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", r.cells[3].text) for r in overdue.rows[1:])


def test_published_and_corrected_documents_are_marked(city):
    b, prev, _ = city
    published = {**b, "provisional": False, "data_note": None,
                 "publication": {"status": "published", "published_at": "2024-11-08 10:00:00", "published_by": "chair",
                                 "version": 1}}
    doc = Document(io.BytesIO(render_bulletin("docx", published, prev)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[2] == "2024年10月“社区吹哨、部门报到”\n工作情况通报" and NOTE not in texts
    assert "2024年11月8日" in texts                        # 成文日期: the publication's date
    corrected = {**published, "publication": {**published["publication"], "status": "correction", "version": 2}}
    doc = Document(io.BytesIO(render_bulletin("docx", corrected, prev)))
    assert doc.paragraphs[2].text.endswith("工作情况通报（更正）")
    # the old dict, without the new keys, still renders
    old = {k: v for k, v in b.items() if k not in ("provisional", "data_note", "publication")}
    assert Document(io.BytesIO(render_bulletin("docx", old, prev))).paragraphs[2].text.endswith("工作情况通报")


def test_pdf_without_libreoffice_says_so(city, monkeypatch):
    from govdash.documents import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.DocumentError, match="未安装 LibreOffice"):
        render_bulletin("pdf", city[0], city[1])


# ---------------------------------------------------------------- PDF: one LibreOffice conversion

def _run(*cmd) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.mark.browser  # one LibreOffice conversion
def test_pdf_pages_fonts_and_images(city, docx_bytes, doc):
    if not shutil.which("soffice") and not shutil.which("libreoffice"):
        pytest.skip("LibreOffice not installed (scripts/system-deps.sh installs it)")
    if not shutil.which("pdffonts"):
        pytest.skip("poppler-utils not installed (scripts/system-deps.sh installs it)")
    from govdash.documents.pdf import docx_to_pdf

    data = docx_to_pdf(docx_bytes)            # what render_bulletin("pdf", ...) returns for this bulletin
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "bulletin-2024-10.pdf"
    path.write_bytes(data)
    info = _run("pdfinfo", str(path))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    attachments = sum(1 for p in doc.paragraphs if re.fullmatch(r"附件\d+", p.text))
    assert attachments + 2 <= pages <= 30, pages         # body and 落款, one page or more per attachment
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info) or "595 x 842" in info, info
    fonts = [line.split()[0] for line in _run("pdffonts", str(path)).splitlines()[2:]]
    # only CJK faces: the mapped 仿宋/宋/楷/小标宋 (Serif) and 黑体 (Sans); no Latin-only fallback
    assert fonts and all(re.search(r"NotoS(erif|ans)CJK", f) for f in fonts), fonts
    assert any("Serif" in f for f in fonts) and any("Sans" in f for f in fonts), fonts
    page_texts = [_run("pdftotext", "-f", str(i), "-l", str(i), str(path), "-") for i in range(1, pages + 1)]
    first = page_texts[0].replace(" ", "")
    assert "龙港市基层治理委员会办公室" in first and "—1—" in first
    assert f"龙基治〔{parse_as_of(None).year}〕—号" in first
    annex = next(i for i, t in enumerate(page_texts, 1) if t.replace(" ", "").startswith("附件1"))
    assert "— 2 —" in page_texts[1] or "—2—" in page_texts[1].replace(" ", "")
    assert "抄送" in page_texts[-1]
    for name, page in (("page-1", 1), ("attachment-1", annex)):
        _run("pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(path),
             str(ARTIFACTS / f"bulletin-{name}"))
        assert (ARTIFACTS / f"bulletin-{name}.png").stat().st_size > 5000


# ---------------------------------------------------------------- Excel: print-ready

def _check_sheets(wb, title_has: list[str], meta_has: list[str]) -> None:
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ps.fitToWidth or 1) == 1 and ps.fitToHeight == 0
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}", ws.title
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}", ws.title
        assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:"), ws.title
        assert ws.auto_filter.ref.endswith(str(max(ws.max_row, HEADER_ROW))), ws.title
        title, meta = ws.cell(1, 1).value, ws.cell(2, 1).value
        assert all(t in title for t in title_has) and title.endswith(ws.title), title
        assert all(m in meta for m in meta_has), meta
        for j in range(1, ws.max_column + 1):
            assert ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width >= 6
            assert ws.cell(HEADER_ROW, j).value                      # every column has its header


def test_bulletin_workbook_prints(city):
    b, _, _ = city
    wb = openpyxl.load_workbook(io.BytesIO(render_bulletin("xlsx", b)))
    _check_sheets(wb, ["2024年10月", "（初步）"], ["统计月份：2024年10月", "截止时点：2024年11月6日 00:00",
                                               "发布单位：龙港市基层治理委员会办公室", "状态：初步"])
    assert wb["部门排名"].cell(3, 1).value == NOTE
    ws = wb["部门排名"]
    header = [c.value for c in ws[HEADER_ROW]]
    for label in ("处置率", "办结率", "按期办结率", "满意率"):
        j = header.index(label) + 1
        for i in range(HEADER_ROW + 1, ws.max_row + 1):
            cell = ws.cell(i, j)
            # a rate is a number in a percent format, or "—" (one representation of empty)
            assert (isinstance(cell.value, float | int) and cell.number_format == "0.0%") or cell.value == "—"
    city_row = wb["全市汇总"]
    assert city_row.cell(HEADER_ROW + 1, 1).value == "全市合计"
    overdue = wb["超期未办结"]
    assert [c.value for c in overdue[HEADER_ROW]] == ["事件编号", "部门", "社区", "办结期限", "超期工作日"]
    assert all("23:59:59" not in str(overdue.cell(i, 4).value) for i in range(HEADER_ROW + 1, overdue.max_row + 1))
    settings = {ws.cell(i, 1).value: ws.cell(i, 2) for ws in [wb["设置与口径"]]
                for i in range(HEADER_ROW + 1, ws.max_row + 1)}
    threshold = settings["负面清单阈值（处置率、办结率）"]
    assert threshold.value == 0.9 and threshold.number_format == "0.0%"       # shown as 90.0%


def test_published_workbook_and_formula_safe_title_block(city):
    b, _, a = city
    published = {**b, "provisional": False, "data_note": "=HYPERLINK(\"http://x\")",
                 "publication": {"status": "published", "published_at": "2024-11-08 10:00:00", "published_by": "chair",
                                 "version": 1}}
    wb = openpyxl.load_workbook(io.BytesIO(render_bulletin("xlsx", published)))
    _check_sheets(wb, ["2024年10月"], ["状态：已发布（第 1 版，2024年11月8日 10:00，发布人 chair）"])
    note = wb["部门排名"].cell(3, 1)
    assert note.data_type == "s" and note.value.startswith("=") and note.quotePrefix
    assert "（初步）" not in wb["部门排名"].cell(1, 1).value


def test_assessment_workbook_prints(city):
    _, _, a = city
    wb = openpyxl.load_workbook(io.BytesIO(render_assessment(a)))
    assert wb.sheetnames == ["排名", "考核项", "扣分明细", "评分设置"]
    _check_sheets(wb, ["2024年第3季度部门考核评分表"], ["考核期间：2024年第3季度", "截止时点：2024年11月6日 00:00",
                                             "状态：未发布"])
    ranking = wb["排名"]
    assert ranking.max_row == HEADER_ROW + len(a["departments"])
    assert [ranking.cell(i, 2).value for i in range(HEADER_ROW + 1, ranking.max_row + 1)] == [
        d["dept_name"] for d in a["departments"]]
