"""The archive's seal: every publication (bulletins and assessments alike) is a link of one HMAC-SHA256 chain, so an
attacker who holds the records database but not the key cannot alter, forge, insert, reorder or delete a
publication without `govdash verify` and every read of that publication saying so.

One chain over both kinds, in the order they were published: one sequence (1, 2, 3 …), one head file, one key.
Deleting any publication leaves a gap in the one sequence, and the head names the newest link, so deleting the
newest publication (of either kind) is found too; two chains would need two heads and could not prove the order of
a bulletin against an assessment.

Each link (the columns added by migration 0005) holds:
- `content_seal`: HMAC over the kind, the publication's id, its published JSON and its digest column, and every
  stored file (kind, name, MIME type, stored digest and size, and the SHA-256 recomputed from the bytes);
- `info_seal`: HMAC over the kind and every other column of the publication (period, version, status, supersedes,
  who and when, the cut-off, the settings' digest and scoring version, the ingest batches, a correction's changes
  and reason …; a column holding null is left out, so a column added later leaves earlier seals valid);
- `seal`: HMAC over the sequence number, the previous link's seal, the kind, the id and the two seals above.
The split lets `verify` say what broke: the content or files, the publication information, or the chain itself.

The key (32 random bytes, 0600, `db.seal_key_path()`) is made on first use with O_EXCL, and never stored in a
database; the publications stored before it (imported from an earlier version) are sealed then, once, in order of
publication, and that is recorded in record_imports. A missing key while sealed publications exist (or the head says
the chain had links) is reported, never made anew over them. The head file (`db.seal_head_path()`): the newest
link's sequence number and seal, replaced atomically (fsync, rename) after each publication commits. Appending takes
the chain's lock (a lock file beside the head for this machine's processes, and the `publication_chain` row of
state_generations for the database) and refuses to add a link to a broken chain.

Plain Python over SQLAlchemy Core; the Chinese messages (`Break.message`) are what the pages and commands show.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from govdash.core.periods import month_label
from govdash.records import db
from govdash.records.schema import (
    assessment_files,
    assessment_publications,
    bulletin_files,
    bulletin_publications,
    record_imports,
    state_generations,
)

KEY_BYTES = 32
GENESIS = "0" * 64                 # the previous seal of the first link
CHAIN_LOCK = "publication_chain"   # state_generations' row that is the chain's write lock in the database
SEALED_EXISTING = "publication_seal_chain"   # record_imports' record of the publications sealed when the key was made
SEAL_COLUMNS = ("seal_sequence", "previous_seal", "content_seal", "info_seal", "seal")
ENCODING = "govdash-seal-v1"


@dataclass(frozen=True)
class _Kind:
    table: sa.Table
    files: sa.Table
    period: str
    content: str
    digest: str
    noun: str


KINDS = {
    "bulletin": _Kind(bulletin_publications, bulletin_files, "month", "bulletin_json", "bulletin_sha256", "通报"),
    "assessment": _Kind(assessment_publications, assessment_files, "period", "assessment_json", "assessment_sha256",
                        "考核"),
}

# what broke, in the words `govdash verify`, the pages and the commands use
PROBLEMS = {
    "content": "内容或文件被改动",
    "info": "发布信息被改动",
    "missing": "缺少第{sequence}号记录（被删除）",
    "order": "记录被重新插入或顺序被打乱",
    "head": "链头与最新记录不符（最新记录被删除）",
    "key": "密钥缺失",
}


def period_label(kind: str, period: str | None) -> str:
    """"2024年10月通报", "2024年第4季度考核", "2024年度考核": the publication's period as users name it."""
    if not period:
        return ""
    if kind == "bulletin":
        try:
            return f"{month_label(period)}通报"
        except ValueError:
            return f"{period} 通报"
    year, _, quarter = period.partition("-Q")
    return f"{year}年第{quarter}季度考核" if quarter else f"{year}年度考核"


