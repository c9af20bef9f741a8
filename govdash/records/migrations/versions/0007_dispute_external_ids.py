"""Disputes loaded from a file of dispute steps (`govdash dispute load`) keep that file's own number of the dispute
(申诉编号) as `external_id`, unique, so that loading the same file again finds what it recorded before and records
nothing new. Null for a dispute filed on a page or with `govdash dispute file`.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.add_column(sa.Column("external_id", sa.Text))
    op.create_index("disputes_external_id", "disputes", ["external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("disputes_external_id", "disputes")
    with op.batch_alter_table("disputes") as batch:
        batch.drop_column("external_id")
