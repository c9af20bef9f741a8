"""The layout of a Party and government official document (党政机关公文格式, GB/T 9704-2012) in Word (.docx).

One place for the format rules; govdash.documents.documents fills them with the bulletin's content.

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: a 156 × 225 mm type area of 22 lines of 28
  characters (line pitch 28.95 pt, exact; a document grid of 28 characters a line).
- 版头: the issuing organ in red 小标宋, two lines below it the document number (文号), 4 mm below that a red
  separator as wide as the type area; the title two lines below the separator, 2号 (22 pt) 小标宋.
- Body 3号 (16 pt) 仿宋_GB2312; headings 一、 黑体, （一） 楷体, 1. and （1） 仿宋, as Heading 1–4 (outline levels).
- Page numbers "— 1 —" in 4号 (14 pt) 宋体 below the type area: odd pages right, even pages left, one character in.
- Tables: header rows repeat on every page (w:tblHeader), rows never split (w:cantSplit), numbers right-aligned.
- 版记: 抄送, 印发机关 and 印发日期 between a thick first and last line with a thin line between.

Fonts are named as officials' machines have them (Word/WPS on Windows). Each carries its GB2312 charset and
an alternative name in the font table; LibreOffice here maps them to the installed Noto CJK faces through
config/fonts/govdash-fonts.conf (see govdash.documents.pdf).
"""
from __future__ import annotations

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

# ---------------------------------------------------------------- faces and sizes

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
# the faces used where these are absent (config/fonts/govdash-fonts.conf says the same to fontconfig)
FALLBACK = {FANGSONG: "Noto Serif CJK SC", XIAOBIAOSONG: "Noto Serif CJK SC", KAITI: "Noto Serif CJK SC",
            SONGTI: "Noto Serif CJK SC", HEITI: "Noto Sans CJK SC"}
# Latin names of the faces (w:altName of the font table)
LATIN_NAMES = {FANGSONG: "FangSong_GB2312", XIAOBIAOSONG: "FZXiaoBiaoSong-B05S", HEITI: "SimHei",
               KAITI: "KaiTi_GB2312", SONGTI: "SimSun"}
SIZE_2 = 22    # 2号: title
SIZE_3 = 16    # 3号: body
SIZE_4 = 14    # 4号: page numbers, 版记
SIZE_TABLE = 12  # 小四: table text (GB/T 9704 leaves tables' sizes open)
SIZE_TABLE_WIDE = 10.5  # 五号: tables of many columns
RED = "FF0000"
CELL_MARGIN = 57   # twips (1 mm) left and right in a table cell

PAGE_W, PAGE_H = 210, 297
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37, 35, 28, 26
TYPE_AREA_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT   # 156 mm
LINE_PITCH_TWIPS = 579   # 28.95 pt: 22 lines in 225 mm
CHARS_PER_LINE = 28
CHAR_TWIPS = SIZE_3 * 20  # one 3号 character ("字", the unit of indents)
# 156 mm hold 27.6 characters of 16 pt: condensed by ¼ pt each (in twentieths of a point), 28 fit
CHAR_CONDENSE = -5

# 2号 characters a line of the type area holds (a title is broken between words within it)
TITLE_CHARS = int(TYPE_AREA_W / 25.4 * 72 // SIZE_2)

HEADING_FACES = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}   # 一、 （一） 1. （1）


def _el(tag: str, **attrs) -> OxmlElement:
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k), str(v))
    return e


