"""Each rate has one definition (warehouse/macros/whistle_rates.sql), so every place that shows it agrees:
the 吹哨报到分析 page once divided 及时处置率 by the assignments that responded (`.mean()` over a
null-bearing column) instead of by all dispatched, as the bulletin does."""
from __future__ import annotations

import base64
import datetime as dt
import json
import struct

import pytest
from streamlit.testing.v1 import AppTest

from govdash.core.principal import Principal
from govdash.figures.bulletin import bulletin
from govdash.figures.whistle import monthly_rates, whistle_rates
from tests.support.paths import REPO
from tests.support.warehouse import warehouse_cursor

AS_OF = dt.datetime(2024, 11, 6)
RATES = ("handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate")


@pytest.fixture(scope="module")
def cursor(committed_sample_db):
    with warehouse_cursor(committed_sample_db) as cur:
        yield cur


def test_monthly_and_filtered_rates_equal_the_bulletin_for_every_month(cursor):
    by_month = {r["month"]: r for r in monthly_rates(cursor, "2024-01", "2024-10", AS_OF).to_dicts()}
    compared = 0
    for m in range(1, 11):
        month = f"2024-{m:02d}"
        b = bulletin(cursor, month, AS_OF)
        for rate in RATES:
            assert by_month[month][rate] == b["city"][rate], (month, rate)
            compared += 1
        for d in b["departments"][:4]:
            [row] = whistle_rates(cursor, month, month, AS_OF, (d["dept_id"],)).to_dicts()
            for rate in RATES:
                assert row[rate] == d[rate], (month, d["dept_id"], rate)
                compared += 1
    assert compared == 10 * 5 * 5


def _floats(y) -> list[float]:
    if isinstance(y, dict):  # plotly's typed array: base64 little-endian doubles
        raw = base64.b64decode(y["bdata"])
        return list(struct.unpack(f"<{len(raw) // 8}d", raw))
    return list(y)


def test_the_whistle_page_shows_the_bulletins_rates(committed_sample_db, cursor, monkeypatch):
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = Principal("c", "committee")
    at.run()
    at.switch_page("pages/whistle_analysis.py")
    at.run()
    # the page follows the sidebar's month (it has no month slider of its own): October alone
    at.selectbox(key="month").set_value("2024-10").run()
    assert at.radio(key="whistle_scope").value == "本月"
    assert not at.exception, [e.value for e in at.exception]
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "及时处置率" in [t.get("name") for t in json.loads(c.proto.spec)["data"]])
    # the trend runs over the year up to the sidebar's month: October's point
    shown = {t["name"]: _floats(t["y"])[list(t["x"]).index("2024年10月")] for t in spec["data"]}
    # the page's cut-off is "now" (its sidebar default); the bulletin at the same cut-off
    now = AS_OF.now().replace(second=0, microsecond=0)
    city = bulletin(cursor, "2024-10", now)["city"]
    assert shown["及时处置率"] == pytest.approx(city["timely_handling_rate"], abs=1e-9)
    assert shown["按期办结率"] == pytest.approx(city["on_time_closure_rate"], abs=1e-9)


def test_negative_list_threshold_has_one_home_the_scoring_settings(cursor, tmp_path, monkeypatch):
    """4.1.1.1's threshold was set twice (settings.toml [whistle] and scoring.toml [scoring]) and the copies could
    differ: the bulletin's below-threshold list and the assessment's negative list now read the scoring settings."""
    import tomllib

    from govdash.core.scoring import dump_scoring, load_scoring
    from govdash.documents.bulletin_text import below_threshold

    settings = tomllib.loads((REPO / "config" / "settings.toml").read_text(encoding="utf-8"))
    assert "negative_list_threshold" not in settings["whistle"]
    month = "2024-10"
    default = bulletin(cursor, month, AS_OF)
    assert default["settings"]["whistle"]["negative_list_threshold"] == load_scoring().negative_list_threshold == 0.9
    stricter = tmp_path / "scoring.toml"
    stricter.write_text(dump_scoring(load_scoring()).replace("negative_list_threshold = 0.9",
                                                             "negative_list_threshold = 0.99"),
                        encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SCORING", str(stricter))
    strict = bulletin(cursor, month, AS_OF)
    assert strict["settings"]["whistle"]["negative_list_threshold"] == 0.99
    expected = {d["dept_id"] for d in strict["departments"]
                if any(d[k] is not None and d[k] < 0.99 for k in ("handling_rate", "closure_rate"))}
    assert {d["dept_id"] for d in below_threshold(strict)} == expected
    assert len(expected) > len(below_threshold(default))


# ---------------------------------------------------------------- no rate computed outside its SQL macro

# names of the counts a rate divides (and of the helpers that once divided them): a division that reads one of
# these in Python is a rate computed again, beside its definition in warehouse/macros/
COUNT_NAMES = {
    "covered", "required", "covered_weeks", "required_weeks", "cov", "req", "on_time", "weeks_required", "pending",
    "weeks_due", "due", "items", "rectified", "rectified_items", "done", "escalated", "entered", "resolved",
    "resolved_in_community", "dispatched", "handled", "handled_in_time", "closed_on_time", "closed_late",
    "open_in_time", "satisfied", "rated", "carried_up", "appeals", "num", "den", "numerator", "denominator",
}
RUNTIME_DIRS = ("govdash/figures", "govdash/documents", "govdash/web", "pages")


def _names(node) -> set[str]:
    import ast

    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.add(n.value)
    return out


def rate_divisions(source: str) -> list[str]:
    """The divisions in Python source whose operands read a count a rate divides (`a / b`, `a /= b`)."""
    import ast

    found = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, ast.Div):
            left, right = (n.left, n.right) if isinstance(n, ast.BinOp) else (n.target, n.value)
            hit = (_names(left) | _names(right)) & COUNT_NAMES
            if hit:
                found.append(f"line {n.lineno}: {ast.unparse(n)} ({', '.join(sorted(hit))})")
    return found


