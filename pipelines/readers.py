"""Reading source files: CSV in UTF-8 / UTF-8 with BOM / GBK (GB18030), and Excel .xlsx.

A file that cannot be read raises SourceError with one Chinese message naming the problem; the ingest
names the file and still loads the other files of the run.

CSV
- Encodings: UTF-8, UTF-8 with BOM, GBK/GB18030. A UTF-8 BOM followed by bytes that are GB18030 but not
  UTF-8 (a GBK export that some tool prefixed with a BOM) is read as GB18030.
- Line endings: LF, CRLF, or bare CR (old Mac exports).
- Ragged rows (a field count other than the header's) do not fail the file: their values are emptied
  and the ingest quarantines each with its row number and the reason "字段数与表头不一致（应为 N 个，
  实为 M 个）" (a blank line: "空行（没有任何字段）"); the rest of the file loads. A row cut short at the
  end of a file without a final line break is a truncated file instead.
  Finding them costs nothing for a clean file without quotes: polars' strict read fails on any row with
  more fields than the header, and if none has more, the commas adding up to (fields − 1) × records
  proves that none has fewer (_fields_add_up). Any other file gets _csv_shape, an exact pass.
- Files above BIG_FILE_BYTES are read in batches of BATCH_ROWS rows, so memory holds one batch at a time.

Excel
- The zip is checked before the workbook is opened: the sizes its directory declares ([limits]: total
  uncompressed size and compression ratio), then each part inflated here a chunk at a time and stopped
  past its declared size (calamine inflates a part to its end whatever the directory says). A "zip
  bomb" is refused with bounded memory, before the Excel reader sees it.
- Every sheet whose name or header maps to a table loads (a workbook with several sheets names each
  source "file（sheet）"); the sheets that do not are named in the result's note.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import struct
import zipfile
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from govdash.core.tables import TableSpec, normalise_header, table_specs
from pipelines.limits import Limits, load_limits

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".csv", ".txt", ".xlsx"}

# CSV files above this size are read in batches of BATCH_ROWS rows, so memory holds one batch at a time
BIG_FILE_BYTES = 64 * 2 ** 20
BATCH_ROWS = 250_000

WHOLE_ROW = "（整行）"           # the quarantine's column for a row that is wrong as a whole
BLANK_ROW = "空行（没有任何字段）"
ROW_TEXT_CHARS = 200             # a ragged row's text shown in the quarantine, at most
# reading with a separator that no export holds gives whole lines (a file holding it takes the csv module)
LINE_SEPARATOR = "\x1f"
# below this (bytes, uncompressed) a workbook cannot hurt whatever its compression ratio
RATIO_FLOOR = 8 * 2 ** 20

ENCODING_UNKNOWN = "编码无法识别（既不是 UTF-8，也不是 GBK/GB18030）"
TRUNCATED_ROW = "文件被截断：最后一行字段不完整（文件可能未完整导出）"
TRUNCATED_QUOTE = "文件被截断：最后一个带引号的字段没有结束（文件可能未完整导出）"
ROWS_UNCLEAR = "CSV 格式错误：引号不成对或位置不正确，无法确定每一行的字段"
CSV_UNREADABLE = "CSV 格式错误，无法解析（详情已记入服务器日志）"
EXCEL_UNREADABLE = "Excel 文件无法读取（格式错误或已损坏）"
UNEXPECTED = "读取或检查时出现意外错误，本文件未导入（详情已记入服务器日志）"
SPLIT_FILE = "未导入；请拆分后再导入"


class RaggedRows(Exception):
    """A big CSV read strictly met a row with more fields than its header: the ingest then calls
    SourceFrame.find_ragged_rows() and reads it again (batches already staged are discarded)."""


class SourceError(Exception):
    """A file that cannot be read at all (wrong format, empty, truncated, no header, over a limit)."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{Path(path).name}: {problem}")


