"""Hostile input files (unreadable files and oversized ones): every file problem is one Chinese message naming the
file, the other files of the run still load, and no file can take the server's memory.

Every test writes real files to tmp_path (GBK bytes, BOM, bare CR, xlsx workbooks, a zip bomb)."""
import logging
import os
import re
import subprocess
import sys
import threading
import time
import zipfile

import psutil
import pytest
import xlsxwriter

from pipelines import readers
from pipelines.ingest import ingest
from tests.support.cities import DEPTS, EVENTS, base_files, by_file, write
from tests.support.paths import REPO
from tests.support.warehouse import rows

COMMS = "community_id,community_name,jpc_id\nC1,江湾社区,J1\nC2,海城社区,J1\n"
EVENT_HEADER = "event_id,community_id,reported_at,handling_mode,is_difficult\n"


def settings_with_limits(tmp_path, monkeypatch, **limits):
    """A settings file: the shipped one with its [limits] replaced, used through GOVDASH_SETTINGS."""
    base = (REPO / "config" / "settings.toml").read_text(encoding="utf-8")
    base = re.sub(r"^\[limits\].*?(?=^\[|\Z)", "", base, flags=re.S | re.M)
    body = "\n".join(f"{k} = {v}" for k, v in limits.items())
    path = tmp_path / "settings.toml"
    path.write_text(base + "\n[limits]\n" + body + "\n", encoding="utf-8")
    monkeypatch.setenv("GOVDASH_SETTINGS", str(path))
    return path


def loaded_events(db):
    return rows(db, "select event_id from raw_whistle_events order by event_id")


# ---------------------------------------------------------------- encodings

