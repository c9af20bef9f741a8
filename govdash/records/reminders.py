"""Reminders (临期提醒与超期预警, SPEC §10) in the records database: the channels configured per recipient, the SMTP
password, and the send log.

The send log has one row per (recipient, channel, day), unique: whoever inserts it first owns that digest for the
day (`claim`), so two schedulers — on one server or on several replicas of one records database — never both send
it. The owner holds it until `claimed_until`; a row left `failed` (or `sending` past its claim, a scheduler that
died) is taken over by a later run of the same day, which sends only the parts not delivered yet. A row `sent` is
never sent again. Every try (time, answer, errcode) is its own row of `reminder_tries`.
Secrets (a robot's signing secret, the SMTP password) are read here for sending only; listings mask them.
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from govdash.records import db
from govdash.records.schema import notify_channels, notify_secrets, reminder_sends, reminder_tries

CHANNELS = ("wecom", "dingtalk", "email")
SMTP_PASSWORD = "smtp_password"
CLAIM_SECONDS = 900     # how long a scheduler owns a digest it claimed before another may take it over


_guarded = db.guarded("the reminders")


def mask(secret: str | None) -> str | None:
    """A secret as a listing shows it: that there is one, never any of it."""
    return None if not secret else "******"


def masked_webhook(url: str | None) -> str | None:
    """A webhook as a listing shows it: scheme, host and port, the rest (a robot's key is its credential, and so is
    a user and password before the host) masked."""
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/******"


# ---------------------------------------------------------------- channels

@_guarded
def add_channel(recipient: str, channel: str, *, webhook: str | None, secret: str | None, email: str | None,
                by: str, at: dt.datetime, url: str | None = None) -> int:
    with db.engine(url).begin() as con:
        return con.execute(sa.insert(notify_channels).values(
            recipient=recipient, channel=channel, webhook=webhook, secret=secret, email=email, created_by=by,
            created_at=at).returning(notify_channels.c.id)).scalar_one()


@_guarded
def channels(*, recipient: str | None = None, url: str | None = None) -> list[dict]:
    """Every configured channel by id, with its secret (for sending only: never print these rows)."""
    query = sa.select(notify_channels).order_by(notify_channels.c.id)
    if recipient is not None:
        query = query.where(notify_channels.c.recipient == recipient)
    if not db.exists(url):
        return []
    with db.engine(url).connect() as con:
        return [dict(r) for r in con.execute(query).mappings()]


def listed(rows: list[dict]) -> list[dict]:
    """Channels as they may be shown: the webhook's key and the secret masked."""
    return [{"id": r["id"], "recipient": r["recipient"], "channel": r["channel"],
             "webhook": masked_webhook(r["webhook"]), "secret": mask(r["secret"]), "email": r["email"],
             "created_by": r["created_by"], "created_at": r["created_at"]} for r in rows]


@_guarded
def remove_channel(channel_id: int, *, url: str | None = None) -> bool:
    with db.engine(url).begin() as con:
        return con.execute(sa.delete(notify_channels).where(notify_channels.c.id == channel_id)).rowcount == 1


@_guarded
def set_secret(name: str, value: str, *, by: str, at: dt.datetime, url: str | None = None) -> None:
    with db.engine(url).begin() as con:
        con.execute(sa.delete(notify_secrets).where(notify_secrets.c.name == name))
        con.execute(sa.insert(notify_secrets).values(name=name, value=value, set_by=by, set_at=at))


@_guarded
def secret(name: str, *, url: str | None = None) -> str | None:
    if not db.exists(url):
        return None
    with db.engine(url).connect() as con:
        return con.execute(sa.select(notify_secrets.c.value).where(notify_secrets.c.name == name)).scalar()


# ---------------------------------------------------------------- the send log

