"""Sign-in state shared by every server process: the sessions signed out, the failed sign-ins' counters and a
generation number per kind of state (a process re-reads the counters only when it moved).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_sessions",
        sa.Column("sid", sa.String(64), primary_key=True),            # the session id the cookie carries
        sa.Column("expires_at", sa.Float, nullable=False),              # epoch seconds: kept until the cookie expires
    )
    op.create_index("revoked_sessions_expires", "revoked_sessions", ["expires_at"])
    op.create_table(
        "signin_failures",
        sa.Column("scope", sa.String(16), primary_key=True),           # account | address | device | account_total
        sa.Column("account", sa.Text, primary_key=True),        # "" for an address's own counter
        sa.Column("other", sa.Text, primary_key=True),          # the client address or the device id
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failure", sa.Float, nullable=False),
        sa.Column("last_failure", sa.Float, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False),
    )
    generations = op.create_table(
        "state_generations",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(generations, [{"name": "signin_failures", "generation": 0}])


def downgrade() -> None:
    op.drop_table("state_generations")
    op.drop_table("signin_failures")
    op.drop_index("revoked_sessions_expires", "revoked_sessions")
    op.drop_table("revoked_sessions")
