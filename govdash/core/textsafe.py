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
  to every string a figure carries from its data (govdash.ui.plot calls it for every chart).
"""
from __future__ import annotations

import datetime as dt
import html
import numbers
import re
from decimal import Decimal
from typing import Any

import polars as pl
import xlsxwriter

# ---------------------------------------------------------------- spreadsheets

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """The one rule: a text value that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column's formula-like values behind a single quote (`formula_like`, as polars
    expressions: no Python function inside polars' thread pool). Numeric, date and boolean columns
    are left as they are."""
    def guard(name: str) -> pl.Expr:
        col = pl.col(name).cast(pl.Utf8)
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
        """One cell: text as text (formula-like text also quote-prefixed), numbers as numbers,
        None as an empty cell."""
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, self._quote_prefixed(fmt) if formula_like(value) else fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (numbers.Real, Decimal)):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, (dt.date, dt.datetime)):
            self.cell(ws, row, col, value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat(), fmt)
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
    Line breaks become spaces (one value never starts a new block)."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\r\n]+", " ", text)
    text = _MD_PUNCTUATION.sub(r"\\\1", text)
    text = text.replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)
    return _WWW.sub(r"\1" + WORD_JOINER + r"\2", text)


# ---------------------------------------------------------------- plotly

def plot_text(value: Any) -> Any:
    """Text for plotly, which reads <a href>, <b>, <br>… tags and entities in any label: `<`, `>` and
    `&` as entities (plotly shows them as the characters). Non-text values are returned unchanged."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


_TEMPLATE_KEEP = re.compile(r"(<br>|<extra>|</extra>|%\{[^}]*\})")
_TRACE_DATA = ("x", "y", "z", "text", "hovertext", "customdata", "labels", "parents", "name", "legendgroup", "offsetgroup")
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
