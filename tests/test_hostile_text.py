"""Hostile text in the source data: names, categories, titles, notes and a user
name that are spreadsheet formulas, markdown links and images, or HTML tags.

Exports: no workbook the product writes has a formula cell, and no CSV field starts with = + - @ tab
or CR unless escaped with a leading single quote (OWASP CSV injection). Screen: no markdown, HTML or
plotly markup formed from data, so a viewer's browser fetches nothing from a host named in the data.
"""
from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.support.browser import CHROMIUM, app_server, assert_clean, download, go, settle, sign_in

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def hostile_values(port: int) -> list[str]:
    host = f"http://127.0.0.1:{port}"
    return ["=cmd|' /C calc'!A0", f'=HYPERLINK("{host}/x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1",
            f"![x]({host}/img.png)", f"[点我]({host}/link)", f"<img src={host}/p>", f"<a href='{host}/a'>a</a>"]


def hostile_user(port: int) -> str:
    return f"[点我](http://127.0.0.1:{port}/user)![u](http://127.0.0.1:{port}/user.png)"


def _cycle(values: list[str], n: int, offset: int = 0) -> list[str]:
    return [values[(i + offset) % len(values)] for i in range(n)]


def build_hostile_city(out: Path, port: int) -> list[str]:
    """A small sample city whose every free-text field a user could see is hostile; also a few rows
    that the contracts quarantine, carrying hostile values into the quarantine. Returns the values."""
    from pipelines.sample import generate

    generate(out, seed=7, scale=0.05)
    bad = hostile_values(port)

    def rewrite(name: str, change, encoding: str = "utf-8") -> None:
        path = out / name
        frame = pl.read_csv(io.BytesIO(path.read_bytes().decode(encoding).encode("utf-8")), infer_schema=False)
        frame = change(frame)
        path.write_bytes(frame.write_csv().encode(encoding))

    def by_value(column: str, offset: int = 0):
        """Each distinct value of a column replaced by one hostile value (the same value keeps one name)."""
        def change(frame: pl.DataFrame) -> pl.DataFrame:
            values = sorted(v for v in frame[column].unique().to_list() if v is not None)
            mapping = dict(zip(values, _cycle(bad, len(values), offset)))
            return frame.with_columns(pl.col(column).replace_strict(mapping, default=pl.col(column)))
        return change

    def every_row(column: str, offset: int = 0, only_filled: bool = False):
        def change(frame: pl.DataFrame) -> pl.DataFrame:
            new = pl.Series(column, _cycle(bad, frame.height, offset))
            if only_filled:
                new = pl.select(pl.when(frame[column].is_not_null()).then(new).otherwise(frame[column])).to_series()
            return frame.with_columns(new.alias(column))
        return change

    rewrite("departments.csv", by_value("部门名称"), encoding="gb18030")
    rewrite("communities.csv", lambda f: by_value("jpc_name", 3)(by_value("community_name", 1)(f)))
    rewrite("whistle_events.csv", lambda f: every_row("title", 2)(by_value("category", 4)(f)))
    rewrite("whistle_event_log.csv", every_row("note", 5))
    rewrite("negative_reports.csv", every_row("description", 6, only_filled=True))
    rewrite("visits.csv", every_row("topics", 7))
    rewrite("bindings.csv", every_row("leader_name", 8, only_filled=True))
    rewrite("appeals.csv", by_value("category", 2))
    rewrite("tasks.csv", by_value("category", 5))
    rewrite("reference_items.csv", lambda f: f.with_columns(
        pl.when(pl.col("list_id") == "integrity_clause").then(pl.Series(_cycle(bad, f.height)))
        .otherwise(pl.col("item_name")).alias("item_name")))
    # rows the contracts refuse: an unknown department named like a formula or a link
    visits = pl.read_csv(out / "visits.csv", infer_schema=False)
    extra = visits.head(len(bad)).with_columns(pl.Series("visit_id", [f"VX{i}" for i in range(len(bad))]),
                                               pl.Series("dept_id", bad))
    (out / "visits.csv").write_text(pl.concat([visits, extra]).write_csv(), encoding="utf-8")
    return bad


class Listener:
    """An HTTP listener on 127.0.0.1 (random port) that counts the requests it receives."""

    def __init__(self):
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def hostile_port(listener) -> int:
    """The port every hostile URL in the data points at: the listener's."""
    return listener.port


