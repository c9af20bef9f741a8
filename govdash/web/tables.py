"""How a page shows a figure: tables by the house display rules (names instead of codes, Chinese labels, weeks,
months and rates as a reader reads them), free text with its codes named, and charts in the Chinese face."""
from __future__ import annotations

import datetime as dt
import io
import unicodedata

import polars as pl
import streamlit as st

from govdash.core import labels, textsafe
from govdash.core.formatting import EMPTY, pct, rate_tenths_expr
from govdash.core.periods import month_label_expr, week_range_label_expr
from govdash.core.textsafe import output_expr, plot_figure
from govdash.documents.charts import CJK_FONT  # importing it registers the plotly template with the Chinese face
from govdash.web import data

# columns whose code has a name: the table shows the name (the code column is dropped, its name added if missing)
CODE_COLUMNS = {"部门编号": "部门", "社区编号": "社区", "联合党委编号": "联合党委"}
# columns whose values are codes with Chinese labels (govdash.core.labels), mapped wherever a table shows them
VALUE_LABEL_COLUMNS = {"状态": {**labels.STATUS_LABELS, **labels.REPORT_STATUS_LABELS}, "评价": labels.RATING_LABELS,
                       "结果": labels.OUTCOME_LABELS, "动作": labels.ACTION_LABELS,
                       "处置方式": labels.HANDLING_MODE_LABELS, "指标": labels.METRIC_LABELS,
                       "类别": labels.RECORD_KIND_LABELS}
WEEK_COLUMNS = ("周", "缺访周", "漏报周", "迟报周")
MONTH_COLUMNS = ("月份", "所属月份")
RATE_FORMAT = "%.1f%%"   # a rate column holds the rate in percent, rounded to tenths by the house rule (formatting.py)
DECIMAL_FORMAT = "%.1f"  # hours, days and other measures: one decimal
POINTS_FORMAT = "%.2f"   # assessment points: two decimals, apportioned so that they add up to the score (scoring.py)
PINNED_COLUMNS = ("排名", "部门")
DATETIME_FORMAT = "YYYY-MM-DD HH:mm"
# a text column is as wide as its longest value needs (a Chinese character about two digits wide), up to a cap past
# which the cell wraps: on a 1440 px screen a reason, a clause or a ⚠ flag is read, not cut off
CHAR_PX, ASCII_PX, CELL_PADDING_PX, MAX_TEXT_PX = 14, 8, 24, 560
POINTS_COLUMNS = ("得分", "扣分", "考核项得分", "上期得分", "较上期", "现得分", "模拟得分", "权重", "实际计分权重")


def fmt_rate(x) -> str:
    return pct(x)


def readable_codes_expr(column: str | pl.Expr) -> pl.Expr:
    """Free text that names departments, communities, JPCs, Appendix E clauses, ISO weeks or months by their codes
    (the assessment's deduction reasons, built in SQL): each code replaced by its name, as a reader needs it."""
    col = pl.col(column) if isinstance(column, str) else column
    mapping = data.code_text_mapping()
    if mapping is None:
        return col
    return col.str.replace_many(list(mapping), list(mapping.values()), leftmost=True)


def names_not_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """A 部门编号 / 社区编号 / 联合党委编号 column replaced by the name (kept where the name column already is)."""
    names = None
    for code, name in CODE_COLUMNS.items():
        if code not in frame.columns:
            continue
        if name not in frame.columns:
            names = names or data.code_names()
            frame = frame.with_columns(labels.label_expr(code, names[name]).alias(code)).rename({code: name})
        else:
            frame = frame.drop(code)
    return frame


def for_display(frame: pl.DataFrame, rates=()) -> pl.DataFrame:
    """The house display rules for a table: names instead of codes, Chinese labels for statuses, ratings, outcomes
    and kinds, 是/否 for true/false, weeks as 第49周（12.2–12.8）, months as 2024年1月, 排名 first, and rates as
    numbers in percent rounded to tenths as the documents round them (so the column sorts by value; `table`
    shows them with RATE_FORMAT, and an empty value stays empty — a number column holds numbers only — and the
    grid shows it as "—", SPEC: a null rate shows as "—", never 0%)."""
    frame = names_not_codes(frame)
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if name in rates:
            # the same rounding as the Word bulletin (govdash.core.formatting), as polars expressions: a Python
            # function inside polars' thread pool deadlocked the server under concurrent sessions
            out.append((rate_tenths_expr(col) / 10).round(1).alias(name))
        elif dtype == pl.Boolean:
            out.append(labels.yes_no_expr(col).alias(name))
        elif name in VALUE_LABEL_COLUMNS and dtype == pl.Utf8:
            out.append(labels.label_expr(col, VALUE_LABEL_COLUMNS[name]).alias(name))
        elif name in WEEK_COLUMNS and dtype == pl.Utf8:
            out.append(week_range_label_expr(col).alias(name))
        elif name in WEEK_COLUMNS and isinstance(dtype, pl.List):
            out.append(col.list.eval(week_range_label_expr(pl.element())).list.join("、").alias(name))
        elif name in MONTH_COLUMNS and dtype == pl.Utf8:
            out.append(month_label_expr(col).alias(name))
        else:
            out.append(col)
    frame = frame.select(out)
    # a cell shows its characters without invisible and control ones (a warehouse loaded before the ingest's rule)
    frame = frame.with_columns(output_expr(pl.col(n)) for n, t in frame.schema.items() if t == pl.Utf8)
    if "排名" in frame.columns:
        frame = frame.select("排名", pl.exclude("排名"))
    return frame


