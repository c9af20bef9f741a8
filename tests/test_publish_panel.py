"""定稿发布 on the 月度通报 page feels finished: named steps while it works, what was stored in Chinese, a way to
check for a correction afterwards, and a sentence instead of a PDF button where no PDF can be made.

LibreOffice is taken off PATH here (as on a machine without it), so the PDF is skipped and these tests stay fast."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govdash.core.principal import Principal
from govdash.documents.pdf import soffice
from govdash.documents.publication import PUBLISH_STEPS, publish_month
from tests.support.apptest import open_page

CHAIR = Principal("chair", "committee")
MONTH = "2024-10"


@pytest.fixture
def city(committed_sample_db, tmp_path, monkeypatch) -> Path:
    """A writable copy of the committed sample city, on a PATH without LibreOffice."""
    db = tmp_path / "city.duckdb"
    shutil.copyfile(committed_sample_db, db)
    monkeypatch.setenv("GOVDASH_DB", str(db))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert soffice() is None
    return db


def test_publishing_reports_each_named_step_in_order(city):
    steps: list[str] = []
    record = publish_month(MONTH, CHAIR, db_path=city, progress=steps.append)
    assert steps == ["计算数字", "生成 Word", "生成 Excel", "生成 PDF", "写入归档"] == list(PUBLISH_STEPS)
    assert {f["kind"] for f in record["files"]} == {"json", "docx", "xlsx"}   # no LibreOffice: no PDF


def test_without_libreoffice_the_pdf_button_is_a_sentence_naming_it(city):
    at = open_page(principal=CHAIR, month=MONTH)
    labels = {d.label for d in at.get("download_button") if d.label != "导出 Excel"}
    assert labels == {"下载 Word 通报", "下载 Excel 通报"}
    assert any("本机未安装 LibreOffice，无法生成 PDF" in c.value and "system-deps.sh" in c.value
               for c in at.caption), [c.value for c in at.caption]


def test_the_page_names_what_was_stored_and_offers_the_correction_check(city):
    at = open_page(principal=CHAIR, month=MONTH)
    at.checkbox(key="publish_confirm").check().run()
    next(b for b in at.button if b.key == "publish_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    flash = [s.value for s in at.success if "已定稿发布" in s.value]
    assert flash == ["已定稿发布2024年10月通报（第 1 版）：已存入月度通报 Word、Excel、JSON 文件。"]
    assert not any(".json" in s.value or ".docx" in s.value for s in at.success)
    # afterwards the committee can check for a correction on the page: nothing differs yet
    [check] = [e for e in at.expander if e.label == "核对更正"]
    assert any("与已发布版本相同，无需更正" in s.value for s in check.success)
    assert not [b for b in at.button if b.key == "correction_button"]


def test_a_correction_says_what_it_comes_from():
    """A published month whose only differences are its comparison with earlier months (the month before was
    published since) does not claim that corrected data was imported."""
    from govdash.web.publish_panel import _correction_cause

    compared = [{"section": "上月对比", "item": "全市", "figure": "办结率", "old": "97.2%", "new": "96.8%"},
                {"section": "近12个月趋势", "item": "2024年11月", "figure": "办结率", "old": "97.2%", "new": "96.8%"}]
    own = compared + [{"section": "全市合计", "item": "全市", "figure": "派单数", "old": "458", "new": "459"}]
    assert "之前月份的通报已定稿发布或更正" in _correction_cause(compared)
    assert "导入" not in _correction_cause(compared).split("或")[0]
    assert _correction_cause(own) == "之后导入了更正的数据"