def _replace(parent, tag: str, **attrs):
    """parent's child `tag`, newly made with these attributes (an old one removed)."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    e = _el(tag, **attrs)
    parent.append(e)
    return e


def set_faces(rpr, face: str) -> None:
    """Every script of a run (Latin, east-Asian, complex) in one face; theme fonts removed."""
    rf = rpr.find(qn("w:rFonts"))
    if rf is None:
        rf = _el("w:rFonts")
        rpr.insert(0, rf)
    for k in list(rf.attrib):
        del rf.attrib[k]
    for k in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rf.set(qn(k), face)
    rf.set(qn("w:hint"), "eastAsia")


def _set_run_props(rpr, face: str, size: float, color: str = "000000", bold: bool = False, condense: int = 0) -> None:
    for tag in ("w:b", "w:bCs", "w:i", "w:iCs", "w:color", "w:spacing", "w:sz", "w:szCs", "w:kern"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    set_faces(rpr, face)
    if bold:
        rpr.append(_el("w:b"))
    rpr.append(_el("w:color", **{"w:val": color}))
    if condense:
        rpr.append(_el("w:spacing", **{"w:val": condense}))
    rpr.append(_el("w:sz", **{"w:val": int(size * 2)}))
    rpr.append(_el("w:szCs", **{"w:val": int(size * 2)}))


def run_props(run, face: str, size: float, color: str = "000000", bold: bool = False) -> None:
    _set_run_props(run._element.get_or_add_rPr(), face, size, color, bold)


def _spacing(ppr, line_twips: int, exact: bool = True, before: int = 0, after: int = 0) -> None:
    _replace(ppr, "w:spacing", **{"w:before": before, "w:after": after, "w:line": line_twips,
                                  "w:lineRule": "exact" if exact else "auto"})


def _indent(ppr, *, first_chars: float = 0, left_chars: float = 0, right_chars: float = 0, hanging_chars: float = 0,
            char_twips: int = CHAR_TWIPS) -> None:
    attrs = {"w:left": int(left_chars * char_twips), "w:right": int(right_chars * char_twips)}
    if first_chars:
        attrs["w:firstLine"] = int(first_chars * char_twips)
    if hanging_chars:
        attrs["w:hanging"] = int(hanging_chars * char_twips)
    _replace(ppr, "w:ind", **attrs)


def _jc(ppr, value: str) -> None:
    _replace(ppr, "w:jc", **{"w:val": value})


def text_width(text: str) -> float:
    """Width in characters (字): a Chinese character or full-width mark is 1, ASCII ½."""
    return sum(0.5 if ord(c) < 0x2E80 and not 0x2014 <= ord(c) <= 0x2026 else 1 for c in text)


def _shown_width(text: str) -> float:
    """text_width with the quarter-character gap Word and LibreOffice put between Chinese and Latin text."""
    gaps = sum(1 for a, b in zip(text, text[1:]) if (ord(a) < 0x2E80) != (ord(b) < 0x2E80))
    return text_width(text) + 0.25 * gaps


# ---------------------------------------------------------------- the document

class Gongwen:
    """A GB/T 9704 document under construction: add_* calls in reading order, then save()."""

    def __init__(self):
        self.doc = Document()
        self._page()
        self._styles()
        self._font_table()
        self._footers()

    # -- set-up
    def _page(self) -> None:
        s = self.doc.sections[0]
        s.page_width, s.page_height = Mm(PAGE_W), Mm(PAGE_H)
        s.top_margin, s.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
        s.left_margin, s.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
        s.header_distance = Mm(15)
        # the page number's dash line sits 7 mm below the type area: the footer's bottom ~22 mm above the edge
        s.footer_distance = Mm(22)
        grid = s._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = _el("w:docGrid")
            s._sectPr.append(grid)
        for k in list(grid.attrib):
            del grid.attrib[k]
        # 22 lines a page on a line grid; the 28 characters a line come from the body's character spacing
        # (CHAR_CONDENSE) rather than a character grid, which LibreOffice lays out at half the density
        grid.set(qn("w:type"), "default")
        grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))

    def _style(self, name: str, face: str, size: float, *, base: str | None = "Normal", outline: int | None = None,
               jc: str | None = None, first_chars: float = 0, line: int = LINE_PITCH_TWIPS, exact: bool = True,
               keep_next: bool = False, builtin: bool = False):
        styles = self.doc.styles
        st = styles[name] if builtin else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        el = st.element
        for tag in ("w:pPr", "w:rPr"):
            for old in el.findall(qn(tag)):
                el.remove(old)
        if base and name != base:
            st.base_style = styles[base]
        ppr, rpr = _el("w:pPr"), _el("w:rPr")
        el.append(ppr)
        el.append(rpr)
        if keep_next:
            ppr.append(_el("w:keepNext"))
        _spacing(ppr, line, exact)
        _indent(ppr, first_chars=first_chars)
        if jc:
            _jc(ppr, jc)
        if outline is not None:
            ppr.append(_el("w:outlineLvl", **{"w:val": outline}))
        _set_run_props(rpr, face, size, condense=CHAR_CONDENSE if size == SIZE_3 else 0)
        return st

    def _styles(self) -> None:
        self._style("Normal", FANGSONG, SIZE_3, base=None, jc="both", builtin=True)
        # docDefaults too: text outside any style (e.g. a table's own defaults) in the body face
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                _set_run_props(rpr, FANGSONG, SIZE_3)
        self._style("公文正文", FANGSONG, SIZE_3, first_chars=2, jc="both")
        for level, face in HEADING_FACES.items():
            # 一、 and （一） stay with what follows; 1. and （1） often run on into their text
            st = self._style(f"Heading {level}", face, SIZE_3, outline=level - 1, first_chars=2, jc="both",
                             keep_next=level <= 2, builtin=True)
            st.next_paragraph_style = self.doc.styles["公文正文"]
        self._style("公文标题", XIAOBIAOSONG, SIZE_2, jc="center", line=int(SIZE_2 * 1.6 * 20))
        self._style("公文表格", FANGSONG, SIZE_TABLE, jc="center", line=240, exact=False)
        self._style("公文版记", FANGSONG, SIZE_4, line=int(SIZE_4 * 1.9 * 20))
        self._style("公文页码", SONGTI, SIZE_4, line=int(SIZE_4 * 1.3 * 20))

    def _font_table(self) -> None:
        """The faces in the font table with their GB2312 charset and Latin names: Word/WPS substitute a
        Chinese face of the same kind when one is missing."""
        part = self.doc.part
        rel = next((r for r in part.rels.values() if r.reltype.endswith("/fontTable")), None)
        if rel is None:
            return
        from docx.oxml import parse_xml

        fonts = parse_xml(rel.target_part.blob)
        for face, latin in LATIN_NAMES.items():
            f = _el("w:font", **{"w:name": face})
            f.append(_el("w:altName", **{"w:val": latin}))
            f.append(_el("w:charset", **{"w:val": "86"}))
            f.append(_el("w:family", **{"w:val": "modern" if face == HEITI else "roman"}))
            f.append(_el("w:pitch", **{"w:val": "variable"}))
            fonts.append(f)
        from lxml import etree

        rel.target_part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _footers(self) -> None:
        """"— N —": odd pages right, even pages left, one character in from the type area's edge."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        s = self.doc.sections[0]
        for footer, jc, side in ((s.footer, "right", "right"), (s.even_page_footer, "left", "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.style = self.doc.styles["公文页码"]
            ppr = p._p.get_or_add_pPr()
            _jc(ppr, jc)
            _indent(ppr, **{f"{side}_chars": 1}, char_twips=SIZE_4 * 20)
            p.add_run("— ")
            self._field(p, "PAGE", "1")
            p.add_run(" —")

    @staticmethod
    def _field(paragraph, instruction: str, shown: str) -> None:
        for kind in ("begin", None, "separate", shown, "end"):
            r = paragraph.add_run()
            if kind is None:
                t = _el("w:instrText")
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                t.text = f" {instruction} "
                r._r.append(t)
            elif kind in ("begin", "separate", "end"):
                r._r.append(_el("w:fldChar", **{"w:fldCharType": kind}))
            else:
                r.text = kind

    # -- 版头 and title
    def masthead(self, issuer: str, number: str) -> None:
        size = max(22, min(42, int(TYPE_AREA_W / 25.4 * 72 / max(text_width(issuer), 1)) - 2))
        p = self.doc.add_paragraph(style="Normal")
        ppr = p._p.get_or_add_pPr()
        # the organ's mark 35 mm below the type area's top edge
        _spacing(ppr, int(size * 1.25 * 20), before=int(35 / 25.4 * 1440) - int(size * 0.25 * 20))
        _jc(ppr, "center")
        run_props(p.add_run(issuer), XIAOBIAOSONG, size, RED)
        # the number two lines below, the red separator 4 mm under it
        p = self.doc.add_paragraph(style="Normal")
        ppr = p._p.get_or_add_pPr()
        _spacing(ppr, LINE_PITCH_TWIPS, before=2 * LINE_PITCH_TWIPS)
        _jc(ppr, "center")
        bdr = _el("w:pBdr")
        bdr.append(_el("w:bottom", **{"w:val": "single", "w:sz": 12, "w:space": 11, "w:color": RED}))
        ppr.insert(0, bdr)
        p.add_run(number)

    def title(self, text: str, *, first: bool = True) -> None:
        p = self.doc.add_paragraph(text, style="公文标题")
        if first:   # two lines below the red separator
            _spacing(p._p.get_or_add_pPr(), int(SIZE_2 * 1.6 * 20), before=2 * LINE_PITCH_TWIPS)

    def subtitle(self, text: str) -> None:
        """A line under the title (cut-off, data note): 楷体, centred."""
        p = self.doc.add_paragraph(style="Normal")
        _jc(p._p.get_or_add_pPr(), "center")
        run_props(p.add_run(text), KAITI, SIZE_3)

    def recipients(self, text: str) -> None:
        """主送机关: one line below the title, flush left, ending with a full-width colon."""
        p = self.doc.add_paragraph(style="Normal")
        _spacing(p._p.get_or_add_pPr(), LINE_PITCH_TWIPS, before=LINE_PITCH_TWIPS)
        p.add_run(text.rstrip("：:") + "：")

    # -- body
    def heading(self, level: int, text: str) -> None:
        self.doc.add_paragraph(text, style=f"Heading {level}")

    def para(self, text: str):
        return self.doc.add_paragraph(text, style="公文正文")

    def blank(self) -> None:
        self.doc.add_paragraph(style="Normal")

    def attachment_note(self, names: list[str]) -> None:
        """附件说明: a line below the body, two characters in: "附件：1. …", later items aligned under the first."""
        if not names:
            return
        self.keep_last_with_next()
        self.blank()
        self.keep_last_with_next()
        for i, name in enumerate(names, 1):
            mark = f"{i}. " if len(names) > 1 else ""
            p = self.doc.add_paragraph(("附件：" if i == 1 else "") + mark + name, style="Normal")
            p.paragraph_format.keep_with_next = True
            # wrapped lines (and later items' marks) aligned under the first item's text / mark
            _indent(p._p.get_or_add_pPr(), left_chars=2 + 3 + text_width(mark),
                    hanging_chars=(3 if i == 1 else 0) + text_width(mark))

    def keep_last_with_next(self, count: int = 1) -> None:
        """The last `count` paragraphs stay on the page of what follows (a 落款 never stands alone)."""
        for p in self.doc.paragraphs[-count:]:
            p.paragraph_format.keep_with_next = True

    def signature(self, issuer: str, date_text: str) -> None:
        """落款 of a document without a seal: one line below, the organ two characters in from the right, the
        date on the next line beginning two characters right of the organ's first character (GB/T 9704
        7.3.5.2); a date longer than that stays two characters in and the organ moves left. Placed by left
        indents (the date's own width does not move its first character)."""
        wi, wd = text_width(issuer), _shown_width(date_text)
        left_issuer = CHARS_PER_LINE - 2 - wi
        left_date = left_issuer + 2
        if left_date + wd > CHARS_PER_LINE - 2:
            left_date = CHARS_PER_LINE - 2 - wd
            left_issuer = left_date - 2
        self.keep_last_with_next()
        self.blank()
        self.keep_last_with_next()
        for text, left in ((issuer, left_issuer), (date_text, left_date)):
            p = self.doc.add_paragraph(text, style="Normal")
            p.paragraph_format.keep_with_next = text == issuer
            ppr = p._p.get_or_add_pPr()
            _jc(ppr, "left")
            _indent(ppr, left_chars=max(left, 0), char_twips=CHAR_TWIPS + CHAR_CONDENSE)

    def extract_title(self, title: str, subtitle: str) -> None:
        """A part after the document that is not its text (a reader's extract): on a new page, its title
        centred in 黑体 and a line saying what it is."""
        p = self.doc.add_paragraph(style="Normal")
        p.paragraph_format.page_break_before = True
        _jc(p._p.get_or_add_pPr(), "center")
        run_props(p.add_run(title), HEITI, SIZE_3)
        self.subtitle(subtitle)
        self.blank()

    def attachment(self, number: int, title: str) -> None:
        """An attachment's first lines, on a new page: "附件1" in 黑体 flush left, its title centred."""
        p = self.doc.add_paragraph(style="Normal")
        p.paragraph_format.page_break_before = True
        run_props(p.add_run(f"附件{number}"), HEITI, SIZE_3)
        self.title(title, first=False)
        self.blank()

    # -- tables
    def table(self, header: list[str], rows: list[list[str]], numeric: list[bool],
              widths_chars: list[float] | None = None, *, size: float | None = None):
        """A table as wide as the type area: header row repeated on every page, no row split across pages,
        numbers right-aligned, text centred (a long text left-aligned)."""
        ncol = len(header)
        size = size or (SIZE_TABLE if ncol <= 6 else SIZE_TABLE_WIDE)
        t = self.doc.add_table(rows=1 + len(rows), cols=ncol)
        t.style = self.doc.styles["Table Grid"]
        t.autofit = False
        widths = _column_widths(header, rows, size, widths_chars)
        tbl = t._tbl
        tblpr = tbl.tblPr
        _replace(tblpr, "w:tblW", **{"w:w": sum(widths), "w:type": "dxa"})
        _replace(tblpr, "w:jc", **{"w:val": "center"})
        _replace(tblpr, "w:tblLayout", **{"w:type": "fixed"})
        margins = _replace(tblpr, "w:tblCellMar")
        for side in ("left", "right"):
            margins.append(_el(f"w:{side}", **{"w:w": CELL_MARGIN, "w:type": "dxa"}))
        grid = tbl.tblGrid
        for gc, w in zip(grid.findall(qn("w:gridCol")), widths):
            gc.set(qn("w:w"), str(w))
        long_text = [not numeric[j] and max([text_width(r[j]) for r in rows] or [0]) > 12 for j in range(ncol)]
        # the cells' style by its id, looked up once: python-docx's `paragraph.style = …` scans every style of the
        # document for the default on each cell, which made a bulletin's Word file take seconds to build
        cell_style = self.doc.styles["公文表格"].style_id
        for i, row in enumerate(t.rows):
            trpr = row._tr.get_or_add_trPr()
            trpr.append(_el("w:cantSplit"))
            if i == 0:
                trpr.append(_el("w:tblHeader"))
            values = header if i == 0 else rows[i - 1]
            for j, (cell, value) in enumerate(zip(row.cells, values)):
                cell.width = widths[j] * 635  # twips → EMU
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                ppr = p._p.get_or_add_pPr()
                ppr.style = cell_style
                if i == 0:
                    _jc(ppr, "center")
                    run_props(p.add_run(value), HEITI, size)
                else:
                    _jc(ppr, "right" if numeric[j] else ("left" if long_text[j] else "center"))
                    run_props(p.add_run(value), FANGSONG, size)
        return t

    # -- 版记
    def imprint(self, copy_to: str, printer: str, print_date: str) -> None:
        """版记 at the end: 抄送 (if any) and 印发机关/印发日期 between a thick first and last line (0.35 mm)
        with a thin line (0.25 mm) between; 4号 仿宋, one character in on each side. A table positioned at the
        foot of the last page (its last line on the type area's bottom edge, GB/T 9704 7.4.1) in Word/WPS;
        LibreOffice places it after the last text."""
        rows = ([copy_to] if copy_to else []) + [None]
        t = self.doc.add_table(rows=len(rows), cols=1)
        tbl = t._tbl
        tblpr = tbl.tblPr
        width = int(TYPE_AREA_W / 25.4 * 1440)
        at = 1 if tblpr.find(qn("w:tblStyle")) is not None else 0
        tblpr.insert(at, _el("w:tblpPr", **{"w:leftFromText": 0, "w:rightFromText": 0, "w:topFromText": 0,
                                            "w:bottomFromText": 0, "w:vertAnchor": "margin", "w:horzAnchor": "margin",
                                            "w:tblpXSpec": "center", "w:tblpYSpec": "bottom"}))
        tblpr.insert(at + 1, _el("w:tblOverlap", **{"w:val": "never"}))
        _replace(tblpr, "w:tblW", **{"w:w": width, "w:type": "dxa"})
        _replace(tblpr, "w:tblLayout", **{"w:type": "fixed"})
        cm = _replace(tblpr, "w:tblCellMar")
        for side in ("left", "right"):
            cm.append(_el(f"w:{side}", **{"w:w": 0, "w:type": "dxa"}))
        borders = _replace(tblpr, "w:tblBorders")
        for side, sz in (("top", 8), ("bottom", 8), ("insideH",
                                                     6)):   # eighths of a point: 1 pt ≈ 0.35 mm, ¾ pt ≈ 0.25 mm
            borders.append(_el(f"w:{side}", **{"w:val": "single", "w:sz": sz, "w:space": 0, "w:color": "000000"}))
        for side in ("left", "right", "insideV"):
            borders.append(_el(f"w:{side}", **{"w:val": "nil"}))
        for gc in tbl.tblGrid.findall(qn("w:gridCol")):
            gc.set(qn("w:w"), str(width))
        for row, value in zip(t.rows, rows):
            row._tr.get_or_add_trPr().append(_el("w:cantSplit"))
            cell = row.cells[0]
            cell.width = width * 635
            p = cell.paragraphs[0]
            p.style = self.doc.styles["公文版记"]
            ppr = p._p.get_or_add_pPr()
            if value is not None:
                p.add_run("抄送：" + copy_to.rstrip("。") + "。")
                _indent(ppr, left_chars=1 + 3, right_chars=1, hanging_chars=3, char_twips=SIZE_4 * 20)
            else:
                # the organ one character in from the left, the date one character in from the right
                tabs = _el("w:tabs")
                tabs.append(_el("w:tab", **{"w:val": "right", "w:pos": width - SIZE_4 * 20}))
                ppr.insert(1, tabs)
                _indent(ppr, left_chars=1, char_twips=SIZE_4 * 20)
                p.add_run(printer)
                p.add_run("\t" + print_date + "印发")
        # a floating table is anchored to the paragraph after it: an empty one of 1 pt
        p = self.doc.add_paragraph(style="Normal")
        _spacing(p._p.get_or_add_pPr(), 20)

    def properties(self, author: str, title: str, issued_utc) -> None:
        """The file's properties: the issuer as author and last editor, the title, and the time of issue (UTC) as
        created and modified, not the template's."""
        props = self.doc.core_properties
        props.author = props.last_modified_by = author
        props.title = title
        props.created = props.modified = issued_utc
        props.revision = 1

    def save(self, out) -> None:
        self.doc.save(out)


def _latin_wide(text: str) -> float:
    return text_width(text) + 0.1 * sum(1 for c in text if ord(c) < 0x2E80)


def _column_widths(header: list[str], rows: list[list[str]], size: float, fixed: list[float] | None) -> list[int]:
    """Column widths in twips filling the type area: each column as wide as its longest value (a header may
    wrap onto two lines, a long text onto several), the rest shared in proportion."""
    area = int(TYPE_AREA_W / 25.4 * 1440)
    pad = 2 * CELL_MARGIN + 20   # the cells' left and right margins and a border
    char = size * 20
    if fixed:
        need = [c * char + pad for c in fixed]
    else:
        values, heads = [], []
        for j, h in enumerate(header):
            # a Latin digit or sign is a little over half a Chinese character in the CJK faces
            longest = max([_latin_wide(r[j]) for r in rows] or [0])
            # text: no wrap below 14 characters
            values.append(max(min(longest, 14), 2) + 0.5)
            heads.append(text_width(h))
        # headers wrap onto two lines, or three when two do not fit; values keep their width
        for lines in (2, 3):
            need = [max(v, h / lines) * char + pad for v, h in zip(values, heads)]
            if sum(need) <= area:
                break
    total = sum(need)
    return [int(w * area / total) for w in need]