def unexpected_error(name: str, exc: BaseException) -> SourceError:
    """An error nobody foresaw while reading or checking one file: the original goes to the server's
    log, the user gets one Chinese message (never a traceback, never a library's English)."""
    log.error("读取或检查 %s 时出现意外错误", name, exc_info=exc)
    return SourceError(name, UNEXPECTED)


def _logged(path: Path, problem: str, exc: BaseException) -> SourceError:
    """A known kind of failure from a library (polars, calamine): its English goes to the log only."""
    log.warning("%s: %s", path.name, problem, exc_info=exc)
    return SourceError(path, problem)


def _too_many_rows(path: Path, limits: Limits) -> SourceError:
    return SourceError(path,
                       f"文件超过 {limits.max_rows_per_file:,} 行的上限（设置 [limits] "
                       f"max_rows_per_file），{SPLIT_FILE}")


RAGGED_SCHEMA = {"row_index": pl.Int64, "fields": pl.Int64, "text": pl.Utf8}


@dataclass
class SourceFrame:
    path: Path
    table: TableSpec
    frame: pl.DataFrame | None  # canonical column names; strings (CSV) or native cell types (xlsx)
    extra_columns: list[str]
    encoding: str
    batches: object = None      # for a big CSV: batches(ragged) yields frames like `frame`, in file order
    name: str = ""              # the source's name: the file's, or "file（sheet）" in a workbook of several
    # CSV rows whose field count is wrong (RAGGED_SCHEMA), their values emptied; None for a big CSV
    # believed whole and read strictly (see RaggedRows)
    ragged: pl.DataFrame | None = None
    expected_fields: int = 0
    shape: object = None        # for a big CSV: computes its CsvShape

    def __post_init__(self):
        self.name = self.name or self.path.name

    def iter_frames(self):
        if self.frame is not None:
            yield self.frame
        else:
            yield from self.batches(self.ragged)

    def find_ragged_rows(self) -> None:
        self.ragged = self.shape().ragged

    def read_failures(self, offset: int, height: int) -> pl.DataFrame | None:
        """The ragged rows among rows offset .. offset+height-1, as failures (row_index relative to
        that batch, column_name, value, reason), or None."""
        rows = _ragged_in(self.ragged, offset, height)
        if rows is None:
            return None
        return rows.select(
            pl.col("row_index") - offset,
            pl.lit(WHOLE_ROW).alias("column_name"),
            pl.col("text").alias("value"),
            pl.when(pl.col("fields") == 0).then(pl.lit(BLANK_ROW))
            .otherwise(pl.format("字段数与表头不一致（应为 {} 个，实为 {} 个）", pl.lit(self.expected_fields),
                                 "fields"))
            .alias("reason"),
        )


@dataclass
class SourceFile:
    frames: list[SourceFrame]   # one per table the file holds (a workbook may hold several), by table order
    note: str | None = None     # what the user should know although nothing failed (sheets not loaded)


# ---------------------------------------------------------------- encodings and line endings

def detect_encoding(data: bytes, complete: bool = True) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030'. `complete=False` for the head of a file: a character cut at
    its end is then no reason to doubt UTF-8."""
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(body, final=complete)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if bom and encoding == "utf-8" else encoding
    raise ValueError(ENCODING_UNKNOWN)


def _as_utf8(data: bytes, encoding: str) -> bytes:
    """The file's bytes as UTF-8, without a BOM."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return data.decode("gb18030").encode("utf-8") if encoding == "gb18030" else data


def _line_end(head: bytes) -> str:
    """'\\r' for bare CR line endings (old Mac exports), else '\\n' (LF, or CRLF: polars drops the CR)."""
    return "\r" if b"\r" in head and b"\n" not in head else "\n"


def _needs_csv_module(data: bytes) -> bool:
    """Quote characters (fields may hold commas and line breaks) or the line separator: then only a
    real CSV parser can tell where records and fields end."""
    return b'"' in data or LINE_SEPARATOR.encode() in data


# ---------------------------------------------------------------- the shape of a CSV: every record's field count

