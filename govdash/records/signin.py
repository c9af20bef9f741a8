"""Sign-in state in the records database, shared by every server process on it at once: the sessions signed out
(`Revocations`) and the failed sign-ins' counters (`ThrottleRecords`, the store of govdash.web.sessions.Throttle).

A sign-out stored by one process is refused by every other at its next request (each check reads the table), and
survives a restart. The counters' writers take turns: each change runs in one transaction that first bumps the
`signin_failures` generation (the row's write lock: SQLite's database lock, PostgreSQL's row lock), then reads the
counters, changes them and writes back what changed, so two processes counting failures at once lose none. A
reader re-reads the counters only when the generation moved.

Every database failure is a RecordsError whose `kind` is "full" (no space left) or "state"."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import sqlalchemy as sa

from govdash.records import db
from govdash.records.schema import revoked_sessions, signin_failures, state_generations

FIELDS = ("failures", "first_failure", "last_failure", "locked_until")


class RecordsStateError(db.RecordsError):
    """Sign-in state that cannot be read or written; `kind`: "full" or "state"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@contextmanager
def _guard(url: str | None, doing: str):
    try:
        yield
    except RecordsStateError:
        raise
    except (sa.exc.SQLAlchemyError, db.RecordsError) as exc:
        full = "full" in str(exc).lower() and ("disk" in str(exc).lower() or "space" in str(exc).lower())
        raise RecordsStateError("full" if full else "state",
                                f"cannot {doing} sign-in state in the records database {db.display_url(url)}: "
                                f"{exc!r}") from exc


class Revocations:
    """The sessions signed out, until their cookies would have expired."""

    def __init__(self, url: str | None = None):
        self.url = url

    def revoked(self, sid: str) -> bool:
        with _guard(self.url, "read"), db.engine(self.url).connect() as con:
            return con.execute(sa.select(revoked_sessions.c.sid).where(revoked_sessions.c.sid == sid)).first() \
                is not None

    def revoke(self, sid: str, expires: float, now: float) -> None:
        """Store a sign-out (the ones that expired go at the same time)."""
        with _guard(self.url, "write"), db.engine(self.url).begin() as con:
            con.execute(sa.delete(revoked_sessions).where(
                (revoked_sessions.c.expires_at <= now) | (revoked_sessions.c.sid == sid)))
            con.execute(sa.insert(revoked_sessions).values(sid=sid, expires_at=float(expires)))

    def count(self) -> int:
        with _guard(self.url, "read"), db.engine(self.url).connect() as con:
            return con.execute(sa.select(sa.func.count()).select_from(revoked_sessions)).scalar_one()


class ThrottleRecords:
    """The failed sign-ins' counters as govdash.web.sessions.Throttle keeps them ({"v": 2, "entries": [{scope,
    account, other, failures, first_failure, last_failure, locked_until}]}): `changed()`, `load()`, `save()`,
    and `locked()`, the transaction a change runs in (the Throttle holds it around read, change and save)."""

    NAME = "signin_failures"

    def __init__(self, url: str | None = None):
        self.url = url
        self._seen: int | None = None
        self._loaded: dict[tuple, tuple] = {}
        self._local = threading.local()

    @property
    def _con(self):
        return getattr(self._local, "con", None)

    def _generation(self, con) -> int:
        return con.execute(sa.select(state_generations.c.generation)
                           .where(state_generations.c.name == self.NAME)).scalar_one()

    @contextmanager
    def _connection(self, doing: str):
        if self._con is not None:
            with _guard(self.url, doing):
                yield self._con
            return
        with _guard(self.url, doing), db.engine(self.url).connect() as con:
            yield con

    def changed(self) -> bool:
        with self._connection("read") as con:
            return self._generation(con) != self._seen

    def load(self) -> dict:
        with self._connection("read") as con:
            generation = self._generation(con)
            rows = con.execute(sa.select(signin_failures)).mappings().all()
        self._loaded = {(r["scope"], r["account"], r["other"]): tuple(r[f] for f in FIELDS) for r in rows}
        self._seen = generation
        return {"v": 2, "entries": [{"scope": k[0], "account": k[1], "other": k[2], **dict(zip(FIELDS, v))}
                                    for k, v in self._loaded.items()]}

    @contextmanager
    def locked(self):
        """One change of the counters, other writers waiting: bumps the generation first (taking the write lock),
        so the counters read inside are the latest; committed when the block ends, rolled back on an error."""
        if self._con is not None:
            yield
            return
        with _guard(self.url, "write"), db.engine(self.url).begin() as con:
            con.execute(sa.update(state_generations).where(state_generations.c.name == self.NAME)
                        .values(generation=state_generations.c.generation + 1))
            self._local.con = con
            self._seen = None             # read again inside the lock
            try:
                yield
            finally:
                self._local.con = None

    def save(self, data: dict) -> None:
        """Write what changed since load() (inside locked(); on its own, a change of its own)."""
        if self._con is None:
            with self.locked():
                return self.save(data)
        new = {(e["scope"], e["account"], e["other"]): tuple(e[f] for f in FIELDS) for e in data.get("entries", [])}
        c = signin_failures.c
        with self._connection("write") as con:
            for key in set(self._loaded) - set(new):
                con.execute(sa.delete(signin_failures).where(
                    (c.scope == key[0]) & (c.account == key[1]) & (c.other == key[2])))
            for key, values in new.items():
                if key not in self._loaded:
                    con.execute(sa.insert(signin_failures).values(scope=key[0], account=key[1], other=key[2],
                                                                  **dict(zip(FIELDS, values))))
                elif self._loaded[key] != values:
                    con.execute(sa.update(signin_failures).where(
                        (c.scope == key[0]) & (c.account == key[1]) & (c.other == key[2])).values(
                        **dict(zip(FIELDS, values))))
            self._seen = self._generation(con)
        self._loaded = new