@pytest.fixture(scope="module")
def hostile_db(hostile_port, tmp_path_factory) -> Path:
    from pipelines.ingest import ingest

    src = tmp_path_factory.mktemp("hostile")
    build_hostile_city(src, hostile_port)
    db = tmp_path_factory.mktemp("wh") / "hostile.duckdb"
    result = ingest([src], db_path=db)
    assert result.exit_code == 2, result.as_dict()   # loaded, with the hostile unknown departments quarantined
    return db


@pytest.fixture
def hostile_warehouse(hostile_db, monkeypatch) -> Path:
    monkeypatch.setenv("GOVDASH_DB", str(hostile_db))
    return hostile_db


def workbook_cells(data: bytes | Path):
    wb = openpyxl.load_workbook(data if isinstance(data, Path) else io.BytesIO(data))
    return [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_no_formulas(data, expect: set[str]) -> None:
    """Zero formula cells, and the hostile values named in `expect` are there, as text."""
    cells = workbook_cells(data)
    formulas = [(sheet, c.coordinate, c.value) for sheet, c in cells if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for _, c in cells if c.data_type == "s"}
    assert expect <= texts, expect - texts
    # and a formula-like text cell carries Excel's quote prefix: editing it in Excel keeps it text
    assert [(s, c.coordinate) for s, c in cells if c.data_type == "s" and c.value.startswith(DANGEROUS)
            and not c.quotePrefix] == []


def test_bulletin_and_assessment_workbooks_have_no_formulas(hostile_warehouse, hostile_port):
    from govdash.core.periods import parse_as_of
    from govdash.documents.documents import assessment_xlsx, bulletin_xlsx
    from govdash.figures.assessment import assessment
    from govdash.figures.bulletin import bulletin
    from warehouse.db import connect_read, read_cursor

    bad = hostile_values(hostile_port)
    cur = read_cursor(connect_read(hostile_warehouse))
    as_of = parse_as_of("2025-01-31 23:59:59")
    b = bulletin(cur, "2024-12", as_of)
    # the hostile names did reach the bulletin (else the test proves nothing)
    assert {d["dept_name"] for d in b["departments"]} & set(bad)
    buf = io.BytesIO()
    bulletin_xlsx(b, buf)
    stripped = {v.strip() for v in bad}   # ingest trims the cells (the tab of "\t=1")
    assert_no_formulas(buf.getvalue(), {d["dept_name"] for d in b["departments"]}
                       | {v for v in b["reference"]["jpc_names"].values()} & stripped)
    a = assessment(cur, 2024, None, as_of)
    buf = io.BytesIO()
    assessment_xlsx(a, buf)
    assert_no_formulas(buf.getvalue(), {d["dept_name"] for d in a["departments"]})


def test_cli_workbooks_have_no_formulas(hostile_warehouse, tmp_path):
    from click.testing import CliRunner

    from govdash.cli.main import main

    runner = CliRunner()
    for args in (["report", "bulletin", "--month", "2024-11", "--as-of", "2025-01-31 23:59:59", "--format", "xlsx"],
                 ["report", "assessment", "--year", "2024", "--quarter", "4", "--as-of", "2025-01-31 23:59:59",
                  "--format", "xlsx"]):
        out = tmp_path / f"{args[1]}.xlsx"
        result = runner.invoke(main, args + ["--out", str(out)])
        assert result.exit_code == 0, result.output
        assert_no_formulas(out, {"=cmd|' /C calc'!A0"})


def _captured_downloads(monkeypatch) -> dict:
    """Every file a page hands to st.download_button, by file name: its bytes, or for a download built
    on click (a callable), a function that builds it as the click would."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict = {}
    load, defer = MemoryMediaFileStorage.load_and_get_id, MediaFileManager.add_deferred

    def spy_load(self, path_or_data, mimetype, kind, filename=None):
        seen[filename] = lambda: path_or_data
        return load(self, path_or_data, mimetype, kind, filename)

    def spy_defer(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data_callable
        return defer(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy_load)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_defer)
    return seen


def test_page_downloads_have_no_formulas(hostile_warehouse, hostile_port, monkeypatch):
    """The files the pages' download buttons deliver: the bulletin and assessment workbooks and the
    quarantine CSV."""
    from tests.support.apptest import open_page

    bad = hostile_values(hostile_port)
    downloads = _captured_downloads(monkeypatch)
    month = open_page().session_state["month"]          # 月度通报
    open_page("pages/assessment.py")
    assert_no_formulas(downloads[f"{month}-月度通报.xlsx"](), {bad[0], bad[1]})
    assert_no_formulas(next(build for name, build in downloads.items() if name.endswith("考核.xlsx"))(),
                       {bad[0], bad[1]})

    open_page("pages/data_quality.py")
    data = downloads["隔离明细.csv"]()
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = pl.read_csv(io.BytesIO(data), infer_schema=False)
    fields = [v for col in rows.columns for v in rows[col].to_list() if v is not None]
    assert [v for v in fields if v.startswith(DANGEROUS)] == []
    # each hostile department id is in the file, escaped with a single quote
    values = set(rows["值"].to_list())
    for v in bad:
        v = v.strip()
        assert ("'" + v if v.startswith(DANGEROUS) else v) in values, v


def test_workbook_cells_text_as_text_numbers_as_numbers(tmp_path):
    from govdash.core import textsafe

    path = tmp_path / "cells.xlsx"
    wb = textsafe.Workbook(path)
    ws = wb.add_worksheet("s")
    plain = wb.add_format({"border": 1, "num_format": "0.0"})
    values = [-1, -0.5, 0, 3, "-1+2", "=1+1", "+1", "@SUM(A1)", "\t=1", "\r=1", "部门", "http://127.0.0.1/x", "1234",
              None]
    for i, v in enumerate(values):
        wb.cell(ws, i, 0, v, plain)
    wb.close()
    cells = openpyxl.load_workbook(path)["s"]
    got = [(cells.cell(i + 1, 1).value, cells.cell(i + 1, 1).data_type) for i in range(len(values))]
    assert got == [(-1, "n"), (-0.5, "n"), (0, "n"), (3, "n"), ("-1+2", "s"), ("=1+1", "s"), ("+1", "s"),
                   ("@SUM(A1)", "s"), ("\t=1", "s"), ("_x000D_=1", "s"), ("部门", "s"), ("http://127.0.0.1/x", "s"),
                   ("1234", "s"), (None, "n")]
    # formula-like text keeps Excel's quote prefix (stays text when edited) and the column's other format
    assert [cells.cell(i + 1, 1).quotePrefix for i in range(len(values))] == [textsafe.formula_like(v) for v in values]
    assert cells.cell(6, 1).border.left.style == "thin" and cells.cell(6, 1).number_format == "0.0"
    assert cells.cell(12, 1).hyperlink is None


def test_csv_fields_escaped_numbers_untouched():
    from govdash.core import textsafe

    names = ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "住建局", None]
    frame = pl.DataFrame({"name": names, "n": [-1, -2, 3, 0, 5, -6, 7, None],
                          "x": [-0.5, 1.5, None, 2.0, 0.0, -1.0, 1.0, 3.0]}).with_columns(
        pl.col("name").cast(pl.Categorical).alias("category"))
    rows = pl.read_csv(io.BytesIO(textsafe.csv_bytes(frame)))
    escaped = ["'=cmd|' /C calc'!A0", "'+1", "'-1+2", "'@SUM(A1)", "'\t=1", "'\r=1", "住建局", None]
    assert rows["name"].to_list() == rows["category"].to_list() == escaped
    assert escaped == [("'" + v if textsafe.formula_like(v) else v) for v in names]
    assert rows["n"].to_list() == [-1, -2, 3, 0, 5, -6, 7, None]
    assert rows["x"].to_list() == [-0.5, 1.5, None, 2.0, 0.0, -1.0, 1.0, 3.0]


PRODUCT_CODE = ["app.py", "govdash", "pages", "warehouse"]


def _product_sources():
    from tests.support.paths import REPO

    for name in PRODUCT_CODE:
        path = REPO / name
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def test_every_spreadsheet_writer_goes_through_textsafe():
    """Workbooks and CSV exports are made in govdash.core.textsafe only (pipelines/sample.py writes the sample
    city's input files, not exports)."""
    from tests.support.paths import REPO

    pattern = re.compile(r"xlsxwriter|openpyxl|write_csv|to_csv|csv\.writer|write_excel|to_excel|\bws\.write"
                         r"|Workbook\(")
    found = [f"{p.relative_to(REPO)}:{i}: {line.strip()}" for p in _product_sources() if p.name != "textsafe.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line) and "textsafe.Workbook(" not in line]
    assert found == []


# ---------------------------------------------------------------- markdown: every piece of data through textsafe.md

# Streamlit calls that render markdown: method name -> (positional indexes, keyword names) of their text.
# (selectbox/multiselect options and their format_func, st.text and st.dataframe show plain text.)
_LABEL = ((0,), ("label",))
MARKDOWN_CALLS = {
    **{name: ((0,), ("body",)) for name in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                                            "error", "success", "toast")},
    "write": (tuple(range(10)), ()),
    **{name: _LABEL for name in ("expander", "status", "popover", "button", "download_button", "form_submit_button",
                                 "link_button", "selectbox", "multiselect", "select_slider", "slider", "text_input",
                                 "text_area", "number_input", "toggle", "checkbox", "date_input", "time_input",
                                 "file_uploader", "color_picker", "pills", "segmented_control", "feedback")},
    "radio": ((0, 1), ("label", "options")),
    "tabs": ((0,), ("tabs",)),
    "metric": ((0, 1, 2), ("label", "value", "delta")),
    "page_link": ((), ("label",)),
    "progress": ((1,), ("text",)),
    "spinner": ((0,), ("text",)),
    "update": ((), ("label",)),   # st.status(...).update(label=...)
}
PLAIN_TEXT_CALLS = {"selectbox", "multiselect", "select_slider", "text", "dataframe", "table", "plot"}
# Interpolated values that are not data from the sources: numbers, periods and times the product
# computes, its own literal text, and configuration files only an administrator edits.
# numbers, and the product's own names of a period (govdash.core.periods.month_label of a validated "YYYY-MM")
NUMERIC_CALLS = {"fmt_rate", "len", "int", "sum", "float", "abs", "round", "month_label", "pct", "pct_entered"}
NUM, WHEN, LIT, CONF = ("a number the product computes", "a period or time the product computes",
                        "the product's own text", "configuration only an administrator edits")
TRUSTED = {
    "app.py": {"section": LIT, "page.title": LIT},
    "govdash/web/chrome.py": {"NO_DATA": LIT, "title": LIT + " (each page's heading)"},
    "govdash/web/widgets.py": {"moment_label(as_of)": WHEN, "status": LIT,
                               "moment_label(parse_as_of(result['final_cutoff']))": WHEN, "n": CONF,
                               "result['data_note']": LIT + " with a timestamp (govdash.figures.cutoff)",
                               "label": LIT + " (KEY_FIGURES)", "key_figure_text(row, key)": NUM},
    "govdash/web/case_panel.py": {"moment_label(as_of)": WHEN,
        "labels.HANDLING_MODE_LABELS.get(e['handling_mode'], '—')": LIT + " (govdash.core.labels)"},
    "govdash/web/publish_panel.py": {
        "what": LIT + " (定稿发布 or 发布更正版)", "step": LIT + " (publication.PUBLISH_STEPS)",
        "steps_begun[-1]": LIT + " (publication.PUBLISH_STEPS)",
        "_correction_cause(changes)": LIT + " (the product's two sentences)", "version": NUM, "NO_PDF": LIT,
        "moment_label(parse_as_of(current['as_of']))": WHEN,
        "current['version']": NUM, "moment_label(as_of)": WHEN, "moment_label(parse_as_of(b['final_cutoff']))": WHEN,
        "KIND_LABELS[kind]": LIT, "KIND_LABELS.get(kind, kind)": LIT,
        "publication_note({**current, 'published_by': md(current['published_by'])})":
            LIT + " with dates and the publisher's name through md (govdash.documents.publication)",
        "flash": LIT + " with the publication id and the archived file names (month and version only)"},
    "govdash/web/dispute_panel.py": {
        "d['id']": NUM + " (a dispute's id)", "level": LIT + " (初审 or 复核)", "REF_LABELS[ground]": LIT,
        "workflow.STATE_LABELS[d['state']]": LIT + " (govdash.figures.disputes)",
        "workflow.KIND_LABELS[d['item_kind']]": LIT + " (govdash.figures.disputes)",
        "settings.attachment_max_count": CONF, "day_label(deadline)": WHEN, "day_label(window)": WHEN},
    "pages/disputes.py": {"title": LIT + " (QUEUES)", "overdue": NUM},
    "pages/assessment.py": {"flash": LIT + " with a version id (vNNNN)",
                            "chosen": "a version id (vNNNN, a file name pattern)",
                            "moment_label(result['as_of'])": WHEN, "result['period']": WHEN,
                            "result['previous_period']": WHEN, "mine['rank']": NUM,
                            "METRIC_UNITS[c.metric]": LIT + " (a unit: 分)"},
    "pages/data_quality.py": {"note": LIT + " with counts (warehouse.schema.quarantine_note)", "PAGE_ROWS": NUM,
                              "max_mb": CONF, "i": NUM, "n": NUM, "words.get(stage, stage)": LIT, "label": LIT,
                              "map(str, cal['uncovered_data_years'])": NUM, "map(str, cal['data_years'])": NUM,
                              "official[0]": NUM, "official[1]": NUM, "map(str, cal['override_years'])": NUM,
                              "map(str, cal['provisional_years'])": NUM,
                              "'账号' if kind == 'account' else '地址'": LIT, "cleared": NUM,
                              "sessions.unavailable_text(exc.kind)": LIT + " (govdash.web.sessions)"},
    "pages/department_self_check.py": {"moment_label(as_of)": WHEN, "deadline_label(lists['due_by'])": WHEN,
        "row['dispatched']": NUM, "n['need']": NUM, "n['remaining']": NUM,
        "n['word']": LIT + " (处置率 or 办结率: negative_lists.needed_off_the_list)",
        "verb": LIT + " (处置 or 办结)",
        "moment_label(b['as_of'])": WHEN, "month[:4]": WHEN, "delta": NUM, "label": LIT, "b['department_count']": NUM,
        "mine['dispatched']": NUM,
        "mine['escalated']": NUM, "mine['rank']": NUM, "mine['returned']": NUM, "need_close": NUM, "need_handle": NUM,
        "STATUS_LABELS[s]": LIT, "n": NUM, "listed[0]['reasons']": LIT + " with rates (govdash.figures)",
        "r['certificates_off_list']": NUM, "r['certificates_off_list_ytd']": NUM, "r['tasks_off_list']": NUM,
        "r['tasks_off_list_ytd']": NUM},
    "pages/five_level.py": {"period": WHEN, "span": WHEN, "moment_label(as_of)": WHEN},
    "pages/monthly_bulletin.py": {
        "moment_label(b['as_of'])": WHEN, "month[:4]": WHEN,
        "EXTRACT_NOTE": LIT + " (the extract's note)", "EXTRACT_TITLE": LIT + " (本部门情况摘要)",
        "b['settings']['whistle']['difficult_closure_working_days']": CONF,
        "b['settings']['whistle']['offsite_closure_working_days']": CONF,
        "b['settings']['whistle']['offsite_response_hours']": CONF,
        "b['settings']['whistle']['onsite_response_hours']": CONF, "c['dispatched']": NUM, "c['open_overdue']": NUM,
        "delta_pts('handling_rate')": NUM, "delta_pts('timely_handling_rate')": NUM, "delta_pts('closure_rate')": NUM,
        "delta_pts('on_time_closure_rate')": NUM, "b['scope']['note']": LIT + " (govdash.records.accounts)",
        "title": LIT + " (the numbered section titles of govdash.documents.bulletin_body)"},
    "pages/negative_lists.py": {"moment_label(as_of)": WHEN, "nr['due_time']": CONF, "nr['due_weekday']": CONF,
                                "year": WHEN, "label": LIT},
    "pages/visits.py": {"data.settings()['visits']['exempt_weeks']": CONF, "week_range_label(w)": CONF, "year": WHEN},
    "pages/whistle_analysis.py": {"v": LIT + " (STATUS_LABELS)", "moment_label(as_of)": WHEN,
                                  "moment_label(bulletin_cutoff)": WHEN},
}


def _is_md(call: ast.AST) -> bool:
    return isinstance(call, ast.Call) and (
        (isinstance(call.func, ast.Name) and call.func.id == "md")
        or (isinstance(call.func, ast.Attribute) and call.func.attr == "md"))


def _unsafe(node: ast.AST, trusted: dict, allow_md: bool = True) -> list[str]:
    """The parts of a text argument that may carry data without textsafe.md (for raw HTML, allow_md=False:
    md is no escape there, so only trusted values)."""
    if isinstance(node, ast.Constant) or (allow_md and _is_md(node)):
        return []
    if isinstance(node, ast.Attribute) and node.attr == "height":
        return []   # a frame's row count
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values if isinstance(v, ast.FormattedValue) and v.format_spec is None
                for p in _unsafe(v.value, trusted, allow_md)]
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add) or isinstance(node.left, (ast.Constant, ast.JoinedStr)):
            return _unsafe(node.left, trusted, allow_md) + _unsafe(node.right, trusted, allow_md)
        return []   # arithmetic
    if isinstance(node, ast.IfExp):
        return _unsafe(node.body, trusted, allow_md) + _unsafe(node.orelse, trusted, allow_md)
    if isinstance(node, ast.BoolOp):
        return [p for v in node.values for p in _unsafe(v, trusted, allow_md)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [p for v in node.elts for p in _unsafe(v, trusted, allow_md)]
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in NUMERIC_CALLS:
            return []
        if name == "join" and isinstance(node.func.value, ast.Constant) and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
                return _unsafe(arg.elt, trusted, allow_md)
            return [] if ast.unparse(arg) in trusted else [ast.unparse(arg)]
    return [] if ast.unparse(node) in trusted else [ast.unparse(node)]


def _text_args(call: ast.Call) -> list[ast.AST]:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    positions, keywords = MARKDOWN_CALLS.get(name, ((), ()))
    args = [a for i, a in enumerate(call.args) if i in positions]
    return args + [k.value for k in call.keywords if k.arg in keywords or k.arg == "help"]


# the modules of govdash/web that draw parts of the pages (the server, sessions and incidents draw none of the data)
PAGE_PARTS = ("case_panel", "chrome", "data", "dispute_panel", "notify_panel", "publish_panel", "tables", "widgets")


def _rendering_sources():
    from tests.support.paths import REPO

    return [REPO / "app.py", *(REPO / "govdash" / "web" / f"{name}.py" for name in PAGE_PARTS),
            *sorted((REPO / "pages").glob("*.py"))]


def test_data_into_markdown_goes_through_textsafe_md():
    """Every f-string, concatenation or variable given to a markdown-rendering Streamlit call has each
    interpolated value wrapped in textsafe.md(), formatted as a number, or listed in TRUSTED."""
    from tests.support.paths import REPO

    problems = []
    for path in _rendering_sources():
        name = str(path.relative_to(REPO))
        trusted = TRUSTED.get(name, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for arg in _text_args(node):
                    problems += [f"{name}:{node.lineno}: {p}" for p in _unsafe(arg, trusted)]
    assert problems == []


def test_md_only_where_markdown_is_rendered():
    """textsafe.md's backslashes would show in plain-text places (select box options, tables, charts)."""
    from tests.support.paths import REPO

    misplaced = []
    for path in _rendering_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call)
                   for arg in _text_args(call) for n in ast.walk(arg) if _is_md(n)}
        misplaced += [f"{path.relative_to(REPO)}:{n.lineno}" for n in ast.walk(tree)
                      if _is_md(n) and id(n) not in allowed]
    assert misplaced == []


def test_charts_only_through_tables_plot():
    """govdash.web.tables.plot escapes every figure's data text (textsafe.plot_figure): pages never draw directly."""
    direct = [f"{p.name}:{i}" for p in _rendering_sources() if p.name != "tables.py"
              for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"\.(plotly_chart|altair_chart|vega_lite_chart|pyplot|bar_chart|line_chart|area_chart|"
                           r"scatter_chart|map|pydeck_chart|graphviz_chart)\(", line)]
    assert direct == []


