"""Accounts: who may sign in as whom (role, department, real name, scrypt password hash, e-mail), and the one-time
imports of records kept elsewhere before (the accounts file first): once an import is recorded here, its source
is never read again.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("username", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),     # committee | assessment | department (as written)
        sa.Column("dept", sa.Text),                     # the department of a department account
        sa.Column("display_name", sa.Text),             # the real name documents print (发布人)
        sa.Column("password_hash", sa.Text, nullable=False),  # scrypt$n$r$p$salt$digest
        sa.Column("email", sa.Text),                   # for an OpenID Connect sign-in
    )
    op.create_table(
        "record_imports",
        sa.Column("name", sa.String(64), primary_key=True),   # accounts_toml | archive_warehouse | scoring_versions
        sa.Column("source", sa.Text, nullable=False),         # the file it was read from
        sa.Column("imported_at", sa.Float, nullable=False),   # epoch seconds
        sa.Column("rows", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("record_imports")
    op.drop_table("accounts")