@_guarded
def claim(recipient: str, channel: dict, day: str, as_of: dt.datetime, digest_sha256: str, parts: list[str], *,
          holder: str, now: dt.datetime, url: str | None = None) -> dict | None:
    """Own the (recipient, channel, day) digest for sending, or None when it is sent already or another scheduler
    holds it. A new row stores `parts`; a row taken over (failed, or a claim that ran out) keeps the parts it
    stored and how many were delivered, so only the rest is sent. Returns the row as claimed."""
    s = reminder_sends.c
    until = now + dt.timedelta(seconds=CLAIM_SECONDS)
    key = (s.recipient == recipient) & (s.channel_id == channel["id"]) & (s.day == day)
    eng = db.engine(url)
    try:
        with eng.begin() as con:
            con.execute(sa.insert(reminder_sends).values(
                recipient=recipient, channel_id=channel["id"], channel=channel["channel"], day=day, as_of=as_of,
                digest_sha256=digest_sha256, parts=json.dumps(parts, ensure_ascii=False), parts_sent=0,
                status="sending", claimed_by=holder, claimed_until=until, updated_at=now))
    except sa.exc.IntegrityError:
        with eng.begin() as con:   # the row exists: take it over only when nobody delivers it now
            free = (s.status == "failed") | ((s.status == "sending") & (s.claimed_until < now))
            taken = con.execute(sa.update(reminder_sends).where(key & free).values(
                status="sending", claimed_by=holder, claimed_until=until, updated_at=now)).rowcount
            if taken != 1:
                return None
    with eng.connect() as con:
        row = dict(con.execute(sa.select(reminder_sends).where(key)).mappings().one())
    if row["claimed_by"] != holder:
        return None
    row["parts"] = json.loads(row["parts"])
    return row


@_guarded
def renew(send_id: int, holder: str, *, now: dt.datetime, url: str | None = None) -> bool:
    """Extend `holder`'s claim on a row it is still sending, CLAIM_SECONDS from `now`: False when another
    scheduler has taken it over meanwhile (the holder then sends nothing more of it)."""
    s = reminder_sends.c
    with db.engine(url).begin() as con:
        return con.execute(sa.update(reminder_sends).where(
            (s.id == send_id) & (s.claimed_by == holder) & (s.status == "sending")).values(
            claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS), updated_at=now)).rowcount == 1


@_guarded
def record_try(send_id: int, part: int, *, at: dt.datetime, ok: bool, answer: str, errcode: int | None,
               holder: str | None = None, url: str | None = None) -> bool:
    """Log one try of part `part` (every try is kept, as it happened); a delivered part counts on the row only for
    its holder (`holder`; None: whoever holds it). True when the row is still `holder`'s."""
    s = reminder_sends.c
    mine = (s.id == send_id) if holder is None else (s.id == send_id) & (s.claimed_by == holder)
    with db.engine(url).begin() as con:
        con.execute(sa.insert(reminder_tries).values(send_id=send_id, part=part, at=at, ok=ok, answer=answer[:500],
                                                     errcode=errcode))
        values = {"updated_at": at, "claimed_until": at + dt.timedelta(seconds=CLAIM_SECONDS)}
        if ok:
            values["parts_sent"] = part
        return con.execute(sa.update(reminder_sends).where(mine).values(**values)).rowcount == 1


@_guarded
def finish(send_id: int, status: str, *, at: dt.datetime, holder: str | None = None,
           url: str | None = None) -> bool:
    """Close a row as sent or failed — only its holder's (`holder`; None: whoever holds it). True when closed."""
    s = reminder_sends.c
    mine = (s.id == send_id) if holder is None else (s.id == send_id) & (s.claimed_by == holder)
    with db.engine(url).begin() as con:
        return con.execute(sa.update(reminder_sends).where(mine).values(
            status=status, updated_at=at, claimed_until=at)).rowcount == 1


@_guarded
def sends(*, day: str | None = None, recipient: str | None = None, url: str | None = None) -> list[dict]:
    """The send log (newest day first), each row with its tries in order; of one day or recipient when given."""
    if not db.exists(url):
        return []
    s = reminder_sends.c
    query = sa.select(reminder_sends).order_by(s.day.desc(), s.id)
    if day is not None:
        query = query.where(s.day == day)
    if recipient is not None:
        query = query.where(s.recipient == recipient)
    with db.engine(url).connect() as con:
        rows = [dict(r) for r in con.execute(query).mappings()]
        ids = [r["id"] for r in rows]
        tries: dict[int, list[dict]] = {i: [] for i in ids}
        if ids:
            t = reminder_tries.c
            for r in con.execute(sa.select(reminder_tries).where(t.send_id.in_(ids)).order_by(t.id)).mappings():
                tries[r["send_id"]].append(dict(r))
    for r in rows:
        r["parts"] = json.loads(r["parts"])
        r["tries"] = tries[r["id"]]
    return rows
