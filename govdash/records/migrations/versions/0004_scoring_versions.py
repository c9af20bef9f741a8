"""Scoring versions: every saved version of the assessment's scoring settings (its whole text, with the [version]
block naming author, time, reason, the version it was based on and the settings' digest), never rewritten, and the
history of saves and re-applications in order.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_versions",
        sa.Column("version_id", sa.String(16), primary_key=True),    # v0001, v0002, …
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("saved_at", sa.String(19), nullable=False),        # local China time, YYYY-MM-DD HH:MM:SS
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("based_on", sa.Text, nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),                  # the version's whole settings text
    )
    op.create_table(
        "scoring_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(16), nullable=False),          # save | apply
        sa.Column("version_id", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("at", sa.String(19), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("based_on", sa.Text),                              # a save's; none for an apply
    )


def downgrade() -> None:
    op.drop_table("scoring_history")
    op.drop_table("scoring_versions")
