"""Each rate has one definition (warehouse/macros/whistle_rates.sql), so every place that shows it agrees
(issue 12): the 吹哨报到分析 page once divided 及时处置率 by the assignments that responded (`.mean()` over a
null-bearing column) instead of by all dispatched, as the bulletin does."""
from __future__ import annotations

import base64
import datetime as dt
import json
import struct

import pytest
from streamlit.testing.v1 import AppTest

from govdash.core.principal import Principal
from govdash.figures import monthly_rates, whistle_rates
from govdash.figures.monthly_bulletin import bulletin
from tests.conftest import REPO, warehouse_cursor

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
    # the page follows the sidebar's month (its own month slider is gone, issue 14): October alone
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
    from govdash.outputs.bulletin_text import below_threshold

    assert "negative_list_threshold" not in tomllib.loads((REPO / "config" / "settings.toml").read_text(encoding="utf-8"))["whistle"]
    month = "2024-10"
    default = bulletin(cursor, month, AS_OF)
    assert default["settings"]["whistle"]["negative_list_threshold"] == load_scoring().negative_list_threshold == 0.9
    stricter = tmp_path / "scoring.toml"
    stricter.write_text(dump_scoring(load_scoring()).replace("negative_list_threshold = 0.9", "negative_list_threshold = 0.99"),
                        encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SCORING", str(stricter))
    strict = bulletin(cursor, month, AS_OF)
    assert strict["settings"]["whistle"]["negative_list_threshold"] == 0.99
    expected = {d["dept_id"] for d in strict["departments"]
                if any(d[k] is not None and d[k] < 0.99 for k in ("handling_rate", "closure_rate"))}
    assert {d["dept_id"] for d in below_threshold(strict)} == expected
    assert len(expected) > len(below_threshold(default))
