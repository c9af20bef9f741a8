"""Disputes (申诉核减, SPEC §9) in the records database: the dispute as filed, the steps taken on it and its
attachments. Insert-only: nothing here updates or deletes a dispute, a step or an attachment; the state of a
dispute at any moment is read from its steps up to that moment (`state_of`).

Each action (`file`, `act`) is one transaction that first bumps the "disputes" generation row — the write lock
(SQLite's database lock, PostgreSQL's row lock), so actions of every process take turns — then re-reads what it
decides on (the item's disputes, or the dispute's steps) and asks the caller's rule (the workflow,
govdash.figures.disputes) whether the action stands, then inserts. The unique (dispute, step) key refuses a second
ruling at the same level even so. Timestamps are naive local China time, like the warehouse's.

The figures read two things (the seam with the figures floor): `approved_as_of` (every approval made at or before
a cut-off, with its item) and `dispute_states_as_of` (every dispute filed by then, with its state then).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from govdash.records import db
from govdash.records.schema import dispute_attachments, dispute_steps, disputes, state_generations

GENERATION = "disputes"
STATES = ("pending_first", "pending_review", "approved", "rejected", "withdrawn")
PENDING = ("pending_first", "pending_review")
ITEM_COLUMNS = ("item_kind", "event_id", "dept_id", "assigned_at", "rating_period", "jpc_id", "task_id")
STEP_FIELDS = ("id", "step", "decision", "days_granted", "reason", "by_user", "by_role", "by_dept", "at",
               "recorded_at", "deadline")


class DisputeConflict(Exception):
    """Another action on the same dispute was recorded at the same time (the database's unique key said so); the
    message is Chinese."""


_guarded = db.guarded("the disputes", conflict=lambda _exc: DisputeConflict(
    "该申诉刚刚已由他人办理了同一步骤，本次操作未记录，请刷新后查看"))


# ---------------------------------------------------------------- the state, read from the steps

def state_of(steps: list[dict], as_of: dt.datetime | None = None) -> str | None:
    """The state a dispute's steps leave it in at `as_of` (after every step when None): pending_first (filed,
    waiting for 初审), rejected or approved (初审 or 复核), pending_review (taken to 复核, waiting), withdrawn;
    None before it was filed. Steps in their order (`at`, then as recorded)."""
    state = None
    for s in sorted(steps, key=lambda s: (s["at"], s["id"])):
        if as_of is not None and s["at"] > as_of:
            break
        if s["step"] == "filed":
            state = "pending_first"
        elif s["step"] == "withdrawn":
            state = "withdrawn"
        elif s["step"] == "escalated":
            state = "pending_review"
        elif s["step"] in ("ruled", "reviewed"):
            state = "approved" if s["decision"] == "approve" else "rejected"
    return state


def ruling_deadline(steps: list[dict]) -> dt.datetime | None:
    """The deadline of the ruling a dispute waits for or got, from its steps (in order): 初审's, set at the filing,
    or 复核's, set at the escalation. A dispute still pending after it is overdue for a ruling."""
    deadline = None
    for s in steps:
        if s["step"] in ("filed", "escalated"):
            deadline = s["deadline"]
    return deadline


