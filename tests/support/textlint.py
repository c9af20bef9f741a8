"""A text lint over everything a page rendered in AppTest: users read Chinese and publish what the
pages show, so no English status word, no empty-value spelling, no code where a name exists may reach them.

`rendered_texts(at)` walks the AppTest tree and yields (where, text, row) for every piece of visible text:
titles and headings, markdown and captions, alerts, metric labels/values/deltas, expander and tab labels, widget
labels and their options, dataframe column names and cells (with the cell's row, so a code can be matched with
its name), and the plotly figures' titles, axis titles, legend titles, trace names and category values.
`lint(texts, names)` applies RULES and returns (rule, where, text) findings.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

ASCII_WORD = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"

EMPTY_WORDS = ["None", "nan", "NaN", "null", "NaT", "<NA>", "null"]
# statuses, ratings, outcomes, log actions, handling modes, record kinds and flags as the data spells them
ENGLISH_WORDS = ["open_overdue", "open_in_time", "closed_on_time", "closed_late", "resolved", "satisfied",
                 "unsatisfied", "dissatisfied", "basic", "returned", "closed", "pending", "open", "escalated",
                 "withdrawn", "on_time",
                 "late", "missing", "onsite", "offsite", "dispatched", "accepted", "arrived", "reopened", "rated",
                 "daily", "weekly", "city", "leader", "member", "true", "false", "True", "False", "count", "value",
                 "variable", "month", "week", "index"]
# a bare code is allowed only where its name stands in the same text or the same table row
CODE_PATTERNS = {"部门": r"D\d{2}", "社区": r"C\d{3}", "联合党委": r"J\d{2}", "条款": r"E\.\d+(?:\.\d+)+"}


@dataclass
class Text:
    where: str
    text: str
    row: tuple = ()          # the other cells of the same table row (names matched against codes)
    empty_cell: bool = False  # a table cell with no value and no placeholder: the browser shows "None"


@dataclass
class Names:
    """Code → name of the sample city (departments, communities, JPCs, Appendix E clauses) and the warehouse's
    table names."""
    codes: dict = field(default_factory=dict)
    tables: set = field(default_factory=set)


def _rule(name: str, pattern: str, flags=0):
    return name, re.compile(pattern, flags)


def rules(names: Names) -> list[tuple[str, re.Pattern]]:
    """The lint's rules, in the order they are reported. Each is a name and a pattern a visible text must not match."""
    table_words = "|".join(sorted((re.escape(t) for t in names.tables), key=len, reverse=True)) or "(?!x)x"
    return [
        _rule("空值（None/nan/null/NaT）",
              ASCII_WORD.format("(?:" + "|".join(re.escape(w) for w in EMPTY_WORDS) + ")")),
        _rule("数据表名", ASCII_WORD.format(f"(?:{table_words})")),
        _rule("英文状态词", ASCII_WORD.format("(?:" + "|".join(ENGLISH_WORDS) + ")")),
        _rule("snake_case 标识符", r"(?<![A-Za-z0-9_.])[a-z]+_[a-z_]*[a-z](?![A-Za-z0-9_])(?!\.(?:csv|xlsx))"),
        _rule(".toml 文件名", r"[\w.-]+\.toml\b"),
        _rule("what-if", r"what[- ]?if", re.IGNORECASE),
        _rule("ISO 周（2024-W49）", r"(?<![-A-Za-z0-9])\d{4}-W\d{1,2}\b"),
        _rule("UTC 时间", r"UTC|GMT|\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\b|T\d{2}:\d{2}"),
        _rule("英文月份（Jan 2024）", r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{4}\b"),
        _rule("月份写成 2024-01", r"(?<![\d-])\d{4}-(?:0[1-9]|1[0-2])(?![\d-])"),
    ]


def _bare_codes(t: Text, names: Names) -> list[str]:
    """Codes in a text whose name stands neither in the text nor in its table row."""
    out = []
    context = t.text + " " + " ".join(t.row)
    for kind, pattern in CODE_PATTERNS.items():
        # a code inside a record's id (NR-J04-2024-W35) is part of the id, not a code shown for a name
        for m in re.finditer(r"(?<![-A-Za-z0-9_.]){}(?![-A-Za-z0-9_])".format(pattern), t.text):
            name = names.codes.get(m.group(0))
            if name is None:
                continue  # not a code of this city (an item of another list, an event id's digits)
            if name[:8] not in context:
                out.append(f"{kind}编号 {m.group(0)}")
    return out


def lint(texts, names: Names) -> list[tuple[str, str, str]]:
    """(rule, where, text) for every rule a visible text breaks."""
    compiled = rules(names)
    found = []
    for t in texts:
        if t.empty_cell:
            found.append(("空值（None/nan/null/NaT）", t.where, "（空单元格显示为 None）"))
            continue
        for rule, pattern in compiled:
            if pattern.search(t.text):
                found.append((rule, t.where, t.text))
        for code in _bare_codes(t, names):
            found.append(("裸编号（有名称却只显示编号）", t.where, f"{code}：{t.text}"))
    return found


# ---------------------------------------------------------------- what AppTest rendered

def as_read(markdown: str) -> str:
    """Markdown as the reader sees it: textsafe.md()'s backslash escapes and word joiners removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def _strings(values, limit=400):
    out = []
    if isinstance(values, dict):  # plotly's typed arrays ({"dtype":…, "bdata":…}) are numbers
        return out
    for v in (values or [])[:limit]:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            out += _strings(v, limit)
    return out


def _title(obj) -> str:
    t = (obj or {}).get("title")
    if isinstance(t, dict):
        return t.get("text") or ""
    return t or ""


def plotly_texts(spec: str, where: str):
    fig = json.loads(spec)
    layout = fig.get("layout", {})
    yield Text(f"{where} 图表标题", _title(layout))
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            yield Text(f"{where} 坐标轴标题", _title(axis))
            for v in _strings(axis.get("ticktext")):
                yield Text(f"{where} 刻度", v)
    yield Text(f"{where} 图例标题", _title(layout.get("legend")))
    yield Text(f"{where} 颜色条标题", _title((layout.get("coloraxis") or {}).get("colorbar")))
    for ann in layout.get("annotations", []) or []:
        yield Text(f"{where} 注释", ann.get("text") or "")
    for trace in fig.get("data", []):
        yield Text(f"{where} 图例", trace.get("name") or "")
        yield Text(f"{where} 颜色条标题", _title(trace.get("colorbar")))
        for axis in ("x", "y", "labels", "text"):
            for v in sorted(set(_strings(trace.get(axis)))):
                yield Text(f"{where} 数据标签（{axis}）", v)
        node = trace.get("node") or {}
        for v in _strings(node.get("label")):
            yield Text(f"{where} 节点", v)


def _cell_text(v) -> tuple[str, bool]:
    """A cell as the grid shows it, and whether it is an empty value."""
    if v is None:
        return "", True
    if isinstance(v, float) and math.isnan(v):
        return "", True
    try:
        import pandas as pd

        if v is pd.NaT or (not isinstance(v, (list, tuple, dict, str)) and pd.isna(v)):
            return "", True
    except (TypeError, ValueError):
        pass
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v), False
    return str(v), False


def dataframe_texts(el, where: str):
    frame = el.value
    proto = el.proto
    placeholder = proto.placeholder if proto.HasField("placeholder") else None
    config = json.loads(proto.columns) if proto.columns else {}
    hidden = {c for c, cfg in config.items() if isinstance(cfg, dict) and cfg.get("hidden")}
    labels = {c: (cfg.get("label") or c) for c, cfg in config.items() if isinstance(cfg, dict)}
    columns = [c for c in frame.columns if str(c) not in hidden]
    for c in columns:
        yield Text(f"{where} 列名", str(labels.get(str(c), c)))
    for row in frame[columns].head(500).itertuples(index=False):
        cells = [_cell_text(v) for v in row]
        shown = tuple(t for t, _ in cells)
        for c, (text, empty) in zip(columns, cells):
            if empty:
                if placeholder is None:
                    yield Text(f"{where} 列“{labels.get(str(c), c)}”", "", empty_cell=True)
                else:
                    yield Text(f"{where} 列“{labels.get(str(c), c)}”", placeholder)
            else:
                yield Text(f"{where} 列“{labels.get(str(c), c)}”", text, row=shown)


def rendered_texts(at, page: str = ""):
    """Every visible text of the AppTest run (see the module's docstring)."""
    def walk(node):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        where = f"{page}·{kind}"
        children = getattr(node, "children", None)
        if children is not None and not hasattr(node, "value"):  # a block
            if kind in ("expander", "status", "tab", "popover"):
                yield Text(f"{page}·{kind} 标签", getattr(node, "label", "") or "")
            for child in children.values():
                yield from walk(child)
            return
        try:
            if kind in ("arrow_data_frame", "dataframe"):
                yield from dataframe_texts(node, where)
            elif kind == "metric":
                yield Text(where, proto.label)
                yield Text(where, proto.body)
                yield Text(where, proto.delta)
            elif kind == "plotly_chart":
                yield from plotly_texts(proto.spec, where)
            elif kind == "html":
                return
            elif kind in ("selectbox", "multiselect", "radio", "select_slider", "segmented_control", "pills"):
                yield Text(where, proto.label)
                for o in getattr(node, "options", []) or []:
                    yield Text(f"{where} 选项", str(o))
                value = getattr(node, "value", None)
                if value is not None and kind in ("selectbox", "radio"):
                    fmt = node.format_func(value) if hasattr(node, "format_func") else value
                    yield Text(f"{where} 当前值", str(fmt))
            elif proto is not None and hasattr(proto, "label") and isinstance(getattr(proto, "label", None), str):
                yield Text(where, proto.label)
                if hasattr(proto, "placeholder") and isinstance(proto.placeholder, str):
                    yield Text(where, proto.placeholder)
            elif hasattr(node, "value") and isinstance(node.value, str):
                yield Text(where, as_read(node.value))
        except (AttributeError, ValueError, TypeError) as exc:  # an element kind the walker does not know
            yield Text(where, "", row=(f"{type(exc).__name__}: {exc}",))

    for t in walk(at._tree):
        if t.text or t.empty_cell:
            yield t


def city_names(con) -> Names:
    """The codes and names of the city in a warehouse (a read connection), and its table names."""
    codes = {}
    for sql in ("select dept_id, dept_name from stg_departments",
                "select community_id, community_name from stg_communities",
                "select distinct jpc_id, jpc_name from stg_communities",
                "select item_id, item_name from stg_reference_items where list_id = 'integrity_clause'"):
        codes.update({k: v for k, v in con.execute(sql).fetchall() if k and v})
    tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
    return Names(codes, tables)


def summarise(findings, per_page: int = 3) -> str:
    """Counts per rule (and per page within it) with a few distinct examples per page, for review."""
    by_rule: dict[str, dict[str, list]] = {}
    for rule, where, text in findings:
        page = where.split("·")[0].split(" ")[-1]
        by_rule.setdefault(rule, {}).setdefault(page, []).append((where, text))
    lines = []
    for rule, pages in sorted(by_rule.items(), key=lambda kv: -sum(len(v) for v in kv[1].values())):
        lines.append(f"{rule}：{sum(len(v) for v in pages.values())} 处（" +
                     "，".join(f"{p} {len(v)}" for p, v in sorted(pages.items(), key=lambda kv: -len(kv[1]))) + "）")
        for hits in pages.values():
            seen = []
            for where, text in hits:
                key = (where.split("·")[-1].split("：")[0], text[:50])
                if key in seen:
                    continue
                seen.append(key)
                lines.append(f"    {where}：{text[:110]}")
                if len(seen) >= per_page:
                    break
    return "\n".join(lines)