@dataclass
class CsvShape:
    header: list[str]
    rows: int                 # data rows: the records after the header, blank lines included
    ragged: pl.DataFrame      # RAGGED_SCHEMA: row_index (0 = first data row), fields (0 = blank line), text
    last_fields: int          # the last record's field count (the header's when there are no rows)


def _ragged_frame(index, fields, texts: list) -> pl.DataFrame:
    return pl.DataFrame({"row_index": index, "fields": fields, "text": texts + [None] * (len(index) - len(texts))},
                        schema=RAGGED_SCHEMA)


def _plain_shape(path: Path, source: bytes | Path, eol: str, limits: Limits) -> CsvShape:
    """A CSV without quote characters: a record is a line, its fields are its commas + 1 (vectorised)."""
    lines = pl.scan_csv(source, has_header=False, separator=LINE_SEPARATOR, quote_char=None,
                        schema={"line": pl.Utf8}, eol_char=eol, truncate_ragged_lines=True)
    header, rows, last, kept, parts = None, 0, 0, 0, []
    for batch in lines.collect_batches(chunk_size=BATCH_ROWS):
        text = batch.get_column("line")
        if header is None:
            header = (text[0] or "").lstrip("\ufeff").split(",")
            last = len(header)
            text = text.slice(1)
        fields = (text.str.count_matches(",", literal=True).cast(pl.Int64) + 1).fill_null(0)
        bad = (fields != len(header)).arg_true()
        if bad.len():
            texts = text.gather(bad.head(max(limits.max_quarantine_rows_per_column - kept, 0)))
            parts.append(_ragged_frame(bad.cast(pl.Int64) + rows, fields.gather(bad),
                                       texts.str.slice(0, ROW_TEXT_CHARS).to_list()))
            kept += texts.len()
        if text.len():
            last = fields[-1]
        rows += text.len()
        if rows > limits.max_rows_per_file:
            raise _too_many_rows(path, limits)
    ragged = pl.concat(parts) if parts else _ragged_frame([], [], [])
    return CsvShape(header=header or [""], rows=rows, ragged=ragged, last_fields=last)


def _quoted_shape(path: Path, source: bytes | Path, _eol: str, limits: Limits) -> CsvShape:
    """A CSV with quote characters: Python's csv module parses the quoting (exact; slower than polars,
    so only for the files that need it). It knows LF, CRLF and CR itself: `_eol` (taken as _plain_shape takes it)
    is not needed."""
    raw = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    index, counts, texts = array("q"), array("q"), []
    keep, most = limits.max_quarantine_rows_per_column, limits.max_rows_per_file
    with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        try:
            header = next(reader, [""])
            n, last = -1, len(header)
            for n, record in enumerate(reader):
                last = len(record)
                if last != len(header):
                    index.append(n)
                    counts.append(last)
                    if len(texts) < keep:
                        texts.append(",".join(record)[:ROW_TEXT_CHARS] or None)
                if n >= most:
                    raise _too_many_rows(path, limits)
        except csv.Error as exc:
            raise _logged(path, f"CSV 格式错误：第 {reader.line_num:,} 行附近无法解析（字段过长或引号不成对）",
                          exc) from None
    return CsvShape(header=header, rows=n + 1, ragged=_ragged_frame(index.tolist(), counts.tolist(), texts),
                    last_fields=last)


def _csv_shape(path: Path, source: bytes | Path, eol: str, csv_module: bool, limits: Limits) -> CsvShape:
    return (_quoted_shape if csv_module else _plain_shape)(path, source, eol, limits)


def _check_complete(path: Path, shape: CsvShape, ends_with_line_break: bool, open_quote: bool) -> None:
    """A file that stops inside a row was cut off (an interrupted export or copy): nothing of it loads.
    A last row without a final line break is complete when it has all its fields (it may hold a quoted
    line break)."""
    if ends_with_line_break:
        return
    if open_quote:
        raise SourceError(path, TRUNCATED_QUOTE)
    if shape.rows and 0 < shape.last_fields < len(shape.header):
        raise SourceError(path, TRUNCATED_ROW)