@dataclass(frozen=True)
class Break:
    """One broken link: what broke (a key of PROBLEMS), where (the link's sequence number) and which publication
    (kind, period, version, id; none where the record is missing or the key is)."""
    problem: str
    sequence: int | None = None
    kind: str | None = None
    period: str | None = None
    version: int | None = None
    publication_id: str | None = None
    detail: str = ""

    def what(self) -> str:
        if self.kind is None:
            return ""
        return period_label(self.kind, self.period) + (f"第 {self.version} 版" if self.version else "")

    def message(self) -> str:
        """One Chinese sentence: 归档未通过校验, which month or period and version, what broke."""
        problem = PROBLEMS[self.problem].format(sequence=self.sequence)
        if self.problem == "key":
            text = f"归档未通过校验：{problem}（{self.detail}）"
        elif self.problem == "missing":
            text = f"归档未通过校验：{problem}" + (f"，位于{self.what()}之前" if self.kind else "")
        else:
            where = self.what() or "归档"
            at = f"（第 {self.sequence} 号记录）" if self.sequence is not None else ""
            text = f"归档未通过校验：{where}{at}{problem}"
            if self.detail:
                text += f"；{self.detail}"
        return text

    def as_dict(self) -> dict:
        return {**asdict(self), "problem_label": PROBLEMS[self.problem].format(sequence=self.sequence),
                "message": self.message()}


class ArchiveTampered(Exception):
    """The archive failed verification; `breaks` in chain order, the message the first one's (Chinese)."""

    def __init__(self, breaks: list[Break]):
        self.breaks = breaks
        super().__init__(breaks[0].message())


# ---------------------------------------------------------------------------------------------------------------
# the key and the head


def _key_missing(detail: str) -> ArchiveTampered:
    return ArchiveTampered([Break("key", detail=detail)])


def read_key() -> bytes | None:
    """The key's bytes, or None when there is no key file; a file of another length is reported (ArchiveTampered)."""
    path = db.seal_key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _key_missing(f"无法读取密钥文件 {path}：{exc.strerror}") from exc
    if len(data) != KEY_BYTES:
        raise _key_missing(f"密钥文件 {path} 已损坏（应为 {KEY_BYTES} 字节）")
    return data


