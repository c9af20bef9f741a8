"""The bulletin's Word and Excel files: content read back, and opened by a real reader (LibreOffice)."""
import io
import json
import shutil
import subprocess
import sys

import openpyxl
import pytest
from docx import Document

from govdash.core.periods import month_bounds
from govdash.documents.documents import HEADER_ROW, bulletin_docx, bulletin_xlsx
from govdash.figures.bulletin import bulletin
from govdash.figures.whistle import assignments
from tests.support.paths import REPO
from tests.support.warehouse import warehouse_cursor

AS_OF = "2024-12-31 23:00:00"


@pytest.fixture(scope="module")
def cur(sample_db):
    with warehouse_cursor(sample_db) as cur:
        yield cur


def test_counts_add_up_and_every_assignment_has_one_class(cur):
    """Property over the sample: dispatched = on time + late + overdue + in time, for every month."""
    for m in range(1, 13):
        month = f"2024-{m:02d}"
        b = bulletin(cur, month, AS_OF)
        for d in b["departments"] + [b["city"]]:
            assert d["dispatched"] == d["closed_on_time"] + d["closed_late"] + d["open_overdue"] + d["open_in_time"]
            assert d["handled"] <= d["dispatched"]
            for k in ("handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate"):
                assert d[k] is None or 0 <= d[k] <= 1
        start, end = month_bounds(month)
        a = assignments(cur, start, end, b["as_of"])
        assert a["status"].null_count() == 0
        assert a.select(["event_id", "dept_id", "dispatch_seq"]).is_duplicated().sum() == 0
        assert sum(d["dispatched"] + d["returned"] for d in b["departments"]) == a.height
        ranks = [d["rank"] for d in b["departments"]]
        assert ranks == sorted(ranks) and ranks[0] == 1
        # visits and weekly reports add up, every month
        assert b["visits"], month
        for v in b["visits"]:
            assert 0 <= v["covered_weeks"] <= v["required_weeks"]
            assert len(v["missed_weeks"]) == v["required_weeks"] - v["covered_weeks"]
            assert v["problems_solved"] <= v["problems_raised"] and v["leader_led_visits"] <= v["visits"]
        assert len(b["negative_reports"]) == 25
        for r in b["negative_reports"]:
            assert r["on_time"] + r["late"] + r["missing"] + r["pending"] == r["weeks_required"] in (4, 5)
            assert sum(r["items_by_clause"].values()) == r["items"]
            assert (r["rectified_share"] is None) == (r["items"] == 0)
        # every month's Word and Excel files carry the new sections
        xbuf, dbuf = io.BytesIO(), io.BytesIO()
        bulletin_xlsx(b, xbuf)
        bulletin_docx(b, None, dbuf)
        assert openpyxl.load_workbook(xbuf)["走访明细（捆绑关系）"].max_row == len(b["visits"]) + HEADER_ROW
        assert "七、负面清单周报" in [p.text for p in Document(dbuf).paragraphs]
        assert "九、五级双向诉求" in [p.text for p in Document(dbuf).paragraphs]
        levels = b["funnel"]["levels"]
        for lower, upper in zip(levels, levels[1:]):
            # an appeal escalated from k enters k+1 (appeals may also enter at k+1 directly)
            assert upper["entered"] >= lower["escalated"]
        for lv in levels:
            assert lv["entered"] == lv["resolved"] + lv["escalated"] + lv["withdrawn"] + lv["open"]
        ytd_threshold = b["settings"]["whistle"]["negative_list_threshold"]
        for d in b["assessment_negative_list"]:
            assert min(x for x in (d["handling_rate"], d["closure_rate"]) if x is not None) < ytd_threshold