# st.html renders raw HTML: nothing from the data goes in, only these values of the product's own
HTML_TRUSTED = {
    "app.py": {"SIGN_OUT": LIT + " (the sign-out address)"},
    "pages/sign_in.py": {"SIGN_IN": LIT + " (the sign-in address)",
                         "quote(here, safe='/')": "this page's own path, URL-quoted (no quote or bracket survives)"},
}


def test_no_data_into_raw_html():
    from tests.support.paths import REPO

    problems = []
    for path in _rendering_sources():
        name = str(path.relative_to(REPO))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "html":
                for arg in node.args[:1] + [k.value for k in node.keywords if k.arg == "body"]:
                    problems += [f"{name}:{node.lineno}: {p}" for p in _unsafe(arg, HTML_TRUSTED.get(name, {}), False)]
    assert problems == []


# ---------------------------------------------------------------- the escape functions themselves

WJ = "\u2060"
PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def hostile_markdown(port: int) -> list[str]:
    host = f"http://127.0.0.1:{port}"
    return hostile_values(port) + [hostile_user(port), f"{host}/bare", "www.example.com/x", "WWW.EXAMPLE.COM",
                                   "a@b.example.com",
                                   f"<{host}/angle>", f"[x]: {host}/ref", ":red[红] :material/home: :smile:", "$x^2$",
                                   "# 标题", "- 项", "1. 项", "**粗** __粗__ *斜*", "`代码`", "~~删~~", "a|b|c",
                                   "&lt;b&gt; &amp;",
                                   "x\\y", "行一\n# 行二\r\n[链](http://h/)", f"<a href='{host}/a'>a</a>", "> 引用",
                                   "***", "=1"]


