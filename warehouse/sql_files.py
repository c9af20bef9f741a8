"""The statements the code runs, each in a .sql file in a folder under warehouse/ (no SQL text in Python). One
loader and one rule for all of them.

Names: a folder's statements (its subfolders' too) share one name space. A file holding one statement needs
no marker: the statement is named after the file. A file holding several names each with a line
`-- name: <statement>` (the convention of aiosql and PugSQL); the statement is the text from that line to the
next marker, its own comment first; only a comment may stand before the first marker (what the file's
statements are about). A name defined twice in a folder is refused, naming both places.

Values are $-bind parameters. A statement that must name a table or columns, or embed a model's own query,
has `{placeholder}`s, filled by str.format with identifiers (and literals, and model SQL) taken only from
the table specs (config/tables.toml), the model and macro file names and texts, and the code's own
constants and validated settings, never from data. (A statement's comment names its placeholders in
backticks, as str.format would fill braces there too.) A statement without placeholders is returned as
written. The loaders take the statement's name positionally only, so `name` can be a placeholder too.

Folders: metrics/<domain>/ (the figures' queries, `metric_sql`), ingest/ (pipelines.ingest), build_steps/
(warehouse.build and the calendar it loads), connection/ (warehouse.db: attach, settings, storage checks),
archive/ (warehouse.archive), ddl/ (warehouse.schema's bookkeeping and raw tables, generated from the table
specs; the build's stamp). The model and macro files are read by the build's own rules (warehouse.build).

A file is read once and again only when it changes (its mtime or size): an edited metric is picked up by a
running dashboard without a restart, and a page's queries cost a stat each, not a read. A folder is listed
when first used, when asked for its names, and again whenever a name is not where the last listing put it (a
statement added, or moved to another file or folder); a listing refuses a name defined twice.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

WAREHOUSE_DIR = Path(__file__).resolve().parent
METRICS_DIR = WAREHOUSE_DIR / "metrics"
INGEST_SQL_DIR = WAREHOUSE_DIR / "ingest"
BUILD_STEPS_DIR = WAREHOUSE_DIR / "build_steps"
CONNECTION_SQL_DIR = WAREHOUSE_DIR / "connection"
ARCHIVE_SQL_DIR = WAREHOUSE_DIR / "archive"
DDL_DIR = WAREHOUSE_DIR / "ddl"

NAME_MARKER = re.compile(r"^--[ \t]*name:[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*$", re.MULTILINE)


class SqlFileError(LookupError):
    """A statement that cannot be found, or a folder or file that breaks the naming rule."""


def named_statements(text: str, file_name: str) -> dict[str, str]:
    """The statements of one file's text by name: the whole text named `file_name` without a marker, else each
    `-- name:` marker's statement."""
    markers = list(NAME_MARKER.finditer(text))
    if not markers:
        return {file_name: text}
    head = text[:markers[0].start()]
    if any(line.strip() and not line.lstrip().startswith("--") for line in head.splitlines()):
        raise SqlFileError(f"{file_name}.sql: SQL before the first `-- name:` marker belongs to no statement")
    statements: dict[str, str] = {}
    for marker, following in zip(markers, [*markers[1:], None]):
        name = marker.group(1)
        if name in statements:
            raise SqlFileError(f"{file_name}.sql: the statement {name} is named twice")
        body = text[marker.end():following.start() if following else len(text)]
        statements[name] = body.lstrip("\n").rstrip() + "\n"
    return statements


class _Folder:
    """One folder's name space: statement name → file, and each file's statements, kept while unchanged."""

    def __init__(self, root: Path):
        self.root = root
        self.index: dict[str, Path] | None = None
        self.files: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}

    def _file(self, path: Path) -> dict[str, str]:
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
        cached = self.files.get(path)
        if cached is None or cached[0] != key:
            cached = (key, named_statements(path.read_text(encoding="utf-8"), path.stem))
            self.files[path] = cached
        return cached[1]

    def _list(self) -> dict[str, Path]:
        if not self.root.is_dir():
            raise SqlFileError(f"no SQL folder {self.root}")
        index: dict[str, Path] = {}
        for path in sorted(self.root.rglob("*.sql")):
            for name in self._file(path):
                if name in index:
                    raise SqlFileError(f"the statement {name} is defined twice: "
                                       f"{index[name].relative_to(self.root)} and {path.relative_to(self.root)}")
                index[name] = path
        listed = set(index.values())
        self.files = {p: v for p, v in self.files.items() if p in listed}
        self.index = index
        return index

    def names(self) -> dict[str, Path]:
        return dict(self._list())

    def text(self, name: str) -> str:
        """One stat of the file per call; the folder is listed again only when the name is not where the last
        listing put it (a statement added, moved to another file or folder, or renamed)."""
        index = self.index if self.index is not None else self._list()
        for attempt in (1, 2):
            path = index.get(name)
            try:
                if path is not None:
                    statements = self._file(path)
                    if name in statements:
                        return statements[name]
            except FileNotFoundError:
                pass
            if attempt == 1:
                index = self._list()
        raise SqlFileError(f"no statement named {name} in {self.root}")


_folders: dict[Path, _Folder] = {}
_lock = threading.Lock()


def _folder(folder: Path) -> _Folder:
    if folder not in _folders:
        _folders[folder] = _Folder(folder)
    return _folders[folder]


def statement_names(folder: Path) -> dict[str, Path]:
    """Every statement of a folder (and its subfolders) by name, with the file that holds it."""
    with _lock:
        return _folder(folder).names()


def statement(folder: Path, name: str, /, **identifiers: str) -> str:
    """The statement named `name` in `folder`, its `{placeholder}`s filled with `identifiers`."""
    with _lock:
        text = _folder(folder).text(name)
    return text.format(**identifiers) if identifiers else text


def metric_sql(name: str, /) -> str:
    """A figure's query by name, from whichever domain folder of warehouse/metrics/ holds it ($-bind parameters)."""
    return statement(METRICS_DIR, name)


def ingest_sql(name: str, /, **identifiers: str) -> str:
    """A statement of warehouse/ingest/ (pipelines.ingest)."""
    return statement(INGEST_SQL_DIR, name, **identifiers)


def build_sql(name: str, /, **identifiers: str) -> str:
    """A statement of warehouse/build_steps/ (warehouse.build, warehouse.calendar)."""
    return statement(BUILD_STEPS_DIR, name, **identifiers)


def connection_sql(name: str, /, **identifiers: str) -> str:
    """A statement of warehouse/connection/ (warehouse.db)."""
    return statement(CONNECTION_SQL_DIR, name, **identifiers)


def archive_sql(name: str, /) -> str:
    """A statement of warehouse/archive/ (warehouse.archive)."""
    return statement(ARCHIVE_SQL_DIR, name)


def ddl_sql(name: str, /, **identifiers: str) -> str:
    """A statement of warehouse/ddl/ (warehouse.schema, warehouse.build, warehouse.db)."""
    return statement(DDL_DIR, name, **identifiers)