def test_bom_followed_by_gbk_reads_as_gb18030_and_the_others_load(tmp_path):
    db = tmp_path / "wh.duckdb"
    gbk = tmp_path / "部门.csv"
    gbk.write_bytes(b"\xef\xbb\xbf" + "部门编号,部门名称\nD1,公安局\nD2,执法局\n".encode("gbk"))
    comms = write(tmp_path / "communities.csv", COMMS)
    result = ingest([gbk, comms], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    files = by_file(result)
    assert (files["部门.csv"].encoding, files["部门.csv"].rows_loaded) == ("gb18030", 2)
    assert rows(db, "select dept_name from raw_departments order by dept_id") == [("公安局",), ("执法局",)]
    assert files["communities.csv"].rows_loaded == 2


def test_bom_followed_by_bytes_of_no_encoding_is_one_message(tmp_path):
    db = tmp_path / "wh.duckdb"
    bad = tmp_path / "whistle_events.csv"
    bad.write_bytes(b"\xef\xbb\xbf" + EVENT_HEADER.encode() + b"E1,C1,\xff\xfe\xff,onsite,false\n")
    result = ingest(base_files(tmp_path) + [bad], db_path=db)
    files = by_file(result)
    assert files["whistle_events.csv"].error == "编码无法识别（既不是 UTF-8，也不是 GBK/GB18030）"
    assert files["departments.csv"].rows_loaded == 2 and files["communities.csv"].rows_loaded == 2
    assert rows(db, "select count(*) from raw_departments") == [(2,)]


def test_a_utf8_head_cut_inside_a_character_is_still_utf8(tmp_path):
    """A big file is sniffed from its first 64 KiB: a character cut there does not make it GB18030."""
    head = EVENT_HEADER + "".join(f"E{i},C1,2024-10-08 09:00,onsite,false\n" for i in range(3))
    pad = "事" * ((65536 - len(head.encode())) // 3 + 1)  # a 3-byte character straddles byte 65536
    text = head.replace("E0,C1", f"E0{pad},C1", 1)
    path = tmp_path / "whistle_events.csv"
    path.write_text(text, encoding="utf-8")
    assert readers.detect_encoding(path.read_bytes()[:65536], complete=False) == "utf-8"


# ---------------------------------------------------------------- ragged rows, line endings, truncation

RAGGED = (EVENT_HEADER
          + "E1,C1,2024-10-08 09:00,onsite,false\n"
          + "E2,C2,2024-10-08 10:00,offsite,true,多出来的字段\n"   # row 3: 6 fields
          + "E3,C1,2024-10-08 11:00\n"                              # row 4: 3 fields
          + "\n"                                                    # row 5: blank line
          + "E4,C2,2024-10-08 12:00,onsite,false\n")


def assert_ragged_quarantined(result, db, name="whistle_events.csv"):
    ev = by_file(result)[name]
    assert ev.error is None, ev
    assert (ev.rows_read, ev.rows_loaded, ev.rows_quarantined) == (5, 2, 3)
    assert loaded_events(db) == [("E1",), ("E4",)]
    q = rows(db, "select source_row, column_name, value, reason from quarantine order by source_row")
    assert q == [
        (3, "（整行）", "E2,C2,2024-10-08 10:00,offsite,true,多出来的字段",
         "字段数与表头不一致（应为 5 个，实为 6 个）"),
        (4, "（整行）", "E3,C1,2024-10-08 11:00", "字段数与表头不一致（应为 5 个，实为 3 个）"),
        (5, "（整行）", None, "空行（没有任何字段）"),
    ]


def test_ragged_rows_are_quarantined_with_row_number_and_reason(tmp_path):
    db = tmp_path / "wh.duckdb"
    result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", RAGGED)], db_path=db)
    assert result.exit_code == 2
    assert_ragged_quarantined(result, db)


def test_ragged_rows_in_the_batched_big_file_path(tmp_path, monkeypatch):
    """The >64 MB path (read in batches), on a small file: a batch of 2 rows puts the ragged rows in
    the second and third batches."""
    monkeypatch.setattr(readers, "BIG_FILE_BYTES", 100)
    monkeypatch.setattr(readers, "BATCH_ROWS", 2)
    db = tmp_path / "wh.duckdb"
    events = write(tmp_path / "whistle_events.csv", RAGGED)
    assert readers.read_sources(events).frames[0].frame is None  # really the batched path
    result = ingest(base_files(tmp_path) + [events], db_path=db)
    assert_ragged_quarantined(result, db)


def test_ragged_rows_with_quoted_fields_in_the_batched_path(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BIG_FILE_BYTES", 100)
    monkeypatch.setattr(readers, "BATCH_ROWS", 2)
    db = tmp_path / "wh.duckdb"
    text = (EVENT_HEADER + 'E1,C1,2024-10-08 09:00,onsite,false\n'
            + 'E2,C2,"2024-10-08 10:00",offsite,true,"a,b"\n'
            + 'E3,C1,"2024-10-08\n11:00",onsite,false\n'
            + 'E4,C2,2024-10-08 12:00,onsite,false\n')
    result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", text)], db_path=db)
    ev = by_file(result)["whistle_events.csv"]
    assert (ev.rows_read, ev.rows_loaded, ev.rows_quarantined) == (4, 3, 1), ev
    assert rows(db, "select source_row, column_name, value, reason from quarantine") == [
        (3, "（整行）", "E2,C2,2024-10-08 10:00,offsite,true,a,b", "字段数与表头不一致（应为 5 个，实为 6 个）")]
    # the quoted line break kept E3 one row, in the batch after E2's
    assert rows(db,
                "select event_id, strftime(reported_at, '%H:%M'), _source_row from raw_whistle_events order by 1") == [
        ("E1", "09:00", 2), ("E3", "11:00", 4), ("E4", "12:00", 5)]


@pytest.mark.parametrize("big", [False, True])
def test_a_long_row_and_a_short_row_whose_commas_compensate(tmp_path, monkeypatch, big):
    """A clean unquoted file is proven whole by a strict read plus the comma count; one row with a field
    too many and another with one too few pass the count, so the strict read must catch them (and the
    batched path then reads the file again, exactly)."""
    if big:
        monkeypatch.setattr(readers, "BIG_FILE_BYTES", 100)
        monkeypatch.setattr(readers, "BATCH_ROWS", 2)
    db = tmp_path / "wh.duckdb"
    text = (EVENT_HEADER + "E1,C1,2024-10-08 09:00,onsite,false\n"
            + "E2,C2,2024-10-08 10:00,offsite\n"              # 4 fields
            + "E3,C1,2024-10-08 11:00,onsite,false\n"
            + "E4,C2,2024-10-08 12:00,onsite,false,x\n")       # 6 fields
    result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", text)], db_path=db)
    ev = by_file(result)["whistle_events.csv"]
    assert (ev.rows_read, ev.rows_loaded, ev.rows_quarantined) == (4, 2, 2), ev
    assert rows(db, "select source_row, reason from quarantine order by 1") == [
        (3, "字段数与表头不一致（应为 5 个，实为 4 个）"), (5, "字段数与表头不一致（应为 5 个，实为 6 个）")]
    assert loaded_events(db) == [("E1",), ("E3",)]


def test_bare_cr_line_endings_are_read(tmp_path):
    db = tmp_path / "wh.duckdb"
    cr = tmp_path / "whistle_events.csv"
    cr.write_bytes(EVENTS.replace("\n", "\r").encode("gbk"))
    result = ingest(base_files(tmp_path) + [cr], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    assert rows(db, "select event_id, handling_mode, is_difficult from raw_whistle_events order by 1") == [
        ("E1", "onsite", False), ("E2", "offsite", True)]


def test_bare_cr_in_the_batched_path(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BIG_FILE_BYTES", 100)
    monkeypatch.setattr(readers, "BATCH_ROWS", 1)
    db = tmp_path / "wh.duckdb"
    cr = tmp_path / "whistle_events.csv"
    cr.write_bytes(("\ufeff" + EVENTS).replace("\n", "\r").encode("utf-8"))
    result = ingest(base_files(tmp_path) + [cr], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    assert loaded_events(db) == [("E1",), ("E2",)]


@pytest.mark.parametrize("big", [False, True])
def test_quoted_newline_in_the_last_row_without_final_newline_loads(tmp_path, monkeypatch, big):
    if big:
        monkeypatch.setattr(readers, "BIG_FILE_BYTES", 100)
    db = tmp_path / "wh.duckdb"
    text = ("event_id,community_id,reported_at,handling_mode,is_difficult,title\n"
            "E1,C1,2024-10-08 09:00,onsite,false,路灯\n"
            'E2,C2,2024-10-08 10:00,offsite,true,"井盖缺失\n请尽快处理"')
    result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", text)], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    # the quoted field is read whole; a title is a name, which loses its line break (govdash.core.textsafe)
    assert rows(db, "select event_id, title from raw_whistle_events order by 1") == [
        ("E1", "路灯"), ("E2", "井盖缺失请尽快处理")]
    assert [f.cells_cleaned for f in result.files if f.table == "whistle_events"] == [1]


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("tail,problem", [
    ("E3,C1,2024-10-0", "文件被截断：最后一行字段不完整（文件可能未完整导出）"),
    ('E3,C1,2024-10-08 11:00,onsite,"fal', "文件被截断：最后一个带引号的字段没有结束（文件可能未完整导出）"),
])
def test_a_truncated_file_is_still_reported_and_the_warehouse_keeps_its_rows(tmp_path, monkeypatch, big, tail, problem):
    if big:
        monkeypatch.setattr(readers, "BIG_FILE_BYTES", 100)
    db = tmp_path / "wh.duckdb"
    ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", EVENTS)], db_path=db)
    before = rows(db, "select * exclude (_run_id) from raw_whistle_events order by event_id")
    extra = write(tmp_path / "departments.csv", DEPTS + "D3,民政局\n")
    result = ingest([extra, write(tmp_path / "whistle_events.csv", EVENTS + tail)], db_path=db)
    files = by_file(result)
    assert files["whistle_events.csv"].error == problem
    assert files["departments.csv"].rows_loaded == 1
    assert rows(db, "select * exclude (_run_id) from raw_whistle_events order by event_id") == before


def test_cli_prints_one_chinese_line_for_a_broken_file(tmp_path):
    env = {**os.environ, "GOVDASH_DB": str(tmp_path / "wh.duckdb")}
    bad = tmp_path / "whistle_events.csv"
    bad.write_bytes(EVENTS.encode() + b"E3,C1,2024-10-0")
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "ingest", *map(str, base_files(tmp_path)), str(bad)],
                         capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr + out.stdout
    line = next(x for x in out.stdout.splitlines() if x.startswith("whistle_events.csv"))
    assert line.split(None, 1)[1] == "错误：文件被截断：最后一行字段不完整（文件可能未完整导出）"


# ---------------------------------------------------------------- unexpected errors

def test_an_unexpected_error_in_one_file_is_a_chinese_message_and_logged(tmp_path, monkeypatch, caplog):
    import pipelines.ingest as ingest_module

    real = ingest_module.check_frame

    def broken(spec, frame, *window):
        if spec.name == "whistle_events":
            raise RuntimeError("polars: something deep went wrong")
        return real(spec, frame, *window)

    monkeypatch.setattr(ingest_module, "check_frame", broken)
    db = tmp_path / "wh.duckdb"
    with caplog.at_level(logging.ERROR, logger="pipelines"):
        result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", EVENTS)], db_path=db)
    files = by_file(result)
    assert files["whistle_events.csv"].error == "读取或检查时出现意外错误，本文件未导入（详情已记入服务器日志）"
    assert files["departments.csv"].rows_loaded == 2
    assert rows(db, "select count(*) from raw_whistle_events") == [(0,)]
    logged = [r for r in caplog.records if "whistle_events.csv" in r.getMessage()]
    assert logged and "something deep went wrong" in str(logged[0].exc_info[1])


# ---------------------------------------------------------------- workbooks

def test_every_sheet_whose_header_maps_is_loaded_and_the_others_are_named(tmp_path):
    db = tmp_path / "wh.duckdb"
    path = tmp_path / "基础数据.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("部门")
    ws.write_row(0, 0, ["部门编号", "部门名称"])
    ws.write_row(1, 0, ["D1", "公安局"])
    ws.write_row(2, 0, ["D2", "执法局"])
    ws = wb.add_worksheet("Sheet2")
    ws.write_row(0, 0, ["社区编号", "社区名称", "联合党委编号"])
    ws.write_row(1, 0, ["C1", "江湾社区", "J1"])
    ws = wb.add_worksheet("填表说明")
    ws.write_row(0, 0, ["说明"])
    ws.write_row(1, 0, ["请按模板填写"])
    wb.add_worksheet("Sheet4")  # empty: not worth a mention
    wb.close()
    result = ingest([path], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    files = by_file(result)
    assert set(files) - {"reference_items.csv"} == {"基础数据.xlsx（部门）", "基础数据.xlsx（Sheet2）"}
    assert files["基础数据.xlsx（部门）"].rows_loaded == 2 and files["基础数据.xlsx（Sheet2）"].rows_loaded == 1
    assert files["基础数据.xlsx（部门）"].warning == "已忽略工作表：填表说明（表头无法识别）"
    assert rows(db, "select count(*) from raw_departments") == [(2,)]
    assert rows(db, "select community_name from raw_communities") == [("江湾社区",)]


def test_a_workbook_with_no_sheet_to_load_names_them(tmp_path):
    db = tmp_path / "wh.duckdb"
    path = tmp_path / "导出.xlsx"
    wb = xlsxwriter.Workbook(path)
    for name in ("甲", "乙"):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["姓名", "电话"])
        ws.write_row(1, 0, ["张三", "123"])
    wb.close()
    result = ingest(base_files(tmp_path) + [path], db_path=db)
    assert by_file(result)["导出.xlsx"].error == "没有可导入的工作表：甲（表头无法识别）；乙（表头无法识别）"
    assert by_file(result)["departments.csv"].rows_loaded == 2


def zip_bomb(path, uncompressed_mb):
    """A real xlsx whose one sheet is `uncompressed_mb` MB of identical rows: a few hundred KB on disk."""
    row = "<row>" + "".join(f'<c t="inlineStr"><is><t>x{i}</t></is></c>' for i in range(5)) + "</row>"
    header = ('<row><c t="inlineStr"><is><t>event_id</t></is></c><c t="inlineStr"><is><t>community_id</t></is></c>'
              '<c t="inlineStr"><is><t>reported_at</t></is></c><c t="inlineStr"><is><t>handling_mode</t></is></c>'
              '<c t="inlineStr"><is><t>is_difficult</t></is></c></row>')
    block = (row * (2 ** 20 // len(row))).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.sp'
                   'readsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relations'
                   'hips"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relations'
                   'hips/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relations'
                   'hips"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relations'
                   'hips/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/m'
                        b'ain">'
                        b"<sheetData>" + header.encode())
            for _ in range(uncompressed_mb):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


class PeakRss:
    """The process's peak RSS growth while the block runs, sampled every 10 ms."""

    def __enter__(self):
        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.growth_mb = (self.peak - self.base) / 2 ** 20


def test_zip_bomb_is_refused_before_decompression_with_bounded_memory(tmp_path, monkeypatch):
    bomb = zip_bomb(tmp_path / "whistle_events.xlsx", 400)
    assert bomb.stat().st_size < 2 * 2 ** 20
    opened = []
    monkeypatch.setattr(readers, "_read_sheets", lambda path: opened.append(path) or [])
    db = tmp_path / "wh.duckdb"
    files = base_files(tmp_path)
    with PeakRss() as rss:
        result = ingest(files + [bomb], db_path=db)
    assert opened == []  # never handed to the Excel reader
    error = by_file(result)["whistle_events.xlsx"].error
    assert error == ("Excel 文件解压后共 400 MB，超过上限 300 MB（设置 [limits] max_xlsx_uncompressed_mb），未导入；"
                     "请拆分后再导入")
    assert by_file(result)["departments.csv"].rows_loaded == 2
    assert rss.growth_mb < 300, rss.growth_mb


def test_highly_compressed_workbook_under_the_size_cap_is_refused_by_its_ratio(tmp_path, monkeypatch):
    settings_with_limits(tmp_path, monkeypatch, max_xlsx_uncompressed_mb=300, max_xlsx_compression_ratio=100)
    bomb = zip_bomb(tmp_path / "whistle_events.xlsx", 40)
    result = ingest(base_files(tmp_path) + [bomb], db_path=tmp_path / "wh.duckdb")
    error = by_file(result)["whistle_events.xlsx"].error
    assert error.startswith("Excel 文件压缩比异常（解压后是压缩前的 ")
    assert error.endswith(" 倍，上限 100 倍，设置 [limits] max_xlsx_compression_ratio），疑似“压缩炸弹”，未导入")


def declare_size(path, part, size):
    """Rewrite the uncompressed size the zip's central directory declares for `part`."""
    import struct

    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    pos = struct.unpack("<I", data[end + 16:end + 20])[0]
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        if data[pos + 46:pos + 46 + n] == part.encode():
            data[pos + 24:pos + 28] = struct.pack("<I", size)
        pos += 46 + n + m + k
    path.write_bytes(bytes(data))


def test_a_zip_that_understates_its_sizes_is_refused_before_the_excel_reader(tmp_path, monkeypatch):
    """calamine inflates a part to its end whatever the directory says: the check must inflate it
    itself, a chunk at a time, and stop past the declared size."""
    bomb = zip_bomb(tmp_path / "whistle_events.xlsx", 40)
    declare_size(bomb, "xl/worksheets/sheet1.xml", 2 ** 20)
    assert zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml").file_size == 2 ** 20
    opened = []
    monkeypatch.setattr(readers, "_read_sheets", lambda path: opened.append(path) or [])
    with PeakRss() as rss:
        result = ingest(base_files(tmp_path) + [bomb], db_path=tmp_path / "wh.duckdb")
    assert opened == []
    assert by_file(result)["whistle_events.xlsx"].error == \
        "Excel 文件的压缩目录与内容不符（xl/worksheets/sheet1.xml 解压后大于声明的大小），疑似“压缩炸弹”，未导入"
    assert by_file(result)["departments.csv"].rows_loaded == 2
    assert rss.growth_mb < 100, rss.growth_mb


def test_an_ordinary_workbook_passes_the_archive_checks(tmp_path):
    path = tmp_path / "departments.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["部门编号", "部门名称"])
    for i in range(5000):
        ws.write_row(i + 1, 0, [f"D{i}", "公安局"])
    wb.close()
    result = ingest([path], db_path=tmp_path / "wh.duckdb")
    assert by_file(result)["departments.xlsx"].rows_loaded == 5000


# ---------------------------------------------------------------- limits

def test_rows_per_file_limit(tmp_path, monkeypatch):
    settings_with_limits(tmp_path, monkeypatch, max_rows_per_file=3)
    db = tmp_path / "wh.duckdb"
    text = EVENT_HEADER + "".join(f"E{i},C1,2024-10-08 09:00,onsite,false\n" for i in range(5))
    result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", text)], db_path=db)
    assert by_file(result)["whistle_events.csv"].error == \
        "文件超过 3 行的上限（设置 [limits] max_rows_per_file），未导入；请拆分后再导入"
    assert by_file(result)["departments.csv"].rows_loaded == 2


@pytest.mark.parametrize("key,value,message", [
    ("max_rows_per_file", "-1", "设置 [limits] max_rows_per_file 的值“-1”无效，应为正整数"),
    ("max_upload_mb", '"big"', "设置 [limits] max_upload_mb 的值“big”无效，应为正整数"),
    ("max_xlsx_compression_ratio", "0", "设置 [limits] max_xlsx_compression_ratio 的值“0”无效，应为正数"),
    ("max_quarantine_row", "10", "设置 [limits] 中有未知的项：max_quarantine_row"),
])
def test_limits_are_validated(tmp_path, monkeypatch, key, value, message):
    from pipelines.limits import LimitsError, load_limits

    settings_with_limits(tmp_path, monkeypatch, **{key: value})
    with pytest.raises(LimitsError) as exc:
        load_limits()
    assert str(exc.value) == message
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "ingest",
                          str(write(tmp_path / "departments.csv", DEPTS))],
                         capture_output=True, text=True, env={**os.environ, "GOVDASH_DB": str(tmp_path / "wh.duckdb")},
                         cwd=REPO)
    assert out.returncode == 1 and out.stderr.strip() == f"错误：{message}"


def test_shipped_limits(monkeypatch):
    from pipelines.limits import load_limits

    monkeypatch.delenv("GOVDASH_SETTINGS", raising=False)
    limits = load_limits()
    assert (limits.max_upload_mb, limits.max_xlsx_uncompressed_mb, limits.max_xlsx_compression_ratio,
            limits.max_rows_per_file, limits.max_quarantine_rows_per_column) == (200, 300, 100, 50_000_000, 1000)


def many_bad_events(n):
    """n rows with an unparseable reported_at and an unknown community, and one good row."""
    return (EVENT_HEADER + "".join(f"E{i},C9,yesterday,onsite,false\n" for i in range(n))
            + "G1,C1,2024-10-08 09:00,onsite,false\n")


def test_quarantine_keeps_the_first_n_reasons_per_column_with_exact_counts(tmp_path, monkeypatch):
    settings_with_limits(tmp_path, monkeypatch, max_quarantine_rows_per_column=5)
    db = tmp_path / "wh.duckdb"
    monkeypatch.setenv("GOVDASH_DB", str(db))
    result = ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", many_bad_events(40))], db_path=db)
    ev = by_file(result)["whistle_events.csv"]
    assert (ev.rows_read, ev.rows_loaded, ev.rows_quarantined) == (41, 1, 40)
    assert ev.warning == "共 40 行被隔离，仅保留前 10 条明细"
    assert rows(db, "select column_name, count(*), min(source_row), max(source_row) from quarantine "
                    "group by 1 order by 1") == [
        ("community_id", 5, 2, 6), ("reported_at", 5, 2, 6)]
    assert rows(db, "select column_name, rows, reasons, reasons_kept from quarantine_counts "
                    "where source_file = 'whistle_events.csv' order by column_name nulls first") == [
        (None, 40, 80, 10), ("community_id", 40, 40, 5), ("reported_at", 40, 40, 5)]
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "status"], capture_output=True, text=True,
                         env={**os.environ}, cwd=REPO)
    assert "隔离行数：40" in out.stdout
    assert "  whistle_events.csv：共 40 行被隔离，仅保留前 10 条明细" in out.stdout.splitlines()


def test_reloading_a_file_replaces_its_counts(tmp_path, monkeypatch):
    settings_with_limits(tmp_path, monkeypatch, max_quarantine_rows_per_column=5)
    db = tmp_path / "wh.duckdb"
    ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", many_bad_events(40))], db_path=db)
    ingest([write(tmp_path / "whistle_events.csv", EVENTS)], db_path=db)
    assert rows(db, "select count(*) from quarantine") == [(0,)]
    assert rows(db, "select count(*) from quarantine_counts") == [(0,)]


# ---------------------------------------------------------------- the data page

def test_data_page_shows_exact_counts_and_a_bounded_page_of_rows(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from govdash.records.accounts import Principal

    settings_with_limits(tmp_path, monkeypatch, max_quarantine_rows_per_column=300, max_quarantine_download_rows=500)
    db = tmp_path / "wh.duckdb"
    monkeypatch.setenv("GOVDASH_DB", str(db))
    ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", many_bad_events(400)),
                                   write(tmp_path / "appeals.csv",
                                         "appeal_id,community_id,raised_at,origin_level\nA1,C1,x,1\n")],
           db_path=db)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = Principal("tester", "committee")
    at.run()
    at.switch_page("pages/data_quality.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["隔离行数"] == "401"
    from govdash.core.textsafe import md  # the file name is data: escaped for markdown on the page

    assert any(c.value == md("whistle_events.csv") + "：共 400 行被隔离，仅保留前 600 条明细" for c in at.caption)
    details = next(d.value for d in at.dataframe if "原因" in d.value.columns)
    assert len(details) == 200 and list(details["行号"][:4]) == [2, 2, 2, 3]  # appeals.csv's row first
    assert "下载内容为前 500 条明细（设置 [limits] max_quarantine_download_rows）" in [c.value for c in at.caption]
    at.number_input(key="quarantine_page").set_value(3).run()
    details = next(d.value for d in at.dataframe if "原因" in d.value.columns)
    assert len(details) == 200 and details["行号"].iloc[0] == 201  # the 401st of the sorted detail
    at.selectbox(key="quarantine_file").set_value("appeals.csv").run()
    assert not at.exception, [e.value for e in at.exception]
    details = next(d.value for d in at.dataframe if "原因" in d.value.columns)
    assert list(details["文件"]) == ["appeals.csv"] and list(details["行号"]) == [2]


@pytest.mark.parametrize("older", ["drop table quarantine_counts", "delete from quarantine_counts"])
def test_status_counts_a_quarantine_written_before_the_counts_table(tmp_path, older):
    """A warehouse from before quarantine_counts (or a file loaded then): its detail is complete."""
    import duckdb

    from govdash.figures.data_quality import warehouse_status

    db = tmp_path / "wh.duckdb"
    ingest(base_files(tmp_path) + [write(tmp_path / "whistle_events.csv", many_bad_events(7))], db_path=db)
    con = duckdb.connect(str(db))
    con.execute(older)
    con.close()
    st = warehouse_status(db)
    assert st["quarantined_rows"] == 7
    assert st["quarantine_by_file"] == [{"table": "whistle_events", "file": "whistle_events.csv", "rows": 7,
                                         "note": None}]