def _create_key(path: Path) -> bytes:
    """32 random bytes in a new 0600 file (O_EXCL: never over an existing one), written and fsynced."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = os.urandom(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    return key


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_head() -> tuple[int, str] | None:
    """(sequence, seal) of the newest link as the head file says, or None when there is none."""
    path = db.seal_head_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["sequence"]), str(data["seal"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return (-1, "")   # unreadable: matches no link, so it is reported as a head that does not fit


def write_head(sequence: int, seal: str) -> None:
    """Replace the head file atomically: a temporary file beside it, fsync, rename, fsync of the folder."""
    path = db.seal_head_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps({"sequence": sequence, "seal": seal}).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@contextmanager
def _file_lock() -> Iterator[None]:
    """The chain's lock among this machine's processes (and threads): an exclusive flock on a file beside the head,
    held while a link is added and the head written, so heads are written in the order links are committed."""
    path = db.seal_head_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # releases the lock


# ---------------------------------------------------------------------------------------------------------------
# the canonical encoding and the three seals


def _canonical(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


def _mac(key: bytes, part: str, fields: dict) -> str:
    """HMAC-SHA256 of a canonical JSON encoding (sorted keys, no spaces, UTF-8) of `fields` under `part`'s name."""
    text = json.dumps({"encoding": ENCODING, "part": part, **fields}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def content_seal(key: bytes, kind: str, row: dict, files: list[dict]) -> str:
    k = KINDS[kind]
    stored = [{"kind": f["kind"], "file_name": f["file_name"], "mime": f["mime"], "sha256": f["sha256"],
               "size": f["size"], "bytes_sha256": hashlib.sha256(bytes(f["content"])).hexdigest()}
              for f in sorted(files, key=lambda f: f["kind"])]
    return _mac(key, "content", {"kind": kind, "publication_id": row["publication_id"],
                                 "content": row[k.content], "digest": row[k.digest], "files": stored})


def info_seal(key: bytes, kind: str, row: dict) -> str:
    k = KINDS[kind]
    columns = {name: _canonical(value) for name, value in row.items()
               if name not in SEAL_COLUMNS and name not in (k.content, k.digest) and value is not None}
    return _mac(key, "info", {"kind": kind, "columns": columns})


def link_seal(key: bytes, kind: str, publication_id: str, sequence: int, previous: str, content: str,
              info: str) -> str:
    return _mac(key, "link", {"kind": kind, "publication_id": publication_id, "sequence": sequence,
                              "previous_seal": previous, "content_seal": content, "info_seal": info})


# ---------------------------------------------------------------------------------------------------------------
# reading the links


@dataclass
class _Link:
    kind: str
    publication_id: str
    period: str
    version: int
    sequence: int | None
    previous_seal: str | None
    content_seal: str | None
    info_seal: str | None
    seal: str | None

    def brk(self, problem: str, detail: str = "", sequence: int | None = None) -> Break:
        return Break(problem, self.sequence if sequence is None else sequence, self.kind, self.period, self.version,
                     self.publication_id, detail)


def _links(con) -> list[_Link]:
    """Every publication's link columns (no contents), both kinds."""
    out = []
    for kind, k in KINDS.items():
        t = k.table
        for r in con.execute(sa.select(t.c.publication_id, t.c[k.period], t.c.version,
                                       *[t.c[c] for c in SEAL_COLUMNS])).mappings():
            out.append(_Link(kind, r["publication_id"], r[k.period], r["version"], r["seal_sequence"],
                             r["previous_seal"], r["content_seal"], r["info_seal"], r["seal"]))
    return out


def _row_and_files(con, kind: str, publication_id: str) -> tuple[dict, list[dict]] | None:
    k = KINDS[kind]
    row = con.execute(sa.select(k.table).where(k.table.c.publication_id == publication_id)).mappings().first()
    if row is None:
        return None
    files = [dict(f) for f in con.execute(sa.select(k.files).where(k.files.c.publication_id == publication_id))
             .mappings()]
    return dict(row), files


def _own_break(key: bytes, link: _Link, row: dict, files: list[dict]) -> Break | None:
    """What is wrong with one link by itself: its content and files, its information, or its link seal."""
    if link.seal is None or link.sequence is None:
        return link.brk("order", "该记录没有封印，不是由本系统发布时写入的")
    if not hmac.compare_digest(content_seal(key, link.kind, row, files), link.content_seal or ""):
        return link.brk("content")
    if not hmac.compare_digest(info_seal(key, link.kind, row), link.info_seal or ""):
        return link.brk("info")
    expected = link_seal(key, link.kind, link.publication_id, link.sequence, link.previous_seal or "",
                         link.content_seal, link.info_seal)
    if not hmac.compare_digest(expected, link.seal):
        return link.brk("order")
    return None


COPY = "该记录是另一条记录的副本"


def _as_copy(broken: Break | None, link: _Link, others: list[_Link]) -> Break | None:
    """A link that fails its own seals while carrying another link's seal is a copy of that one re-inserted
    under another id or place (the original still verifies)."""
    if broken is not None and link.seal is not None and any(x.seal == link.seal for x in others):
        return link.brk("order", COPY)
    return broken


def _walk(con, key: bytes, head: tuple[int, str] | None) -> tuple[list[Break], dict, _Link | None]:
    """Every broken link of the whole chain (each link's content, files, information and seal, the links in
    order, none missing, the head), in chain order; a summary (links, the newest sequence, the head's); the newest
    link."""
    links = _links(con)
    breaks: list[Break] = []
    sealed = sorted((x for x in links if x.sequence is not None), key=lambda x: (x.sequence, x.kind))
    breaks += [x.brk("order", "该记录没有封印，不是由本系统发布时写入的") for x in links if x.sequence is None]
    expected, previous, seen = 1, GENESIS, {}
    for link in sealed:
        others = [x for x in links if x is not link]
        if b := _as_copy(_own_break(key, link, *_row_and_files(con, link.kind, link.publication_id)), link, others):
            breaks.append(b)
        if link.sequence < expected:
            breaks.append(link.brk("order", f"第 {link.sequence} 号记录出现了两次"))
        elif link.sequence > expected:
            breaks.append(link.brk("missing", sequence=expected))
        elif not hmac.compare_digest(link.previous_seal or "", previous):
            breaks.append(link.brk("order", "与前一条记录的链接不符"))
        seen[link.sequence] = link
        expected, previous = max(expected, link.sequence + 1), link.seal or ""
    newest = sealed[-1] if sealed else None
    last = newest.sequence if newest else 0
    summary = {"links": len(links), "newest_sequence": last, "head_sequence": None if head is None else head[0],
               "head_behind": False}
    if head is None:
        if sealed:
            breaks.append(newest.brk("head", "链头文件缺失"))
    elif head[0] > last:
        breaks.append(Break("head", head[0], detail=f"链头记到第 {head[0]} 号，归档中最新为第 {last} 号"
                                                      + (f"（{newest.brk('head').what()}）" if newest else "")))
    elif head[0] == 0 and last == 0:
        pass
    elif head[0] not in seen or not hmac.compare_digest(seen[head[0]].seal or "", head[1]):
        breaks.append(Break("head", head[0], detail=f"链头记录的第 {head[0]} 号封印与归档中的不符"))
    elif head[0] < last:
        # links after the head are sealed with the key, so only this system wrote them: the head's write after
        # the last commit was interrupted, nothing is missing; the next publication brings the head forward
        summary["head_behind"] = True
    order = {"key": 0, "head": 2}
    breaks.sort(key=lambda b: (order.get(b.problem, 1), b.sequence if b.sequence is not None else -1))
    return breaks, summary, newest


# ---------------------------------------------------------------------------------------------------------------
# the key's first use, appending, verifying


def _chain_started(con) -> bool:
    return con.execute(sa.select(record_imports.c.name).where(record_imports.c.name == SEALED_EXISTING)).first() \
        is not None


def _any_sealed(con) -> bool:
    return any(con.execute(sa.select(k.table.c.publication_id).where(k.table.c.seal.is_not(None)).limit(1)).first()
               for k in KINDS.values())


def _lock_row(con) -> None:
    """The chain's write lock in the database: bump state_generations' row (SQLite's write lock, PostgreSQL's row
    lock), so appends of every process and host take turns."""
    con.execute(sa.update(state_generations).where(state_generations.c.name == CHAIN_LOCK)
                .values(generation=state_generations.c.generation + 1))


def _seal_unsealed(con, key: bytes, sequence: int, previous: str) -> tuple[int, str, int]:
    """Seal every publication without a seal, in order of publication (published_at, kind, version): the
    publications stored before the key existed. Returns (newest sequence, its seal, how many were sealed)."""
    pending = []
    for kind, k in KINDS.items():
        for pid, at, version in con.execute(sa.select(k.table.c.publication_id, k.table.c.published_at,
                                                      k.table.c.version).where(k.table.c.seal.is_(None))):
            pending.append((at, kind, version, pid))
    for _at, kind, _version, pid in sorted(pending):
        sequence += 1
        previous = _seal_one(con, key, kind, pid, sequence, previous)
    return sequence, previous, len(pending)


def _seal_one(con, key: bytes, kind: str, publication_id: str, sequence: int, previous: str) -> str:
    """Seal one stored publication as link `sequence` after `previous`, from what the database holds (so the seal
    is of the values as stored, on either engine); returns its seal."""
    row, files = _row_and_files(con, kind, publication_id)
    c, i = content_seal(key, kind, row, files), info_seal(key, kind, row)
    seal = link_seal(key, kind, publication_id, sequence, previous, c, i)
    t = KINDS[kind].table
    con.execute(sa.update(t).where(t.c.publication_id == publication_id).values(
        seal_sequence=sequence, previous_seal=previous, content_seal=c, info_seal=i, seal=seal))
    return seal


def _key_in_lock(con) -> tuple[bytes, tuple[int, str] | None]:
    """Inside the chain's lock: the key, made on first use (the publications stored before it sealed then, and
    recorded); ArchiveTampered when it is missing while the chain has links."""
    key = read_key()
    head = read_head()
    if key is not None:
        return key, head
    path = db.seal_key_path()
    if _any_sealed(con) or (head is not None and head[0] != 0) or _chain_started(con):
        raise _key_missing(f"密钥文件 {path} 不存在，而归档中已有加封的记录；请从备份恢复密钥，不会另建新密钥")
    key = _create_key(path)
    sequence, seal, count = _seal_unsealed(con, key, 0, GENESIS)
    con.execute(sa.insert(record_imports).values(name=SEALED_EXISTING, source=str(path), imported_at=time.time(),
                                                 rows=count))
    return key, (sequence, seal)


class Appender:
    """Inside `appending`: seals the publications inserted on its connection as the next links."""

    def __init__(self, con, key: bytes, sequence: int, previous: str):
        self.con, self.key, self.sequence, self.previous = con, key, sequence, previous

    def seal(self, kind: str, publication_id: str) -> None:
        self.sequence += 1
        self.previous = _seal_one(self.con, self.key, kind, publication_id, self.sequence, self.previous)


@contextmanager
def appending(url: str | None = None) -> Iterator[Appender]:
    """One transaction that adds links to the chain: the chain's lock taken, the key made on first use, the whole
    chain checked against the key and the head (ArchiveTampered, nothing written, when it is broken), then the
    block inserts publications and seals each (`appender.seal(kind, id)`); committed, then the head written."""
    with _file_lock():
        with db.engine(url).begin() as con:
            _lock_row(con)
            key, head = _key_in_lock(con)
            breaks, _summary, newest = _walk(con, key, head)
            if breaks:
                raise ArchiveTampered(breaks)
            appender = Appender(con, key, 0, GENESIS) if newest is None else \
                Appender(con, key, newest.sequence, newest.seal)
            yield appender
            new_head = (appender.sequence, appender.previous)
        write_head(*new_head)


def ensure_key(url: str | None = None) -> bytes:
    """The key, made on first use (publications stored before it sealed in order, recorded, the head written)."""
    key = read_key()
    if key is not None:
        return key
    with _file_lock():
        with db.engine(url).begin() as con:
            _lock_row(con)
            key, head = _key_in_lock(con)
        if head is not None and read_head() is None:
            write_head(*head)
    return key


def check_publication(kind: str, publication_id: str, url: str | None = None) -> None:
    """Before a publication is served: its seals and its link to the publication before it hold (else
    ArchiveTampered naming it). A publication that is not stored is the caller's to report."""
    key = ensure_key(url)
    with db.engine(url).connect() as con:
        found = _row_and_files(con, kind, publication_id)
        if found is None:
            return
        row, files = found
        link = _Link(kind, publication_id, row[KINDS[kind].period], row["version"],
                     *[row[c] for c in SEAL_COLUMNS])
        others = [x for x in _links(con) if (x.kind, x.publication_id) != (kind, publication_id)]
        broken = _as_copy(_own_break(key, link, row, files), link, others)
        if broken is None:
            before = [x for x in others if x.sequence == link.sequence - 1]
            if link.sequence > 1 and not before:
                broken = link.brk("missing", sequence=link.sequence - 1)
            elif not hmac.compare_digest(before[0].seal or "" if before else GENESIS, link.previous_seal or ""):
                broken = link.brk("order", "与前一条记录的链接不符")
        if broken is None:   # the head is written after each commit: ahead of every stored link, the newest is gone
            head, last = read_head(), max([x.sequence for x in others] + [link.sequence])
            if head is not None and head[0] > last:
                broken = Break("head", head[0], detail=f"链头记到第 {head[0]} 号，归档中最新为第 {last} 号")
    if broken is not None:
        raise ArchiveTampered([broken])


def verify(url: str | None = None) -> dict:
    """The whole archive checked: every link's content, files, information and seal, the links in order with none
    missing, and the head. {"ok", "breaks" (chain order, as dicts), "first" (its Chinese message), the counts}."""
    try:
        key = ensure_key(url)
    except ArchiveTampered as exc:
        breaks = exc.breaks
        summary: dict = {}
    else:
        with db.engine(url).connect() as con:
            breaks, summary, _newest = _walk(con, key, read_head())
    return {"ok": not breaks, "first": breaks[0].message() if breaks else None,
            "breaks": [b.as_dict() for b in breaks], **summary,
            "key_file": str(db.seal_key_path()), "head_file": str(db.seal_head_path())}