def test_the_guard_finds_the_rates_python_once_computed():
    """The detector is honest: each of the divisions once made in Python, now in SQL, is found."""
    old = {
        "bulletin_text.visits_text": 'text = f"走访达标率 {pct(cov / req)}"',
        "pages/visits.py": 'm[2].metric("走访达标率", tables.fmt_rate(covered / required if required else None))',
        "figures._ratio": "def _ratio(num, den):\n    return pl.when(den > 0).then(num / den).otherwise(None).round(4)",
        "figures.negative_report_summary": 'x = round(r["on_time"] / (r["weeks_required"] - r["pending"]), 4)',
        "rectified_share": 'x = None if d["items"] == 0 else round(d["rectified"] / d["items"], 4)',
        "bulletin_text.reports_text": 'x = pct(on_time / n) if n else "—"',
        "pages/negative_lists.py": 'x = (pl.col("rectified_items") / pl.col("items")).round(4)',
        "figures.funnel_levels": "x = round(escalated / entered, 4)",
        "community_resolution_share": "x = round(sum(lv['resolved'] for lv in levels if lv['level'] <= "
                                      "3) / resolved, 4)",
    }
    for where, source in old.items():
        assert rate_divisions(source), where
    assert not rate_divisions("progress = i / max(n, 1)\nwidth = size * 1.25 / 25.4")


def test_no_rate_is_computed_in_python_figures_outputs_or_pages():
    """Every rate is one SQL macro (warehouse/macros/*.sql); figures, documents and pages sum no counts to divide
    them again (the 走访达标率 was once divided four times, the 按时上报率 twice)."""
    files = [f for d in RUNTIME_DIRS for f in sorted((REPO / d).rglob("*.py"))]
    assert len(files) > 20
    found = {str(f.relative_to(REPO)): hits for f in files if (hits := rate_divisions(f.read_text(encoding="utf-8")))}
    assert not found, f"rates computed in Python (compute them in SQL with the macro): {found}"


def test_metric_queries_divide_only_through_the_rate_macros():
    """A metric query never writes a division of its own: it calls a rate macro (warehouse/macros) on its counts."""
    import re

    divided = {}
    for f in (sorted((REPO / "warehouse" / "metrics").glob("*.sql"))
              + sorted((REPO / "warehouse" / "models").rglob("*.sql"))):
        code = "\n".join(line.split("--")[0] for line in f.read_text(encoding="utf-8").splitlines())
        code = re.sub(r"'[^']*'", "''", code)   # string literals ('%Y/%m', paths) are not divisions
        if re.search(r"(?<![/*])/(?![/*])", code):
            divided[f.name] = [line.strip() for line in code.splitlines() if "/" in line]
    assert not divided, f"divisions outside the rate macros: {divided}"


def test_the_bulletin_text_states_the_rates_it_is_given():
    """bulletin_text formats the totals the bulletin computed: given a rate that is not covered / required, it
    states that rate (it does not divide again); a bulletin published before the totals were sections says so."""
    from govdash.documents.bulletin_text import reports_text, visits_text

    b = {"departments": [{"dept_id": "D1", "dept_name": "甲局"}], "reference": {"clause_texts": {"E.1.1": "条款甲"}},
         "visits": [{"dept_id": "D1", "jpc_id": "J1", "required_weeks": 7, "covered_weeks": 3,
                     "visit_compliance": 0.4286,
                     "visits": 3, "leader_led_visits": 1, "problems_raised": 2, "problems_solved": 1,
                     "missed_weeks": []}],
         "visit_departments": [{"dept_id": "D1", "visit_compliance": 0.4286}],
         "visit_totals": {"required_weeks": 7, "covered_weeks": 3, "visit_compliance": 0.9, "visits": 3,
                          "leader_led_visits": 1, "problems_raised": 2, "problems_solved": 1, "departments_full": 0},
         "negative_report_totals": {"jpcs": 2, "weeks_due": 10, "on_time": 8, "late": 1, "missing": 1,
                                    "on_time_rate": 0.5,
                                    "items": 4, "rectified_share": None, "top_clause_code": "E.1.1",
                                    "top_clause_items": 3}}
    assert visits_text(b) == ("本月各捆绑部门应走访 7 个联合党委周次，实际走访 3 个，走访达标率 90.0%；共走访 3 次，"
                              "其中市领导带队 1 次，发现问题 2 个，解决 1 个。未全部达标：甲局（42.9%）。")
    assert reports_text(b) == ("2 个联合党委本月应报周报 10 份（已到期），按时 8 份，迟报 1 份，漏报 1 份，按时上报率 "
                               "50.0%；报告负面事项 4 项，最多的是“条款甲”（3 项），整改率 —。")
    archived = {k: v for k, v in b.items() if k not in ("visit_totals", "negative_report_totals")}
    assert "未单列全市走访合计" in visits_text(archived) and "未单列全市负面清单周报合计" in reports_text(archived)