def _ragged_in(ragged: pl.DataFrame | None, offset: int, height: int) -> pl.DataFrame | None:
    if ragged is None or ragged.height == 0:
        return None
    rows = ragged.filter(pl.col("row_index").is_between(offset, offset + height - 1))
    return rows if rows.height else None


def _empty_ragged_rows(frame: pl.DataFrame, ragged: pl.DataFrame, offset: int) -> pl.DataFrame:
    """The frame with its ragged rows' values emptied: their fields are not where the header says, so
    none of them may load or be compared (a truncated key must not collide with a good row's)."""
    rows = _ragged_in(ragged, offset, frame.height)
    if rows is None:
        return frame
    hit = pl.int_range(pl.len()).is_in((rows.get_column("row_index") - offset).implode())
    return frame.with_columns(pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns)


# ---------------------------------------------------------------- CSV files

def _fields_add_up(commas: int, records: int, fields: int) -> bool:
    """With no record holding more than `fields` fields (a strict read passed) and no quotes, the
    commas adding up to (fields - 1) per record (header included) means every record holds exactly
    `fields`: one short record would need another long one."""
    return fields > 1 and commas == (fields - 1) * records


def _read_csv(path: Path, data: bytes, table: str | None, limits: Limits) -> SourceFrame:
    if not data.strip():
        raise SourceError(path, "文件为空")
    try:
        encoding = detect_encoding(data)
    except ValueError as exc:
        raise SourceError(path, str(exc)) from None
    data = _as_utf8(data, encoding)
    eol = _line_end(data[:65536])
    csv_module = _needs_csv_module(data)
    frame, ragged, expected = None, _ragged_frame([], [], []), 0
    if not csv_module:
        try:  # the fast path, for a clean file (see the module's docstring)
            frame = pl.read_csv(io.BytesIO(data), infer_schema=False, truncate_ragged_lines=False, eol_char=eol)
        except pl.exceptions.PolarsError:
            frame = None
        if frame is not None and not _fields_add_up(data.count(b","), frame.height + 1, frame.width):
            frame = None
    if frame is None:
        shape = _csv_shape(path, data, eol, csv_module, limits)
        _check_complete(path, shape, data.endswith((b"\n", b"\r")), data.count(b'"') % 2 == 1)
        try:
            frame = pl.read_csv(io.BytesIO(data), infer_schema=False, truncate_ragged_lines=True, eol_char=eol)
        except pl.exceptions.PolarsError as exc:
            raise _logged(path, CSV_UNREADABLE, exc) from None
        if frame.height != shape.rows:
            raise SourceError(path, ROWS_UNCLEAR)
        ragged, expected = shape.ragged, len(shape.header)
        frame = _empty_ragged_rows(frame, ragged, 0)
    if frame.height > limits.max_rows_per_file:
        raise _too_many_rows(path, limits)
    headers = [str(h) for h in frame.columns]
    spec, renames, extras = _map_headers(path, headers, _identify([path.stem], headers, table))
    return SourceFrame(path=path, table=spec, frame=_canonical(frame, spec, renames), extra_columns=extras,
                       encoding=encoding, ragged=ragged, expected_fields=expected)


@dataclass
class _ByteCounts:
    quotes: int = 0
    commas: int = 0
    line_breaks: int = 0
    csv_module: bool = False  # see _needs_csv_module


