"""Reading source files: CSV in UTF-8 / UTF-8 with BOM / GBK (GB18030), and Excel .xlsx.

A file that cannot be read raises SourceError with one message naming the file and the problem.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.tables import TableSpec, normalise_header, table_specs

SUPPORTED_SUFFIXES = {".csv", ".txt", ".xlsx"}


class SourceError(Exception):
    """A file that cannot be read at all (wrong format, empty, truncated, no header)."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{Path(path).name}: {problem}")


# CSV files above this size are read in batches of BATCH_ROWS rows, so memory holds one batch at a time
BIG_FILE_BYTES = 64 * 2 ** 20
BATCH_ROWS = 250_000


@dataclass
class SourceFrame:
    path: Path
    table: TableSpec
    frame: pl.DataFrame | None  # canonical column names; strings (CSV) or native cell types (xlsx)
    extra_columns: list[str]
    encoding: str
    batches: object = None      # for a big CSV: a callable yielding frames like `frame`, in file order

    def iter_frames(self):
        if self.frame is not None:
            yield self.frame
        else:
            yield from self.batches()


def detect_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ValueError("编码无法识别（既不是 UTF-8，也不是 GBK/GB18030）") from exc


def _check_truncated_csv(text_tail: str, n_header_fields: int) -> bool:
    """A CSV cut off mid-row: no final newline and its last line has fewer fields than the header."""
    if not text_tail or text_tail.endswith(("\n", "\r")):
        return False
    last = text_tail.rsplit("\n", 1)[-1]
    # quoted commas are rare in these exports; a crude count is enough to flag a cut row
    return last.count(",") + 1 < n_header_fields


def _read_csv(path: Path, data: bytes) -> tuple[pl.DataFrame, str]:
    if not data.strip():
        raise SourceError(path, "文件为空")
    try:
        encoding = detect_encoding(data)
    except ValueError as exc:
        raise SourceError(path, str(exc)) from None
    if encoding == "utf-8-sig":
        data = data[3:]
    elif encoding == "gb18030":
        data = data.decode("gb18030").encode("utf-8")
    first_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    n_fields = len(first_line.split(","))
    if _check_truncated_csv(data[-4096:].decode("utf-8", errors="ignore"), n_fields):
        raise SourceError(path, "文件被截断：最后一行字段不完整（文件可能未完整导出）")
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except Exception as exc:  # polars raises ComputeError/NoDataError etc.
        raise SourceError(path, f"CSV 格式错误：{str(exc).splitlines()[0]}") from None
    return frame, encoding


def _read_xlsx(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_excel(path, engine="calamine", sheet_id=1)
    except Exception as exc:
        raise SourceError(path, f"Excel 文件无法读取（格式错误或已损坏）：{str(exc).splitlines()[0][:200]}") from None
    if frame.width == 0 or frame.height == 0:
        raise SourceError(path, "工作表为空")
    return frame


def _table_by_name(path: Path) -> TableSpec | None:
    stem = path.stem.lower()
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


def _check_utf8(path: Path, skip: int) -> None:
    """Stream the whole file through a UTF-8 decoder: a big file is read in batches only once it is
    known to decode, so a bad byte late in the file cannot stop a load half-way."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        fh.seek(skip)
        try:
            while chunk := fh.read(16 * 2 ** 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SourceError(path, "文件编码不一致：开头是 UTF-8，后面有无法按 UTF-8 读取的内容") from None


def _read_big_csv(path: Path, table: str | None) -> SourceFrame | None:
    """A big UTF-8 CSV as batches; None when it is not one (the caller then reads it whole)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
        fh.seek(max(0, path.stat().st_size - 4096))
        tail = fh.read()
    if not head.strip():
        raise SourceError(path, "文件为空")
    try:
        encoding = detect_encoding(head)
    except ValueError:
        return None
    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    first_line = head.split(b"\n", 1)[0].decode("utf-8", errors="ignore").lstrip("\ufeff").rstrip("\r")
    if _check_truncated_csv(tail.decode("utf-8", errors="ignore"), len(first_line.split(","))):
        raise SourceError(path, "文件被截断：最后一行字段不完整（文件可能未完整导出）")
    _check_utf8(path, 3 if encoding == "utf-8-sig" else 0)
    headers = [h.strip().strip('"') for h in first_line.split(",")]
    spec, renames, extras = _map_headers(path, headers, table)

    def batches():
        lazy = pl.scan_csv(path, infer_schema=False, truncate_ragged_lines=False)
        for batch in lazy.collect_batches(chunk_size=BATCH_ROWS):
            yield _canonical(batch.rename({old: new for old, new in zip(batch.columns, headers)}), spec, renames)

    return SourceFrame(path=path, table=spec, frame=None, extra_columns=extras, encoding=encoding, batches=batches)


def _map_headers(path: Path, headers: list[str], table: str | None) -> tuple[TableSpec, dict, list[str]]:
    spec = table_specs()[table] if table else (_table_by_name(path) or _table_by_header(headers))
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


def read_source(path: Path | str, table: str | None = None) -> SourceFrame:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SourceError(path, f"不支持的文件类型“{suffix or '无扩展名'}”，请提供 CSV 或 Excel（.xlsx）文件")
    try:
        if suffix != ".xlsx" and path.stat().st_size > BIG_FILE_BYTES:
            big = _read_big_csv(path, table)
            if big is not None:
                return big
    except OSError as exc:
        raise SourceError(path, f"无法打开文件：{exc.strerror}") from None
    try:
        if suffix == ".xlsx":
            frame, encoding = _read_xlsx(path), "xlsx"
        else:
            frame, encoding = _read_csv(path, path.read_bytes())
    except OSError as exc:
        raise SourceError(path, f"无法打开文件：{exc.strerror}") from None
    headers = [str(h) for h in frame.columns]
    spec, renames, extras = _map_headers(path, headers, table)
    return SourceFrame(path=path, table=spec, frame=_canonical(frame, spec, renames), extra_columns=extras, encoding=encoding)


def peek_table(path: Path | str) -> TableSpec | None:
    """The table a file holds, from its name or its header line, without reading the whole file
    (so a run can order its files and then read and load them one at a time)."""
    path = Path(path)
    spec = _table_by_name(path)
    if spec is not None or path.suffix.lower() != ".csv":
        return spec
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    try:
        first = head.decode(detect_encoding(head), errors="ignore").splitlines()[0]
    except IndexError:
        return None
    return _table_by_header([h.strip().strip('"') for h in first.split(",")])


def iter_source_paths(paths: list[Path | str]) -> list[Path]:
    """Expand folders into their supported files (sorted), keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            out.append(p)
    return out


__all__ = ["SourceError", "SourceFrame", "read_source", "peek_table", "iter_source_paths", "detect_encoding", "normalise_header"]
