"""Reminders (临期提醒与超期预警, SPEC §10): the channels the committee configures per recipient (a WeCom or
DingTalk group robot's webhook with its secret, or an e-mail address), the SMTP password, and the send log — one
row per (recipient, channel, day) digest, unique, so a digest is claimed by one scheduler only and sent at most
once a day on any server, with every try's time, answer and errcode.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_channels",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.Text, nullable=False),        # department:D01 | assessment | committee
        sa.Column("channel", sa.String(16), nullable=False),    # wecom | dingtalk | email
        sa.Column("webhook", sa.Text),                          # the robot's full URL as given
        sa.Column("secret", sa.Text),                           # DingTalk's signing secret (never shown again)
        sa.Column("email", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("channel in ('wecom', 'dingtalk', 'email')", name="notify_channels_channel"),
    )
    op.create_table(
        "notify_secrets",
        sa.Column("name", sa.String(32), primary_key=True),     # smtp_password
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("channel_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),        # the Asia/Shanghai date, YYYY-MM-DD
        sa.Column("as_of", sa.DateTime, nullable=False),
        sa.Column("digest_sha256", sa.String(64), nullable=False),
        sa.Column("parts", sa.Text, nullable=False),            # the messages as JSON, so a retry sends the same
        sa.Column("parts_sent", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),     # sending | sent | failed
        sa.Column("claimed_by", sa.Text, nullable=False),
        sa.Column("claimed_until", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("recipient", "channel_id", "day", name="reminder_sends_once_a_day"),
        sa.CheckConstraint("status in ('sending', 'sent', 'failed')", name="reminder_sends_status"),
    )
    op.create_table(
        "reminder_tries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("send_id", sa.Integer, sa.ForeignKey("reminder_sends.id"), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),           # status and body (cut to 500 characters), or the error
        sa.Column("errcode", sa.Integer),
    )
    op.create_index("reminder_tries_send", "reminder_tries", ["send_id"])


def downgrade() -> None:
    op.drop_index("reminder_tries_send", "reminder_tries")
    op.drop_table("reminder_tries")
    op.drop_table("reminder_sends")
    op.drop_table("notify_secrets")
    op.drop_table("notify_channels")
