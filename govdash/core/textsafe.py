"""Data stays text: names, categories, titles, notes and user names from the sources are shown and
exported as the characters they are, never as a spreadsheet formula, a link, an image or markup.

One rule per medium, defined here only:

- Spreadsheets (OWASP "CSV injection"): a text cell that starts with = + - @ tab or CR is a formula
  (or a DDE command) to Excel. Workbooks: every string is written as a string, into a workbook that
  never turns strings into formulas, links or numbers, and such a cell also carries Excel's quote
  prefix, so editing it keeps it text. CSV: such a field gets a leading single quote.
  Numbers stay numbers: only text cells are touched.
- Streamlit markdown (st.markdown, st.write, st.caption, headings, alerts, expander, tab, metric and
  widget labels): `md()` for every piece of data put into it.
- Plotly text (tick labels, legends, hovers, node labels): `plot_text()`; `plot_figure()` applies it
  to every string a figure carries from its data (govdash.web.tables.plot calls it for every chart).

And one rule for the characters text may carry at all (invisible and control characters):

- At ingest, a name or label (every text column not declared `text = "free"` in config/tables.toml) loses
  its control characters (C0, DEL, C1), bidirectional overrides, embeddings, isolates and marks, its
  zero-width and every other format character (Unicode category Cf) and the line and paragraph separators
  (`name_expr`); free text (notes, reasons, descriptions) keeps its line breaks (CR LF, CR and the separators
  as LF) and its tabs as spaces, and loses the rest of them (`free_text_expr`).
- At output, every string any file or page is given loses the same characters except tab and line breaks,
  and whatever no XML document can hold (lone surrogates, U+FFFE, U+FFFF): `output_text` (a value),
  `output_tree` (a report's nested dicts and lists), `output_expr` (a polars column). The workbook cell, the
  CSV frame, markdown, plotly text and the JSON every output writes apply it, as do the Word document's
  and the page's tables; so a warehouse loaded before the ingest rule existed still renders everywhere.
"""
from __future__ import annotations

import datetime as dt
import html
import numbers
import re
import unicodedata
from decimal import Decimal
from typing import Any

import polars as pl
import xlsxwriter

# ---------------------------------------------------------------- invisible and control characters

# The one rule: code point ranges (inclusive) no name may carry
CONTROL = ((0x00, 0x1F), (0x7F, 0x9F))                                             # C0, DEL, C1
BIDI = ((0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066,
                                                               0x2069))  # marks, embeddings, overrides, isolates
ZERO_WIDTH = ((0x200B, 0x200D), (0x2060, 0x2060), (0xFEFF,
                                                   0xFEFF))                # zero-width space/joiners, word joiner, BOM
# every other format character (Unicode category Cf: soft hyphen, invisible operators, deprecated format controls,
# interlinear annotation, tag characters …): invisible too, and a name of nothing but them shows as nothing
# Unicode assigns format characters in the basic and supplementary multilingual planes and the special-purpose
# plane (tags) only: scanning those, not all 1.1 million code points, keeps this off every process's start-up
FORMAT_PLANES = (range(0x0000, 0x20000), range(0xE0000, 0xF0000))
FORMAT = tuple((c, c) for plane in FORMAT_PLANES for c in plane if unicodedata.category(chr(c)) == "Cf")
# the line and paragraph separators break a name wherever it is shown; free text reads them as line breaks
SEPARATORS = ((0x2028, 0x2029),)
INVISIBLE = CONTROL + BIDI + ZERO_WIDTH + FORMAT + SEPARATORS
# what no XML document (Word, Excel) can hold; surrogates never reach a polars or DuckDB string
NOT_XML = ((0xFFFE, 0xFFFF),)
SURROGATES = ((0xD800, 0xDFFF),)
LINE_BREAKS = "\n\r"
TAB = "\t"


def _escape(code_point: int) -> str:
    """\\uXXXX, or \\UXXXXXXXX past the basic plane (both read alike by Python's re and polars' Rust regex)."""
    return f"\\u{code_point:04X}" if code_point <= 0xFFFF else f"\\U{code_point:08X}"


