"""The file of dispute steps (申诉记录): one row per step taken on a dispute (提交申诉, 撤回, 初审, 申请复核, 复核),
in the order they happened, each naming the file's own number of the dispute (申诉编号), the moment, the account
that acted and what it did. Disputes are records people make, not facts of the platform, so the ingest does not
load this file into the warehouse (it names it and passes it by); `govdash dispute load` replays it through the
workflow's rules (govdash.figures.dispute_load). A CSV with Chinese headers, in UTF-8 (with or without BOM) or GBK,
like the platform's exports."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.readers import detect_encoding

# the file's columns: Chinese header ↔ the name the loader uses; the first two are required in every row
HEADERS = {
    "申诉编号": "dispute_no",
    "步骤": "step",
    "时间": "at",
    "账号": "user",
    "申诉事项": "item",
    "申诉理由": "ground",
    "说明": "reason",
    "申请天数": "days",
    "重复事件": "duplicate_of",
    "回访记录": "contact",
    "依据": "ref",
    "裁定": "decision",
    "给予天数": "days_granted",
}
REQUIRED = ("申诉编号", "步骤", "时间", "账号")
FILE_NAME = "disputes.csv"
NOT_FACTS = "申诉记录（申诉核减）是人做出的记录，不是数据仓库的事实，未导入；请用 govdash dispute load 载入"


class DisputeFileError(ValueError):
    """The file cannot be read as a file of dispute steps; the message is one Chinese sentence."""


def _header(line: list[str]) -> list[str]:
    return [h.strip().lstrip("\ufeff") for h in line]


def is_dispute_file(path: Path | str) -> bool:
    """Whether a file is a file of dispute steps, by its header line (its name does not matter)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
        text = head.decode(detect_encoding(head, complete=False), errors="ignore")
    except (OSError, ValueError):
        return False
    first = next(csv.reader(io.StringIO(text, newline="")), None)
    return first is not None and set(REQUIRED) <= set(_header(first))


def read_dispute_steps(path: Path | str) -> list[dict]:
    """The rows of a file of dispute steps, in file order, each with its line number (header = line 1) and the
    loader's names for its columns (empty cells as None)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DisputeFileError(f"无法打开申诉记录文件“{path.name}”：{exc.strerror}") from None
    try:
        text = data.decode(detect_encoding(data))
    except ValueError as exc:
        raise DisputeFileError(f"申诉记录文件“{path.name}”：{exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header(next(reader, []))
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise DisputeFileError(f"申诉记录文件“{path.name}”缺少列：{'、'.join(missing)}（表头应为 "
                               f"{'、'.join(HEADERS)}）")
    names = [HEADERS.get(h) for h in header]
    rows = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        row = {k: None for k in HEADERS.values()}
        for name, cell in zip(names, cells):
            if name is not None:
                row[name] = cell.strip() or None
        rows.append({"line": line, **row})
    return rows
