"""The records database's tables as SQLAlchemy Core sees them at the newest migration (govdash/records/migrations/
creates and changes them; tests/test_records.py checks the two agree)."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# sign-in: sessions signed out (refused until the cookie would have expired) and failed sign-ins' counters
revoked_sessions = sa.Table(
    "revoked_sessions", metadata,
    sa.Column("sid", sa.String(64), primary_key=True),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Index("revoked_sessions_expires", "expires_at"),
)
signin_failures = sa.Table(
    "signin_failures", metadata,
    sa.Column("scope", sa.String(16), primary_key=True),
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("other", sa.Text, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_failure", sa.Float, nullable=False),
    sa.Column("last_failure", sa.Float, nullable=False),
    sa.Column("locked_until", sa.Float, nullable=False),
)
# one row per kind of shared state: its writers bump the number under the row's lock, so writers of every
# process take turns and a reader knows whether to read the state again
state_generations = sa.Table(
    "state_generations", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("generation", sa.BigInteger, nullable=False),
)

# accounts: role as the account was given it ("department" with its dept, or committee / assessment)
accounts = sa.Table(
    "accounts", metadata,
    sa.Column("username", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("dept", sa.Text),
    sa.Column("display_name", sa.Text),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
)
# one-time imports of records kept elsewhere before: recorded once, their source never read again
record_imports = sa.Table(
    "record_imports", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("imported_at", sa.Float, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
)


# publications (定稿发布): insert-only, every column and file the warehouse's archive_* tables held, and each one's
# link in the archive's seal chain (govdash.records.seal; null only before the chain's key was made)
def _seal_columns(table: str) -> list:
    return [sa.Column("seal_sequence", sa.Integer), sa.Column("previous_seal", sa.String(64)),
            sa.Column("content_seal", sa.String(64)), sa.Column("info_seal", sa.String(64)),
            sa.Column("seal", sa.String(64)), sa.Index(f"{table}_seal_sequence", "seal_sequence", unique=True)]


def _files(name: str, parent: str) -> sa.Table:
    return sa.Table(
        name, metadata,
        sa.Column("publication_id", sa.Text, sa.ForeignKey(f"{parent}.publication_id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


bulletin_publications = sa.Table(
    "bulletin_publications", metadata,
    sa.Column("publication_id", sa.Text, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("supersedes", sa.Text),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("settings_sha256", sa.String(64), nullable=False),
    sa.Column("scoring_version", sa.Text, nullable=False),
    sa.Column("ingest_runs", sa.Text, nullable=False),
    sa.Column("bulletin_json", sa.Text, nullable=False),
    sa.Column("bulletin_sha256", sa.String(64), nullable=False),
    sa.Column("skipped_kinds", sa.Text, nullable=False),
    sa.Column("changes", sa.Text),
    sa.Column("reason", sa.Text),
    sa.UniqueConstraint("month", "version", name="bulletin_publications_month_version"),
    *_seal_columns("bulletin_publications"),
)
bulletin_files = _files("bulletin_files", "bulletin_publications")
assessment_publications = sa.Table(
    "assessment_publications", metadata,
    sa.Column("publication_id", sa.Text, primary_key=True),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("quarter", sa.Integer),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("supersedes", sa.Text),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("scoring_version", sa.Text, nullable=False),
    sa.Column("settings_sha256", sa.String(64), nullable=False),
    sa.Column("ingest_runs", sa.Text, nullable=False),
    sa.Column("assessment_json", sa.Text, nullable=False),
    sa.Column("assessment_sha256", sa.String(64), nullable=False),
    sa.Column("changes", sa.Text),
    sa.Column("reason", sa.Text),
    sa.UniqueConstraint("period", "version", name="assessment_publications_period_version"),
    *_seal_columns("assessment_publications"),
)
assessment_files = _files("assessment_files", "assessment_publications")

# scoring versions: each saved version's whole settings text, never rewritten, and the saves and applies in order
scoring_versions = sa.Table(
    "scoring_versions", metadata,
    sa.Column("version_id", sa.String(16), primary_key=True),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("saved_at", sa.String(19), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("based_on", sa.Text, nullable=False),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)
scoring_history = sa.Table(
    "scoring_history", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("version_id", sa.String(16), nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("at", sa.String(19), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("based_on", sa.Text),
)

# disputes (申诉核减): the dispute as filed (insert-only), every step on it (insert-only: the state is read from
# the steps, one of each step per dispute), and its attachments with their digests
disputes = sa.Table(
    "disputes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_key", sa.Text, nullable=False),
    sa.Column("item_kind", sa.String(16), nullable=False),
    sa.Column("event_id", sa.Text),
    sa.Column("dept_id", sa.Text, nullable=False),
    sa.Column("assigned_at", sa.DateTime),
    sa.Column("rating_period", sa.String(7)),
    sa.Column("jpc_id", sa.Text),
    sa.Column("task_id", sa.Text),
    sa.Column("ground", sa.Text, nullable=False),
    sa.Column("days_asked", sa.Integer),
    sa.Column("duplicate_of", sa.Text),
    sa.Column("contact", sa.Text),
    sa.Column("ref", sa.Text),
    sa.Column("filed_by", sa.Text, nullable=False),
    sa.Column("filed_at", sa.DateTime, nullable=False),
    # a dispute loaded from a file of dispute steps: that file's number of it (unique), else null
    sa.Column("external_id", sa.Text),
    sa.CheckConstraint("item_kind in ('assignment', 'rating', 'burden')", name="disputes_item_kind"),
    sa.CheckConstraint("days_asked is null or days_asked >= 1", name="disputes_days_asked"),
    sa.Index("disputes_item_key", "item_key"),
    sa.Index("disputes_dept", "dept_id"),
    sa.Index("disputes_external_id", "external_id", unique=True),
)
dispute_steps = sa.Table(
    "dispute_steps", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dispute_id", sa.Integer, sa.ForeignKey("disputes.id"), nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(8)),
    sa.Column("days_granted", sa.Integer),
    sa.Column("reason", sa.Text),
    sa.Column("by_user", sa.Text, nullable=False),
    sa.Column("by_role", sa.String(16), nullable=False),
    sa.Column("by_dept", sa.Text),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("deadline", sa.DateTime),
    sa.UniqueConstraint("dispute_id", "step", name="dispute_steps_one_each"),
    sa.CheckConstraint("step in ('filed', 'withdrawn', 'ruled', 'escalated', 'reviewed')", name="dispute_steps_step"),
    sa.CheckConstraint("(step in ('ruled', 'reviewed')) = (decision is not null)", name="dispute_steps_decision"),
    sa.CheckConstraint("decision is null or decision in ('approve', 'reject')", name="dispute_steps_decisions"),
    sa.CheckConstraint("days_granted is null or (days_granted >= 1 and decision = 'approve')",
                       name="dispute_steps_days_granted"),
)
dispute_attachments = sa.Table(
    "dispute_attachments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dispute_id", sa.Integer, sa.ForeignKey("disputes.id"), nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("media_type", sa.String(32), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

# reminders (临期提醒与超期预警): the channels per recipient, the SMTP password, and the send log — one row per
# (recipient, channel, day), unique, claimed by one scheduler, with every try
notify_channels = sa.Table(
    "notify_channels", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("webhook", sa.Text),
    sa.Column("secret", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.CheckConstraint("channel in ('wecom', 'dingtalk', 'email')", name="notify_channels_channel"),
)
notify_secrets = sa.Table(
    "notify_secrets", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("set_at", sa.DateTime, nullable=False),
)
reminder_sends = sa.Table(
    "reminder_sends", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("channel_id", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("digest_sha256", sa.String(64), nullable=False),
    sa.Column("parts", sa.Text, nullable=False),
    sa.Column("parts_sent", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("claimed_by", sa.Text, nullable=False),
    sa.Column("claimed_until", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("recipient", "channel_id", "day", name="reminder_sends_once_a_day"),
    sa.CheckConstraint("status in ('sending', 'sent', 'failed')", name="reminder_sends_status"),
)
reminder_tries = sa.Table(
    "reminder_tries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("send_id", sa.Integer, sa.ForeignKey("reminder_sends.id"), nullable=False),
    sa.Column("part", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("errcode", sa.Integer),
    sa.Index("reminder_tries_send", "send_id"),
)