def test_md_shows_hostile_text_as_itself():
    from govdash.core.textsafe import md

    for text in hostile_markdown(8765):
        out = md(text)
        # what a reader sees is the text itself: resolve the escapes, drop the invisible word joiners
        assert re.sub(r"\\(.)", r"\1", out).replace(WJ, "") == re.sub(r"[\r\n]+", " ", text), text
        # every ASCII punctuation mark is escaped, so no markdown, HTML, math or directive forms
        bare = re.sub(r"\\.", "", out)
        assert not PUNCTUATION.search(bare), (text, out)
        assert "\n" not in out and "\r" not in out
        # and GFM's link literals (URLs, www., e-mail) cannot form after the escapes are resolved
        shown = re.sub(r"\\(.)", r"\1", out)
        assert not re.search(r"://|(?i:www\.)|@[^\u2060]|:[^\u2060]", shown), (text, out)


def test_plot_text_and_figures():
    import html

    import plotly.express as px
    import plotly.graph_objects as go

    from govdash.core.textsafe import plot_figure, plot_text

    bad = hostile_values(8765) + ["<a href='http://127.0.0.1:8765/a'>a</a>", "A & B <b>粗</b>"]
    assert [html.unescape(plot_text(v)) for v in bad] == bad
    assert all("<" not in plot_text(v) and ">" not in plot_text(v) for v in bad)
    assert plot_text(3) == 3 and plot_text(None) is None

    frame = pl.DataFrame({"部门": bad, "得分": list(range(len(bad))),
                          "年度": ["2024年", "<i>2023</i>"] * (len(bad) // 2) + ["x"] * (len(bad) % 2)})
    figures = [
        px.bar(frame.to_pandas(), x="部门", y="得分", color="年度", barmode="group", hover_data={"年度": True},
               category_orders={"部门": bad}),
        px.density_heatmap(frame.to_pandas(), x="年度", y="部门", z="得分"),
        go.Figure(go.Funnel(y=bad, x=list(range(len(bad))))),
        go.Figure(go.Sankey(node=dict(label=bad), link=dict(source=[0], target=[1], value=[1]))),
    ]
    for fig in figures:
        plot_figure(fig)
        strings = []

        def walk(v, key="", strings=strings):
            if isinstance(v, str):
                strings.append((key, v))
            elif isinstance(v, dict):
                for k, x in v.items():
                    walk(x, k)
            elif isinstance(v, (list, tuple)):
                for x in v:
                    walk(x, key)

        walk(fig.to_plotly_json())
        tags = [(k, v) for k, v in strings if re.search(r"<(?!br>|extra>|/extra>)", v)]
        assert tags == []
    bar = figures[0]
    assert {html.unescape(x) for t in bar.data for x in t.x} == set(bad)
    assert all("<br>" in t.hovertemplate and t.hovertemplate.endswith("<extra></extra>") for t in bar.data)
    assert [html.unescape(x) for x in bar.layout.xaxis.categoryarray] == bad


# ---------------------------------------------------------------- the real app in a real browser

PASSWORD = "hostile-password-1"
PAGE_TITLES = ["月度通报", "吹哨报到分析", "部门自查", "联系捆绑走访", "负面清单", "五级双向", "年度考核",
               "数据导入与质量"]
# every element attribute through which a browser fetches or links to a URL
URL_ATTRIBUTES_JS = """host => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
    .filter(a => ['href', 'xlink:href', 'src', 'srcset', 'action', 'formaction', 'poster', 'data', 'background',
                  'style', 'ping'].includes(a.name) && a.value.includes(host))
    .map(a => `${e.tagName} ${a.name}=${a.value}`))"""


def _hover_charts(page) -> None:
    """Hover each chart so plotly draws its hover labels too."""
    for plot in page.locator(".js-plotly-plot .nsewdrag").all():
        try:
            plot.scroll_into_view_if_needed(timeout=5_000)
            box = plot.bounding_box()
            if box:
                for fx in (0.2, 0.5, 0.8):
                    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.6)
                    page.wait_for_timeout(100)
        except Exception:  # noqa: BLE001 — a chart redrawn while hovering; the DOM check below still runs
            pass


def _open_everything(page) -> None:
    """Each tab in turn, its expanders opened and its charts hovered."""
    tabs = page.locator('[data-testid="stMain"] [role="tab"]').all() or [None]
    for tab in tabs:
        if tab is not None:
            tab.click()
            settle(page)
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            if summary.is_visible():
                summary.click()
        settle(page)
        _hover_charts(page)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (scripts/system-deps.sh)")
def test_pages_fetch_nothing_and_link_nothing_from_hostile_data(browser, listener, hostile_db, tmp_path_factory):
    user = hostile_user(listener.port)
    bad = hostile_values(listener.port)
    with app_server(tmp_path_factory.mktemp("hostile-browser"), hostile_db, {user: ("committee", PASSWORD)}) as server:
        page = sign_in(browser, server, (user, PASSWORD))
        shown = {}
        for title in PAGE_TITLES:
            if title != "月度通报":
                go(page, title)
            _open_everything(page)
            page.wait_for_timeout(500)
            assert_clean(page, f"hostile-{title}")
            assert page.evaluate(URL_ATTRIBUTES_JS, listener.host) == [], title
            assert listener.hits == [], title
            shown[title] = page.inner_text("body").replace(WJ, "")
        # an event's trail (its category is hostile): pick the first row of the overdue list
        go(page, "月度通报")
        trail = page.locator('[data-testid="stMarkdown"]', has_text="上报：")
        for _ in range(3):   # the grid is drawn on a canvas: click its first row's selection box
            grid = page.locator('.st-key-overdue_table [data-testid="stDataFrame"]').first
            grid.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
            try:
                trail.first.wait_for(timeout=20_000)
                break
            except Exception:  # noqa: BLE001 — retried; the wait after the loop reports the failure
                settle(page)
        trail.first.wait_for()
        settle(page)
        assert page.evaluate(URL_ATTRIBUTES_JS, listener.host) == []
        assert listener.hits == []
        timeline = trail.first.inner_text().replace(WJ, "")
        assert any(v.strip() in timeline for v in bad), timeline
        assert_clean(page, "hostile-timeline")

        # the data is on screen, as its own characters
        assert f"已登录：{user}" in shown["月度通报"]
        assert any(v in shown["月度通报"] for v in bad[6:])          # a link- or image-named department in the lists
        assert any(f"{v.strip()}本月的走访记录" in shown["联系捆绑走访"] for v in bad)   # an expander label

        # every download: no formula cell, no unescaped formula-like CSV field
        go(page, "月度通报")
        assert_no_formulas(download(page, "下载 Excel 通报"), {bad[0], bad[1]})
        go(page, "年度考核")
        assert_no_formulas(download(page, "下载 Excel 考核表"), {bad[0], bad[1]})
        go(page, "数据导入与质量")
        rows = pl.read_csv(io.BytesIO(download(page, "下载隔离明细（CSV，Excel 可直接打开）")), infer_schema=False)
        assert [v for c in rows.columns for v in rows[c].to_list() if v and v.startswith(DANGEROUS)] == []
        assert "'=cmd|' /C calc'!A0" in rows["值"].to_list()
        assert listener.hits == []
        page.context.close()