def text_width(value: str) -> int:
    """Pixels a one-line cell needs for `value`: wide (CJK) characters about twice an ASCII one."""
    return sum(CHAR_PX if unicodedata.east_asian_width(c) in "WF" else ASCII_PX for c in value)


def column_width(frame: pl.DataFrame, name: str) -> int | None:
    """The width a text column needs for its longest value (or its header), capped; None when the default fits."""
    values = [v for v in frame[name].drop_nulls().unique().to_list() if isinstance(v, str)] + [name]
    need = max(text_width(v) for v in values) + CELL_PADDING_PX
    return min(need, MAX_TEXT_PX) if need > 100 else None


def excel_bytes(shown: pl.DataFrame, rates=()) -> bytes:
    """The table as it is shown (after for_display), one sheet: the header, then every cell's value as the grid
    shows it — numbers as numbers (rates in percent to tenths), date-times to the minute, empty cells empty, and
    text always as text (a cell starting with = + - @ never becomes a formula: textsafe.Workbook)."""
    out = io.BytesIO()
    wb = textsafe.Workbook(out)
    ws = wb.add_worksheet("表格")
    bold, rate = wb.add_format({"bold": True}), wb.add_format({"num_format": '0.0"%"'})
    for j, name in enumerate(shown.columns):
        wb.cell(ws, 0, j, name, bold)
    for i, row in enumerate(shown.iter_rows(), start=1):
        for j, (name, value) in enumerate(zip(shown.columns, row)):
            if isinstance(value, dt.datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, list):
                value = "、".join(map(str, value))
            wb.cell(ws, i, j, value, rate if name in rates and value is not None else None)
    wb.close()
    return out.getvalue()


def export_button(shown: pl.DataFrame, rates=(), key: str | None = None, name: str = "表格") -> None:
    """A small 导出 Excel button under a table: the cells as shown, made only when clicked. Its key is the table's
    (or its name, columns and height): two tables of the same shape on one page (a department's bulletin repeats
    the city's tables as its extract) each keep their own button."""
    key = f"export_{key or abs(hash((name, tuple(shown.columns), shown.height)))}"
    st.download_button("导出 Excel", lambda: excel_bytes(shown, rates), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", key=key, icon=":material/download:")


def table(frame: pl.DataFrame, rates=(), breaches: dict | None = None, export: str | None = "表格", **kwargs):
    """st.dataframe with the house display rules (see for_display), full width, no index, "—" shown for an empty
    value (the grid's placeholder: the cell stays empty, a number column holds numbers only), text columns as wide
    as their longest value needs, and an 导出 Excel button under it (`export`: the file's name; None: none).
    `breaches` {column: lowest acceptable rate} adds a ⚠ column (after 排名) naming the rates below it."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", EMPTY)
    if breaches:
        flags = [pl.when(pl.col(c) < t).then(pl.lit(f"{c}低于{pct(t)}"))
                 for c, t in breaches.items() if c in frame.columns]
        frame = frame.with_columns(pl.concat_str(flags, separator="、", ignore_nulls=True).alias("⚠"))
        frame = frame.with_columns(pl.when(pl.col("⚠") == "").then(pl.lit(""))
                                   .otherwise(pl.concat_str([pl.lit("⚠ "), pl.col("⚠")])).alias("⚠"))
        first = [c for c in ("排名", "部门", "部门编号") if c in frame.columns]
        frame = frame.select(*first, "⚠", pl.exclude(*first, "⚠"))
    shown = for_display(frame, rates)
    config = {}
    pinned = PINNED_COLUMNS if "排名" in shown.columns else ()
    for name, dtype in shown.schema.items():
        if name in pinned:  # a ranking's rank and name stay in view when the wide table scrolls sideways
            config[name] = st.column_config.Column(name, pinned=True, width=column_width(shown, name)
                                                   if dtype == pl.Utf8 else None)
        elif isinstance(dtype, pl.Datetime):  # one date-time format, to the minute, as the captions show cut-offs
            config[name] = st.column_config.DatetimeColumn(name, format=DATETIME_FORMAT)
        elif name in rates:
            config[name] = st.column_config.NumberColumn(name, format=RATE_FORMAT)
        elif dtype.is_float():
            number_format = POINTS_FORMAT if name in POINTS_COLUMNS else DECIMAL_FORMAT
            config[name] = st.column_config.NumberColumn(name, format=number_format)
        elif dtype == pl.Utf8 and (width := column_width(shown, name)):
            config[name] = st.column_config.TextColumn(name, width=width)
    config.update(kwargs.pop("column_config", None) or {})
    # handed over as Arrow: Streamlit serialises a pyarrow table directly, without a pandas copy per run
    grid = st.dataframe(shown.to_arrow(), column_config=config, **kwargs)
    if export:
        export_button(shown, rates, kwargs.get("key"), export)
    return grid


def plot(fig, container=None) -> None:
    """Draw a plotly figure with the Simplified Chinese face set on the figure itself: Streamlit's chart
    theme replaces template fonts, and CJK text would then fall back to a Japanese glyph form. Every
    string the figure carries from data is escaped first (plotly reads <a href>, <b>… in any label)."""
    plot_figure(fig)
    fig.update_layout(font_family=CJK_FONT, hoverlabel_font_family=CJK_FONT, legend_font_family=CJK_FONT)
    (container or st).plotly_chart(fig, width="stretch")