def _scan_utf8(path: Path, skip: int, eol: str) -> _ByteCounts:
    """Stream the whole file through a UTF-8 decoder: a big file is read in batches only once it is
    known to decode, so a bad byte late in the file cannot stop a load half-way. Counts on the way
    what _fields_add_up and _check_complete need."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    counts = _ByteCounts()
    with open(path, "rb") as fh:
        fh.seek(skip)
        try:
            while chunk := fh.read(16 * 2 ** 20):
                decoder.decode(chunk)
                counts.commas += chunk.count(b",")
                counts.line_breaks += chunk.count(eol.encode())
                if _needs_csv_module(chunk):
                    counts.csv_module = True
                    counts.quotes += chunk.count(b'"')
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SourceError(path, "文件编码不一致：开头是 UTF-8，后面有无法按 UTF-8 读取的内容") from None
    return counts


def _read_big_csv(path: Path, table: str | None, limits: Limits) -> SourceFrame | None:
    """A big UTF-8 CSV as batches; None when it is not one (the caller then reads it whole)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
        fh.seek(max(0, path.stat().st_size - 1))
        tail = fh.read()
    if not head.strip():
        raise SourceError(path, "文件为空")
    try:
        encoding = detect_encoding(head, complete=False)
    except ValueError:
        return None
    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    eol = _line_end(head)
    counts = _scan_utf8(path, 3 if encoding == "utf-8-sig" else 0, eol)
    complete = tail in (b"\n", b"\r")

    def shape() -> CsvShape:
        found = _csv_shape(path, path, eol, counts.csv_module, limits)
        _check_complete(path, found, complete, counts.quotes % 2 == 1)
        return found

    header = next(csv.reader(io.StringIO(head.decode("utf-8-sig", errors="ignore"), newline="")), [""])
    records = counts.line_breaks + (0 if complete else 1)
    if not counts.csv_module and _fields_add_up(counts.commas, records, len(header)):
        ragged, rows = None, records - 1  # believed whole: read strictly
        if rows > limits.max_rows_per_file:
            raise _too_many_rows(path, limits)
    else:
        found = shape()
        header, ragged, rows = found.header, found.ragged, found.rows
    headers = [h.strip() for h in header]
    spec, renames, extras = _map_headers(path, headers, _identify([path.stem], headers, table))

    def batches(ragged: pl.DataFrame | None):
        lazy = pl.scan_csv(path, infer_schema=False, truncate_ragged_lines=ragged is not None, eol_char=eol)
        offset = 0
        try:
            for batch in lazy.collect_batches(chunk_size=BATCH_ROWS):
                batch = _empty_ragged_rows(batch.rename(dict(zip(batch.columns, headers))), ragged, offset)
                offset += batch.height
                yield _canonical(batch, spec, renames)
        except pl.exceptions.PolarsError as exc:
            if ragged is None:
                raise RaggedRows() from exc
            raise _logged(path, CSV_UNREADABLE, exc) from None
        if offset != rows:
            raise SourceError(path, ROWS_UNCLEAR)

    return SourceFrame(path=path, table=spec, frame=None, extra_columns=extras, encoding=encoding, batches=batches,
                       ragged=ragged, expected_fields=len(headers), shape=shape)


# ---------------------------------------------------------------- Excel workbooks