def _steps_of(con, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    c = dispute_steps.c
    query = sa.select(dispute_steps).where(c.dispute_id.in_(ids)).order_by(c.dispute_id, c.at, c.id)
    for row in con.execute(query).mappings():
        out[row["dispute_id"]].append({k: row[k] for k in STEP_FIELDS})
    return out


def _attachments_of(con, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    a = dispute_attachments.c
    query = sa.select(a.id, a.dispute_id, a.filename, a.media_type, a.size, a.sha256).where(
        a.dispute_id.in_(ids)).order_by(a.dispute_id, a.id)
    for row in con.execute(query).mappings():
        out[row["dispute_id"]].append({k: row[k] for k in ("id", "filename", "media_type", "size", "sha256")})
    return out


def _with_steps(con, rows: list[dict]) -> list[dict]:
    ids = [r["id"] for r in rows]
    steps, files = _steps_of(con, ids), _attachments_of(con, ids)
    for r in rows:
        r["steps"] = steps[r["id"]]
        r["attachments"] = files[r["id"]]
        r["state"] = state_of(r["steps"])
    return rows


def _lock(con) -> None:
    """Take the disputes' write lock for this transaction (every other action waits until it ends)."""
    g = state_generations.c
    con.execute(sa.update(state_generations).where(g.name == GENERATION).values(generation=g.generation + 1))


# ---------------------------------------------------------------- actions (one transaction each)

@_guarded
def file(item_key: str, decide: Callable[[list[dict]], tuple[dict, dict, list[dict]]], *,
         url: str | None = None) -> int:
    """File a dispute: under the lock, `decide(disputes of the same item, with their steps and state)` returns
    (dispute row, filed step, attachments) or raises its refusal; all three are inserted. Returns the new id.
    The dispute row holds the columns of `disputes` but id and item_key; the step those of `dispute_steps` but
    id, dispute_id and step; each attachment filename, media_type, size, sha256, content."""
    with db.engine(url).begin() as con:
        _lock(con)
        same = [dict(r) for r in con.execute(sa.select(disputes).where(disputes.c.item_key == item_key)
                                             .order_by(disputes.c.id)).mappings()]
        row, step, attachments = decide(_with_steps(con, same))
        new_id = con.execute(sa.insert(disputes).values(item_key=item_key, **row)
                             .returning(disputes.c.id)).scalar_one()
        con.execute(sa.insert(dispute_steps).values(dispute_id=new_id, step="filed", **step))
        for a in attachments:
            con.execute(sa.insert(dispute_attachments).values(dispute_id=new_id, **a))
    return new_id


@_guarded
def act(dispute_id: int, decide: Callable[[dict], dict], *, url: str | None = None) -> dict:
    """One step on a dispute (withdrawn, ruled, escalated, reviewed): under the lock, `decide(the dispute with its
    steps and state, read now)` returns the step's row (every column of `dispute_steps` but id and dispute_id) or
    raises its refusal. LookupError when there is no such dispute. Returns the step as inserted."""
    with db.engine(url).begin() as con:
        _lock(con)
        found = con.execute(sa.select(disputes).where(disputes.c.id == dispute_id)).mappings().first()
        if found is None:
            raise LookupError(dispute_id)
        step = decide(_with_steps(con, [dict(found)])[0])
        step_id = con.execute(sa.insert(dispute_steps).values(dispute_id=dispute_id, **step)
                              .returning(dispute_steps.c.id)).scalar_one()
    return {"id": step_id, **step}


# ---------------------------------------------------------------- reading

@_guarded
def dispute(dispute_id: int, *, url: str | None = None) -> dict | None:
    """One dispute with its steps, its attachments (without contents) and its state now; None when there is none."""
    with db.engine(url).connect() as con:
        found = con.execute(sa.select(disputes).where(disputes.c.id == dispute_id)).mappings().first()
        return None if found is None else _with_steps(con, [dict(found)])[0]


@_guarded
def by_external_id(external_id: str, *, url: str | None = None) -> dict | None:
    """The dispute a file of dispute steps numbered `external_id` (with its steps and state now), or None."""
    with db.engine(url).connect() as con:
        found = con.execute(sa.select(disputes).where(disputes.c.external_id == external_id)).mappings().first()
        return None if found is None else _with_steps(con, [dict(found)])[0]


@_guarded
def list_disputes(*, dept_id: str | None = None, filed_from: dt.datetime | None = None,
                  filed_to: dt.datetime | None = None, url: str | None = None) -> list[dict]:
    """Disputes by id, each with its steps, attachments and state now: of one department (every one when None),
    filed in [filed_from, filed_to) when given."""
    query = sa.select(disputes).order_by(disputes.c.id)
    if dept_id is not None:
        query = query.where(disputes.c.dept_id == dept_id)
    if filed_from is not None:
        query = query.where(disputes.c.filed_at >= filed_from)
    if filed_to is not None:
        query = query.where(disputes.c.filed_at < filed_to)
    with db.engine(url).connect() as con:
        return _with_steps(con, [dict(r) for r in con.execute(query).mappings()])


@_guarded
def attachment(attachment_id: int, *, url: str | None = None) -> dict | None:
    """One attachment with its bytes (filename, media_type, size, sha256, content), or None."""
    with db.engine(url).connect() as con:
        row = con.execute(sa.select(dispute_attachments).where(dispute_attachments.c.id == attachment_id)
                          ).mappings().first()
    return None if row is None else {**dict(row), "content": bytes(row["content"])}


@_guarded
def all_steps(*, url: str | None = None) -> list[dict]:
    """Every step row of every dispute, in the order recorded (what an audit compares before and after)."""
    with db.engine(url).connect() as con:
        return [dict(r) for r in con.execute(sa.select(dispute_steps).order_by(dispute_steps.c.id)).mappings()]


def _filed_by(as_of: dt.datetime, url: str | None) -> list[dict]:
    with db.engine(url).connect() as con:
        rows = [dict(r) for r in con.execute(sa.select(disputes).where(disputes.c.filed_at <= as_of)
                                             .order_by(disputes.c.id)).mappings()]
        steps = _steps_of(con, [r["id"] for r in rows])
    for r in rows:
        r["steps"] = [s for s in steps[r["id"]] if s["at"] <= as_of]
    return rows


def _item(row: dict) -> dict:
    return {"dispute_id": row["id"], **{k: row[k] for k in ITEM_COLUMNS}, "ground": row["ground"]}


@_guarded
def generation(*, url: str | None = None) -> int:
    """How many dispute actions were ever recorded (the lock row's counter, bumped by each one): what a cache of
    figures is kept per, so a ruling shows at the next page run. 0 when no records database exists yet."""
    if not db.exists(url):
        return 0
    with db.engine(url).connect() as con:
        value = con.execute(sa.select(state_generations.c.generation)
                            .where(state_generations.c.name == GENERATION)).scalar()
    return int(value or 0)


@_guarded
def approved_as_of(as_of: dt.datetime, *, url: str | None = None) -> list[dict]:
    """Every dispute approved at or before `as_of` (a ruling counts from the moment it is made; only a rejected
    dispute goes to 复核, so an approval stands once made), by dispute id: dispute_id, item_kind, event_id,
    dept_id, assigned_at, rating_period, jpc_id, task_id, ground, days_granted (客观原因延期), ruled_at."""
    out = []
    for row in _filed_by(as_of, url):
        if state_of(row["steps"]) != "approved":
            continue
        approval = next(s for s in reversed(row["steps"]) if s["decision"] == "approve")
        out.append({**_item(row), "days_granted": approval["days_granted"], "ruled_at": approval["at"]})
    return out


@_guarded
def dispute_states_as_of(as_of: dt.datetime, *, url: str | None = None) -> list[dict]:
    """Every dispute filed at or before `as_of` with its state then (STATES), by dispute id: the item's keys as in
    approved_as_of, filed_at, and ruling_deadline — the deadline of the ruling the dispute waits for or got (初审's
    from the filing, 复核's from the escalation); it is overdue when still pending after it; first_ruled_at, when
    初审 ruled (None while it has not by `as_of`: the office's queue time is read from it); ruled_at, the latest
    ruling by then (初审 or 复核), and days_granted, an approved 客观原因延期's working days."""
    out = []
    for row in _filed_by(as_of, url):
        steps = sorted(row["steps"], key=lambda s: (s["at"], s["id"]))
        first_ruled = ruled = granted = None
        for s in steps:
            if s["step"] in ("ruled", "reviewed"):
                first_ruled = first_ruled if s["step"] == "reviewed" else s["at"]
                ruled, granted = s["at"], s["days_granted"]
        out.append({**_item(row), "state": state_of(row["steps"]), "filed_at": row["filed_at"],
                    "ruling_deadline": ruling_deadline(steps), "first_ruled_at": first_ruled, "ruled_at": ruled,
                    "days_granted": granted})
    return out
