"""The pages' data access: the warehouse connection, the figures cut to the signed-in user, the files they
download, and every cache.

Caching lives here only. The connection is cached per snapshot (data_version), so a committed
ingest is picked up on the next rerun and a page never sees a half-written warehouse. DuckDB
connections are not thread-safe: each query runs on its own cursor.
"""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from pathlib import Path

import duckdb
import streamlit as st

from govdash.core import labels
from govdash.core.principal import Principal
from govdash.core.scoring import scoring_path
from govdash.core.scoring_versions import digest
from govdash.core.settings import load_settings
from govdash.documents.documents import render_assessment, render_bulletin
from govdash.figures import catalogue
from govdash.figures import disputes as dispute_rules
from govdash.records import disputes
from govdash.web import sessions
from warehouse.db import connect_read, data_version, read_cursor, warehouse_path


def run_logger() -> logging.Logger:
    """The server log of script runs (govdash.runs, INFO, to stderr): how long each run took, so the load
    benchmark can tell the server's own time from what the browsers saw."""
    logger = logging.getLogger("govdash.runs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: tuple) -> duckdb.DuckDBPyConnection:  # noqa: ARG001  (version: the cache key)
    # one line each time the shared connection is opened (a new warehouse version, or a cache emptied)
    run_logger().info("warehouse-connection opened path=%s", Path(path).name)
    return connect_read(Path(path))


def connection(version: tuple | None) -> duckdb.DuckDBPyConnection:
    """The shared read connection of one snapshot of the warehouse (raises WarehouseError when it is broken)."""
    return _connection(str(warehouse_path()), version)


@contextmanager
def warehouse_cursor():
    """A cursor of its own on the current snapshot, for the disputes' rules (which judge an item, and count working
    days, by the warehouse's facts and calendar); closed when done."""
    cur = read_cursor(connection(current_version()))
    try:
        yield cur
    finally:
        cur.close()


def current_version() -> tuple | None:
    return data_version(warehouse_path())


def principal() -> Principal:
    return sessions.current_principal()  # the session's, restored from the cookie by app.py each run


def can_edit_scoring() -> bool:
    """Only the assessment office may save scoring settings (see govdash.core.principal)."""
    return sessions.current_principal().can_edit_scoring


def _scope_key(p: Principal) -> str:
    """What a cache of names or files is kept per: the whole city, or one role's department."""
    return "all" if p.sees_all else f"{p.role}:{p.dept_id}"


@st.cache_data(max_entries=64, show_spinner=False)
def _bound_jpcs(dept_id: str, version: tuple) -> set[str]:
    cur = read_cursor(connection(version))
    try:
        return catalogue.bound_jpcs_of(cur, Principal("", "department", dept_id))
    finally:
        cur.close()


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_call(name: str, args: tuple, version: tuple, rulings: int):  # noqa: ARG001  (rulings: a cache key)
    """A declared figure's whole-city result on one snapshot and one state of the disputes' rulings (cached by its
    catalogue name): a ruling recorded by any server shows at the next page run."""
    cur = read_cursor(connection(version))
    try:
        return catalogue.BY_NAME[name].fn(cur, *args)
    finally:
        cur.close()


def figure(fn, *args):
    """A figure of the catalogue (`data.figure(catalogue.bulletin, month, as_of)`) on the current snapshot,
    cached per snapshot, computed on the whole city and then cut to what the signed-in user may see.
    A figure the catalogue does not declare is denied."""
    catalogue.declared(fn)   # denied before anything else, with or without a warehouse
    version = current_version()
    if version is None:
        return None
    return _figure_on(version, principal(), fn, *args)


def _figure_on(version: tuple, p, fn, *args):
    """A figure on one snapshot as principal `p` sees it (the catalogue's one path: its arguments, the
    cached whole-city result, the cut); the downloads call it outside the script run, with the user fixed."""
    jpcs = _bound_jpcs(p.dept_id, version) if p.is_department else set()
    rulings = rulings_generation()
    return catalogue.seen_by(fn, args, p, jpcs, lambda entry, a: _cached_call(entry.name, a, version, rulings))


def rulings_generation() -> int:
    """The disputes' actions recorded so far (govdash.records.disputes.generation): part of every figure's cache
    key, since approved disputes change figures at any cut-off after their ruling."""
    return disputes.generation()


def archive_failure(kind: str, publication_id: str) -> str | None:
    """Why the published bulletin or assessment must not be shown (归档未通过校验, the month or period, what broke),
    or None when its seal and its link to the publication before it hold. Never cached: every script run that shows
    a publication checks it again, so an archive altered while the server runs is refused at the next run."""
    from warehouse.archive import ArchiveError, check_sealed

    try:
        check_sealed(kind, publication_id)
    except ArchiveError as exc:
        return str(exc)
    return None


def visible_disputes() -> list[dict]:
    """The disputes the signed-in account may see (a department its own), each with its steps, attachments and
    state now; read at every page run, never cached, so every action by any server shows at once."""
    return dispute_rules.visible_disputes(principal())


def account_names() -> dict[str, str]:
    """Each account's real name where one is set (the trail of a dispute names who acted)."""
    return {name: user["display_name"] for name, user in sessions.load_accounts().items()
            if user.get("display_name")}


def department_names() -> dict[str, str]:
    """Departments the signed-in user may choose: all, or only its own."""
    frame = figure(catalogue.departments)
    return dict(zip(frame["dept_id"], frame["dept_name"])) if frame is not None else {}


def available_months() -> list[str]:
    frame = figure(catalogue.months_with_data)
    return frame["month"].to_list() if frame is not None and frame.height else []


def settings() -> dict:
    return load_settings()


def scoring_key() -> str:
    """The live scoring settings' digest: an argument of the assessment figures, so their cache follows a save."""
    try:
        return digest(scoring_path().read_text(encoding="utf-8"))
    except OSError:
        return ""


@st.cache_data(max_entries=16, show_spinner=False)
def _report_bytes(kind: str, month: str, as_of, version: tuple, rulings: int, _principal,  # noqa: ARG001
                  scope_key: str) -> bytes:  # noqa: ARG001  (rulings, scope_key: cache keys; the principal is not hashed)
    b = _figure_on(version, _principal, catalogue.bulletin, month, as_of)
    # the Word and PDF files compare the month with the month before: its city totals only
    previous = _figure_on(version, _principal, catalogue.comparison, month, as_of) if kind in ("docx", "pdf") else None
    return render_bulletin(kind, b, previous)


def report_bytes(kind: str, month: str, as_of):
    """The Word, PDF or Excel bulletin for the signed-in user, built when the button is clicked (not on
    every render), once per snapshot, month, cut-off and scope. The user and the snapshot are fixed
    now: the download runs outside the script run, where the session is not at hand."""
    p = principal()
    scope_key = _scope_key(p)
    version = current_version()
    rulings = rulings_generation()
    return lambda: _report_bytes(kind, month, as_of, version, rulings, p, scope_key)


def assessment_bytes(result: dict):
    """The Excel scoring sheet of an (already scoped) assessment result, built when the button is
    clicked rather than on every render."""
    return lambda: render_assessment(result)


@st.cache_data(max_entries=8, show_spinner=False)
def _code_names(version: tuple, scope_key: str) -> dict[str, dict[str, str]]:  # noqa: ARG001  (cache keys)
    out = {"部门": department_names()}
    communities = figure(catalogue.communities)
    out["社区"] = (dict(zip(communities["community_id"], communities["community_name"]))
                 if communities is not None else {})
    jpcs = figure(catalogue.jpcs)
    out["联合党委"] = dict(zip(jpcs["jpc_id"], jpcs["jpc_name"])) if jpcs is not None else {}
    return out


def code_names() -> dict[str, dict[str, str]]:
    """Names by code the signed-in user may see: {"部门": {"D01": …}, "社区": {…}, "联合党委": {…}}."""
    version = current_version()
    if version is None:
        return {"部门": {}, "社区": {}, "联合党委": {}}
    return _code_names(version, _scope_key(principal()))


@st.cache_data(max_entries=8, show_spinner=False)
def _code_text_mapping(version: tuple, scope_key: str) -> dict[str, str]:  # noqa: ARG001  (cache keys)
    names = code_names()
    clauses = figure(catalogue.reference_list, "integrity_clause")
    clause_texts = dict(zip(clauses["item_id"], clauses["item_name"])) if clauses is not None else {}
    years = sorted({int(m[:4]) for m in available_months()}) or [dt.date.today().year]
    return labels.code_text_mapping({**names["部门"], **names["联合党委"], **names["社区"]}, clause_texts, years)


def code_text_mapping() -> dict[str, str] | None:
    """Every code a free text may name (departments, communities, JPCs, Appendix E clauses, ISO weeks, months) with
    the text a reader sees in its place, the longest code first; None without a warehouse."""
    version = current_version()
    if version is None:
        return None
    return _code_text_mapping(version, _scope_key(principal()))


def reminder_history(dept_id: str, limit: int = 20) -> list[dict]:
    """The reminders sent to a department (newest day first), each with its tries: read from the records
    database at every run, not cached, so a send of this morning shows at once."""
    from govdash.records import reminders

    return reminders.sends(recipient=f"department:{dept_id}")[:limit]