def test_cli_bulletin_json_shape(sample_warehouse):
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "report", "bulletin", "--month", "2024-10",
                          "--as-of", AS_OF, "--format", "json"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    b = json.loads(out.stdout)
    assert set(b) >= {"month", "as_of", "settings", "departments", "overdue", "city"}
    assert b["as_of"] == AS_OF and len(b["departments"]) == 18
    assert set(b["departments"][0]) == {"dept_id", "dept_name", "dispatched", "handled", "handling_rate",
                                        "timely_handling_rate", "closed_on_time", "closed_late", "open_overdue",
                                        "open_in_time", "closure_rate", "on_time_closure_rate", "satisfaction_rate",
                                        "returned", "escalated", "rank"}
    bad = subprocess.run([sys.executable, "-m", "govdash.cli", "report", "bulletin", "--month", "2024/10"],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and "无法识别的月份" in bad.stderr


def _libreoffice_opens(path, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice not installed (scripts/system-deps.sh installs it)")
    res = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                          "--outdir", str(tmp_path), str(path)], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (path.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 1000, res.stdout + res.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.browser  # opened by LibreOffice
def test_word_bulletin(cur, tmp_path):
    b = bulletin(cur, "2024-10", AS_OF)
    prev = bulletin(cur, "2024-09", AS_OF)
    path = tmp_path / "bulletin.docx"
    bulletin_docx(b, prev, path)
    doc = Document(path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2024年10月“社区吹哨、部门报到”\n工作情况通报" in text   # the title broken between words
    assert f"全市共派出吹哨任务 {b['city']['dispatched']} 件" in text
    assert "较上月" in text and "红榜" in text and "黑榜" in text and "口径与设置" in text
    for heading in ("考核负面清单（年度累计）", "联系捆绑走访", "负面清单周报", "减负负面清单", "九、五级双向诉求"):
        assert heading in text
    covered = sum(v["covered_weeks"] for v in b["visits"])
    required = sum(v["required_weeks"] for v in b["visits"])
    assert f"应走访 {required} 个联合党委周次，实际走访 {covered} 个" in text
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    visit_table = doc.tables[headers.index(["部门", "捆绑联合党委数", "应走访周数", "已走访周数", "走访达标率",
                                            "走访次数", "市领导带队次数", "发现问题", "解决问题", "缺访周次"])]
    assert sum(int(r.cells[3].text) for r in visit_table.rows[1:]) == covered
    # clauses by their text, not their code
    clause_table = doc.tables[headers.index(["条款内容", "事项数", "涉及联合党委数"])]
    assert clause_table.rows[1].cells[0].text.startswith(("严禁", "不准"))
    ranking = doc.tables[headers.index(["排名", "部门", "派单数", "处置率", "及时处置率", "办结率", "按期办结率",
                                        "满意率", "退单数"])]
    assert ranking.rows[0].cells[1].text == "部门"
    assert ranking.rows[1].cells[1].text == b["departments"][0]["dept_name"]
    _libreoffice_opens(path, tmp_path)


@pytest.mark.browser  # opened by LibreOffice
def test_excel_bulletin(cur, tmp_path):
    b = bulletin(cur, "2024-10", AS_OF)
    path = tmp_path / "bulletin.xlsx"
    bulletin_xlsx(b, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["部门排名", "全市汇总", "红榜", "黑榜", "低于阈值", "超期未办结", "走访达标（部门）",
                             "走访明细（捆绑关系）", "负面清单周报", "负面事项按条款", "考核负面清单", "减负负面清单",
                             "五级诉求漏斗", "漏斗（按社区和类别）", "申诉核减统计", "批准的申诉核减事项",
                             "设置与口径"]
    funnel = wb["五级诉求漏斗"]
    first = HEADER_ROW + 1   # below the title block and the header row
    assert [funnel.cell(i, 3).value for i in range(first, first + 5)] == [lv["entered"] for lv in b["funnel"]["levels"]]
    assert wb["走访明细（捆绑关系）"].max_row == len(b["visits"]) + HEADER_ROW
    assert wb["负面清单周报"].max_row == len(b["negative_reports"]) + HEADER_ROW
    assert wb["减负负面清单"].max_row == len(b["burden_negative_list"]) + HEADER_ROW
    weekly = wb["负面清单周报"]
    wh = [c.value for c in weekly[HEADER_ROW]]
    assert sum(weekly.cell(i, wh.index("漏报") + 1).value for i in range(first, weekly.max_row + 1)) == sum(
        r["missing"] for r in b["negative_reports"])
    ws = wb["部门排名"]
    header = [c.value for c in ws[HEADER_ROW]]
    col = header.index("按期办结率") + 1
    top = b["departments"][0]
    assert ws.cell(first, col).value == pytest.approx(top["on_time_closure_rate"])
    assert ws.cell(first, col).number_format == "0.0%"
    assert ws.cell(first, header.index("派单数") + 1).value == top["dispatched"]
    assert wb["超期未办结"].max_row == len(b["overdue"]) + HEADER_ROW
    _libreoffice_opens(path, tmp_path)


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "govdash.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env=env)


def test_cli_gives_a_department_its_own_view_ranked_on_the_whole_city(sample_warehouse, tmp_path, cur):
    """`report … --user` is the page's view without the pages: the same rule, the same cut; a department's
    rank is out of every department, and the files are the ones its download buttons give."""
    import os

    from govdash.core.principal import Principal
    from govdash.figures import catalogue

    env = {**os.environ, "GOVDASH_ACCOUNTS": str(tmp_path / "accounts.toml")}
    whole = bulletin(cur, "2024-10", AS_OF)
    worst = whole["lists"]["black"][0]
    assert _cli("user", "add", "dept", "--role", f"department:{worst}", "--password", "pw-0123456789",
                env=env).returncode == 0
    out = _cli("report", "bulletin", "--month", "2024-10", "--as-of", AS_OF, "--user", "dept", env=env)
    assert out.returncode == 0, out.stderr
    reading = json.loads(out.stdout)
    # SPEC 8.1: the city's bulletin as the committee reads it, then the department's own rows as an extract
    mine = reading.pop("department_extract")
    assert reading == json.loads(json.dumps(whole, ensure_ascii=False))
    expected = catalogue.cut_bulletin(whole, Principal("dept", "department", worst), catalogue.bound_jpcs_of(
        cur, Principal("dept", "department", worst)))
    assert mine == json.loads(json.dumps(expected, ensure_ascii=False))
    assert [d["dept_id"] for d in mine["departments"]] == [worst]
    assert mine["departments"][0]["rank"] == next(d["rank"] for d in whole["departments"] if d["dept_id"] == worst)
    assert mine["department_count"] == len(whole["departments"]) == 18
    assert mine["lists"]["black"] == [worst] and mine["lists"]["red"] == [] and mine["funnel"] is None

    docx = tmp_path / "mine.docx"
    assert _cli("report", "bulletin", "--month", "2024-10", "--as-of", AS_OF, "--user", "dept", "--format", "docx",
                "--out", str(docx), env=env).returncode == 0
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    city, extract = "\n".join(paragraphs[:paragraphs.index("本部门情况摘要")]), "\n".join(paragraphs)
    name = mine["departments"][0]["dept_name"]
    # the city's lists in the city's text; the department's own standing in its extract only
    assert f"黑榜（按期办结率后列）：{name}" in city and "红榜（按期办结率前列）：无" not in city
    assert "本部门列入黑榜" in extract

    a = _cli("report", "assessment", "--year", "2024", "--as-of", "2025-01-10 00:00:00", "--user", "dept", env=env)
    assert a.returncode == 0, a.stderr
    assert [d["dept_id"] for d in json.loads(a.stdout)["departments"]] == [worst]

    nobody = _cli("report", "bulletin", "--month", "2024-10", "--user", "nobody", env=env)
    assert nobody.returncode == 1 and "没有账号" in nobody.stderr and "Traceback" not in nobody.stderr


@pytest.mark.parametrize("month, as_of", [("2024-10", AS_OF), ("2024-03", "2024-04-03 12:00:00"), ("2024-01", AS_OF)])
def test_a_month_is_compared_with_the_month_befores_city_totals_at_the_same_cutoff(cur, month, as_of):
    """The comparison is the month before's "city" section as its whole bulletin would give it, at the cut-off of
    the month compared (January: a December without data, nothing dispatched)."""
    from govdash.core.periods import previous_month
    from govdash.figures.bulletin import comparison

    whole = bulletin(cur, previous_month(month), as_of)
    assert comparison(cur, month, as_of) == {"city": whole["city"]}
    assert (whole["city"]["dispatched"] > 0) == (month != "2024-01")


def _document_xml(docx: bytes) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")


def test_the_word_file_compared_with_the_city_totals_is_the_one_compared_with_the_whole_month_before(cur):
    """Reading only the month before's city totals changes nothing in the Word file: its 较上月 sentence included."""
    from govdash.documents.documents import render_bulletin
    from govdash.figures.bulletin import comparison

    b = bulletin(cur, "2024-10", AS_OF)
    previous = comparison(cur, "2024-10", AS_OF)
    word = render_bulletin("docx", b, previous)
    text = "\n".join(p.text for p in Document(io.BytesIO(word)).paragraphs)
    assert "派单数较上月" in text and "按期办结率" in text
    assert _document_xml(word) == _document_xml(render_bulletin("docx", b, bulletin(cur, "2024-09", AS_OF)))


def test_the_cli_word_file_of_a_department_is_its_bulletin_compared_with_the_city_totals(sample_warehouse, tmp_path,
                                                                                         cur):
    """`report bulletin --format docx --user`: the city's bulletin compared with the month before's city totals (the
    city's for everyone), then the department's cut of the month as its extract: the document the catalogue gives."""
    import os

    from govdash.core.principal import Principal
    from govdash.documents.documents import render_bulletin
    from govdash.figures import catalogue
    from govdash.figures.bulletin import comparison

    env = {**os.environ, "GOVDASH_ACCOUNTS": str(tmp_path / "accounts.toml")}
    assert _cli("user", "add", "d13", "--role", "department:D13", "--password", "pw-0123456789",
                env=env).returncode == 0
    out = tmp_path / "d13.docx"
    run = _cli("report", "bulletin", "--month", "2024-10", "--as-of", AS_OF, "--user", "d13", "--format", "docx",
               "--out", str(out), env=env)
    assert run.returncode == 0, run.stderr
    p = Principal("d13", "department", "D13")
    mine = catalogue.view_as(p, bulletin(cur, "2024-10", AS_OF), catalogue.bulletin, cur)
    previous = catalogue.view_as(p, comparison(cur, "2024-10", AS_OF), catalogue.comparison, cur)
    assert previous == {"city": bulletin(cur, "2024-09", AS_OF)["city"]}
    whole = catalogue.view_as(p, bulletin(cur, "2024-10", AS_OF), catalogue.circulated_bulletin, cur)
    assert _document_xml(out.read_bytes()) == _document_xml(render_bulletin("docx", whole, previous, mine))