def _check_xlsx_archive(path: Path, limits: Limits) -> None:
    """Refuse a workbook that would decompress to too much, before the Excel reader sees it: first by
    the sizes the zip's central directory declares (nothing inflated), then by inflating each part up
    to its declared size (a zip that understates them)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _logged(path, EXCEL_UNREADABLE, exc) from None
    size = sum(p.file_size for p in parts)
    packed = max(sum(p.compress_size for p in parts), 1)
    cap = limits.max_xlsx_uncompressed_mb
    if size > cap * 2 ** 20:
        raise SourceError(path, f"Excel 文件解压后共 {size / 2 ** 20:,.0f} MB，超过上限 {cap:,} MB"
                                f"（设置 [limits] max_xlsx_uncompressed_mb），{SPLIT_FILE}")
    ratio = limits.max_xlsx_compression_ratio
    if size > RATIO_FLOOR and size > ratio * packed:
        raise SourceError(path, f"Excel 文件压缩比异常（解压后是压缩前的 {size / packed:,.0f} 倍，上限 {ratio:g} 倍，"
                                "设置 [limits] max_xlsx_compression_ratio），疑似“压缩炸弹”，未导入")
    try:
        with open(path, "rb") as fh:
            liar = next((p for p in parts if _inflates_beyond(fh, p)), None)
    except (ValueError, zlib.error, OSError) as exc:
        raise _logged(path, EXCEL_UNREADABLE, exc) from None
    if liar is not None:
        raise SourceError(path,
                          f"Excel 文件的压缩目录与内容不符（{liar.filename} "
                          "解压后大于声明的大小），疑似“压缩炸弹”，未导入")


def _inflates_beyond(fh, part: zipfile.ZipInfo) -> bool:
    """Whether the part inflates to more than its declared size: inflated 1 MiB at a time, stopped as
    soon as it passes that size (so the work is bounded by the declared sizes already checked)."""
    fh.seek(part.header_offset)
    local = fh.read(30)
    if local[:4] != b"PK\x03\x04":
        raise ValueError("no local header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    fh.seek(part.header_offset + 30 + name_length + extra_length)
    if part.compress_type == zipfile.ZIP_STORED:
        return part.compress_size > part.file_size
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise ValueError(f"compression method {part.compress_type}")
    inflater, left, size = zlib.decompressobj(-zlib.MAX_WBITS), part.compress_size, 0
    while left > 0 and not inflater.eof:
        data = fh.read(min(left, 2 ** 20))
        if not data:
            break
        left -= len(data)
        while data and not inflater.eof:
            size += len(inflater.decompress(data, 2 ** 20))
            if size > part.file_size:
                return True
            data = inflater.unconsumed_tail
    return False


def _read_sheets(path: Path) -> list[tuple[str, pl.DataFrame]]:
    """Every sheet that has cells, in workbook order."""
    try:
        sheets = pl.read_excel(path, engine="calamine", sheet_id=0, raise_if_empty=False)
    except Exception as exc:  # calamine/fastexcel raise their own types; any of them means the same to the user
        raise _logged(path, EXCEL_UNREADABLE, exc) from None
    return [(name, frame) for name, frame in sheets.items() if frame.width]


def _sheet_source(path: Path, frame: pl.DataFrame, spec: TableSpec | None, name: str) -> SourceFrame:
    headers = [str(h) for h in frame.columns]
    spec, renames, extras = _map_headers(path, headers, spec)
    if frame.height == 0:
        raise SourceError(path, "工作表为空")
    return SourceFrame(path=path, table=spec, frame=_canonical(frame, spec, renames), extra_columns=extras,
                       encoding="xlsx", name=name)


def _read_workbook(path: Path, limits: Limits) -> SourceFile:
    _check_xlsx_archive(path, limits)
    sheets = _read_sheets(path)
    if not sheets:
        raise SourceError(path, "工作表为空")
    if any(frame.height > limits.max_rows_per_file for _, frame in sheets):
        raise _too_many_rows(path, limits)
    if len(sheets) == 1:  # as a CSV: named by the file or its header
        sheet, frame = sheets[0]
        spec = _identify([sheet, path.stem], [str(h) for h in frame.columns])
        return SourceFile([_sheet_source(path, frame, spec, path.name)])
    frames, ignored = [], []
    for i, (sheet, frame) in enumerate(sheets):
        spec = _identify([sheet, path.stem] if i == 0 else [sheet], [str(h) for h in frame.columns])
        if spec is None:
            ignored.append(f"{sheet}（表头无法识别）")
            continue
        try:
            frames.append(_sheet_source(path, frame, spec, f"{path.name}（{sheet}）"))
        except SourceError as exc:
            ignored.append(f"{sheet}（{exc.problem}）")
    if not frames:
        raise SourceError(path, "没有可导入的工作表：" + "；".join(ignored))
    frames.sort(key=lambda f: f.table.order)
    return SourceFile(frames, note="已忽略工作表：" + "；".join(ignored) if ignored else None)


# ---------------------------------------------------------------- tables and headers

def _table_by_name(stem: str) -> TableSpec | None:
    stem = stem.lower()
    best, best_len = None, 0
    for spec in table_specs().values():
        for name in spec.file_names:
            n = name.lower()
            if (stem == n or re.match(re.escape(n) + r"([_\-\s.（(].*)?$", stem)) and len(n) > best_len:
                best, best_len = spec, len(n)
    return best


def _table_by_header(headers: list[str]) -> TableSpec | None:
    best, best_score = None, 0
    for spec in table_specs().values():
        mapped = {spec.map_header(h) for h in headers} - {None}
        if set(spec.required) <= mapped and len(mapped) > best_score:
            best, best_score = spec, len(mapped)
    return best


def _identify(names: list[str], headers: list[str], table: str | None = None) -> TableSpec | None:
    """The table a source holds: the one asked for, else the first of `names` (file or sheet) that
    names a table, else the one its header fits."""
    if table:
        return table_specs()[table]
    for name in names:
        if spec := _table_by_name(name):
            return spec
    return _table_by_header(headers)


def _map_headers(path: Path, headers: list[str], spec: TableSpec | None) -> tuple[TableSpec, dict, list[str]]:
    if spec is None:
        raise SourceError(path, "无法识别是哪张表：文件名和表头都不匹配任何已知的数据表（可能缺少表头行）")
    renames, extras, seen = {}, [], set()
    for h in headers:
        canonical = spec.map_header(h)
        if canonical and canonical not in seen:
            renames[h] = canonical
            seen.add(canonical)
        else:
            extras.append(h)
    missing = [c for c in spec.required if c not in seen]
    if missing:
        labels = "、".join(f"{c}（{spec.column(c).labels[0] if spec.column(c).labels else c}）" for c in missing)
        raise SourceError(path, f"表头缺少必填列：{labels}；请检查第一行是否为表头")
    return spec, renames, extras


def _canonical(frame: pl.DataFrame, spec: TableSpec, renames: dict) -> pl.DataFrame:
    frame = frame.rename(renames)
    missing = [pl.lit(None, dtype=pl.Utf8).alias(c) for c in spec.column_names if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


# ---------------------------------------------------------------- entry points

def read_sources(path: Path | str, table: str | None = None, limits: Limits | None = None) -> SourceFile:
    """The tables one file holds. Raises SourceError (one Chinese message) when the file cannot be read."""
    path = Path(path)
    limits = limits or load_limits()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SourceError(path, f"不支持的文件类型“{suffix or '无扩展名'}”，请提供 CSV 或 Excel（.xlsx）文件")
    try:
        if suffix == ".xlsx":
            return _read_workbook(path, limits)
        if path.stat().st_size > BIG_FILE_BYTES:
            big = _read_big_csv(path, table, limits)
            if big is not None:
                return SourceFile([big])
        return SourceFile([_read_csv(path, path.read_bytes(), table, limits)])
    except OSError as exc:
        raise SourceError(path, f"无法打开文件：{exc.strerror}") from None


def peek_table(path: Path | str) -> TableSpec | None:
    """The table a file holds, from its name or its header line, without reading the whole file
    (so a run can order its files and then read and load them one at a time)."""
    path = Path(path)
    spec = _table_by_name(path.stem)
    if spec is not None or path.suffix.lower() != ".csv":
        return spec
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
        encoding = detect_encoding(head, complete=False)
    except (OSError, ValueError):
        return None
    body = head[len(codecs.BOM_UTF8):] if head.startswith(codecs.BOM_UTF8) else head
    text = body.decode("gb18030" if encoding == "gb18030" else "utf-8", errors="ignore")
    header = next(csv.reader(io.StringIO(text, newline="")), None)
    return _table_by_header([h.strip() for h in header]) if header else None


def iter_source_paths(paths: list[Path | str]) -> list[Path]:
    """Expand folders into their supported files (sorted), keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            out.append(p)
    return out


__all__ = ["SourceError", "RaggedRows", "SourceFrame", "SourceFile", "read_sources", "peek_table", "iter_source_paths",
           "detect_encoding", "normalise_header", "unexpected_error", "WHOLE_ROW"]