def _char_class(ranges, keep: str = "") -> str:
    """A regular-expression class of the ranges without the characters of `keep`, written with \\uXXXX escapes
    (read alike by Python's re and by polars' Rust regex)."""
    points = sorted({c for lo, hi in ranges for c in range(lo, hi + 1)} - {ord(k) for k in keep})
    parts, start = [], None
    for i, c in enumerate(points):
        start = c if start is None else start
        if i + 1 == len(points) or points[i + 1] != c + 1:
            parts.append(_escape(start) if start == c else f"{_escape(start)}-{_escape(c)}")
            start = None
    return "[" + "".join(parts) + "]"


NAME_DROP = _char_class(INVISIBLE)
FREE_TEXT_DROP = _char_class(INVISIBLE, keep="\n")
OUTPUT_DROP = _char_class(INVISIBLE + NOT_XML, keep=TAB + LINE_BREAKS)
_OUTPUT_DROP_ALL = re.compile(_char_class(INVISIBLE + NOT_XML + SURROGATES, keep=TAB + LINE_BREAKS))


def name_expr(expr: pl.Expr) -> pl.Expr:
    """A name or label as loaded: without any character of the rule (INVISIBLE), line breaks and tabs included."""
    return expr.str.replace_all(NAME_DROP, "")


def free_text_expr(expr: pl.Expr) -> pl.Expr:
    """Free text as loaded: line breaks as LF (CR LF and a lone CR too), tabs as spaces, the rule's other
    characters removed."""
    text = expr.str.replace_all("\r\n?|[\u2028\u2029]", "\n").str.replace_all("\t", " ", literal=True)
    return text.str.replace_all(FREE_TEXT_DROP, "")


def output_text(value: Any) -> Any:
    """A string as any output may carry it: without the rule's characters (tab and line breaks kept) and
    without what no XML document can hold. Non-text values are returned unchanged."""
    return _OUTPUT_DROP_ALL.sub("", value) if isinstance(value, str) else value


def output_expr(expr: pl.Expr) -> pl.Expr:
    """`output_text` for a whole text column."""
    return expr.str.replace_all(OUTPUT_DROP, "")


def output_tree(data: Any) -> Any:
    """`output_text` for every string of a report (dict keys too), through its dicts, lists and tuples."""
    if isinstance(data, str):
        return output_text(data)
    if isinstance(data, dict):
        return {output_tree(k): output_tree(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):   # a named tuple
        return type(data)(*(output_tree(v) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(output_tree(v) for v in data)
    return data


# ---------------------------------------------------------------- spreadsheets

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """The one rule: a text value that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column's formula-like values behind a single quote (`formula_like`, as polars
    expressions: no Python function inside polars' thread pool), without the characters no output carries
    (`output_expr`). Numeric, date and boolean columns are left as they are."""
    def guard(name: str) -> pl.Expr:
        col = output_expr(pl.col(name).cast(pl.Utf8))
        risky = pl.any_horizontal([col.str.starts_with(lead) for lead in FORMULA_LEADS])
        return pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name)

    text = [n for n, t in frame.schema.items() if t in (pl.Utf8, pl.Categorical) or isinstance(t, pl.Enum)]
    return frame.with_columns([guard(n) for n in text])


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """A frame as a CSV download that Excel opens directly: UTF-8 with a BOM, formulas escaped."""
    return csv_frame(frame).write_csv(include_bom=True).encode("utf-8")


XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class Workbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook (in memory until closed) that writes data only as data: use `cell()`."""

    def __init__(self, out, options: dict | None = None):
        self._quoted: dict[int | None, object] = {}
        super().__init__(out, {"in_memory": True, **(options or {}), **XLSX_OPTIONS})

    def add_format(self, properties: dict | None = None):
        fmt = super().add_format(properties)
        fmt.textsafe_properties = dict(properties or {})
        return fmt

    def _quote_prefixed(self, fmt):
        """The same format with Excel's quote prefix (one per format)."""
        key = None if fmt is None else id(fmt)
        if key not in self._quoted:
            props = {} if fmt is None else getattr(fmt, "textsafe_properties", {})
            self._quoted[key] = self.add_format({**props, "quote_prefix": True})
        return self._quoted[key]

    def cell(self, ws, row: int, col: int, value: Any, fmt=None) -> None:
        """One cell: text as text (formula-like text also quote-prefixed, without the characters no output
        carries: `output_text`), numbers as numbers, None as an empty cell."""
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            value = output_text(value)
            ws.write_string(row, col, value, self._quote_prefixed(fmt) if formula_like(value) else fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (numbers.Real, Decimal)):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, (dt.date, dt.datetime)):
            self.cell(ws, row, col, value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat(),
                      fmt)
        else:
            self.cell(ws, row, col, str(value), fmt)


# ---------------------------------------------------------------- Streamlit markdown

# every ASCII punctuation mark: CommonMark lets each be backslash-escaped, and shows it as itself
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
WORD_JOINER = "\u2060"   # invisible, no line break
_WWW = re.compile(r"(?i)(w)(ww\\\.)")


def md(value: Any) -> str:
    """Data for a markdown-rendering call, shown as its own characters.

    Escapes every ASCII punctuation mark, so no link, image, emphasis, code, heading, list, table,
    HTML, `$` math or `:color[...]`/`:icon:` directive can form from the data. Streamlit's GFM still
    turns bare URLs, `www.` names and e-mail addresses into links after the escapes are resolved: a
    word joiner after every ':' and '@' and inside 'www.' stops that without changing what is seen.
    Line breaks become spaces (one value never starts a new block); invisible and control characters go
    (`output_text`: a right-to-left override would reverse the figures after it)."""
    text = "" if value is None else output_text(str(value))
    text = re.sub(r"[\r\n]+", " ", text)
    text = _MD_PUNCTUATION.sub(r"\\\1", text)
    text = text.replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)
    return _WWW.sub(r"\1" + WORD_JOINER + r"\2", text)


# ---------------------------------------------------------------- plotly

def plot_text(value: Any) -> Any:
    """Text for plotly, which reads <a href>, <b>, <br>… tags and entities in any label: `<`, `>` and
    `&` as entities (plotly shows them as the characters), without invisible and control characters
    (`output_text`). Non-text values are returned unchanged."""
    return html.escape(output_text(value), quote=False) if isinstance(value, str) else value


_TEMPLATE_KEEP = re.compile(r"(<br>|<extra>|</extra>|%\{[^}]*\})")
_TRACE_DATA = ("x", "y", "z", "text", "hovertext", "customdata", "labels", "parents", "name", "legendgroup",
               "offsetgroup")
_TRACE_TEMPLATES = ("hovertemplate", "texttemplate")


def _escape_any(value):
    import numpy as np

    if isinstance(value, str):
        return plot_text(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            out = np.frompyfunc(_escape_any, 1, 1)(value.astype(object))
            return out.astype(object)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_escape_any(v) for v in value)
    return value


def _escape_template(template: str) -> str:
    """A hover/text template as plotly express writes it ("部门=<value><br>得分=%{y}<extra></extra>"):
    the values it carries escaped, its line breaks and %{…} placeholders kept."""
    parts = _TEMPLATE_KEEP.split(template)
    return "".join(p if _TEMPLATE_KEEP.fullmatch(p) else plot_text(p) for p in parts)


def plot_figure(fig):
    """Every string a figure carries from data, plotly-escaped in place: trace values, names,
    hover/text templates, sankey labels, category orders, tick texts and annotations."""
    for trace in fig.data:
        for key in _TRACE_DATA:
            if key in trace and trace[key] is not None:
                trace[key] = _escape_any(trace[key])
        for key in _TRACE_TEMPLATES:
            if key in trace and isinstance(trace[key], str):
                trace[key] = _escape_template(trace[key])
        for part in ("node", "link"):
            if part in trace and trace[part].label is not None:
                trace[part].label = _escape_any(trace[part].label)
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        for key in ("categoryarray", "ticktext"):
            if axis[key] is not None:
                axis[key] = _escape_any(axis[key])
    for note in fig.layout.annotations:
        if note.text is not None:
            note.text = plot_text(note.text)
    return fig
