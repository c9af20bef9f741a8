"""Disputes (申诉核减): what a department files against a judgment, and every step taken on it (filed, withdrawn,
ruled at 初审, escalated to 复核, ruled at 复核), each a row that is never changed or deleted; the state of a
dispute is read from its steps. The attachments are kept with their SHA-256. One generation row serialises the
actions on disputes (each action bumps it first, taking the write lock, then re-reads the steps).

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STEPS = ("filed", "withdrawn", "ruled", "escalated", "reviewed")


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_key", sa.Text, nullable=False),          # the item as one text: kind, ids and assignment start
        sa.Column("item_kind", sa.String(16), nullable=False),   # assignment | rating | burden
        sa.Column("event_id", sa.Text),
        sa.Column("dept_id", sa.Text, nullable=False),
        sa.Column("assigned_at", sa.DateTime),                   # the dispatch that started the assignment named
        sa.Column("rating_period", sa.String(7)),                # a ratings row's period, YYYY or YYYY-MM
        sa.Column("jpc_id", sa.Text),
        sa.Column("task_id", sa.Text),
        sa.Column("ground", sa.Text, nullable=False),            # the ground's Chinese name (settings [disputes])
        sa.Column("days_asked", sa.Integer),                     # 客观原因延期: working days asked for
        sa.Column("duplicate_of", sa.Text),                      # 重复件: the event it repeats
        sa.Column("contact", sa.Text),                           # 误评: the re-contact record (when, whom, result)
        sa.Column("ref", sa.Text),                               # 已准入: the admission item; 依法出具: the law
        sa.Column("filed_by", sa.Text, nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),      # local China time, as the warehouse's timestamps
        sa.CheckConstraint("item_kind in ('assignment', 'rating', 'burden')", name="disputes_item_kind"),
        sa.CheckConstraint("days_asked is null or days_asked >= 1", name="disputes_days_asked"),
    )
    op.create_index("disputes_item_key", "disputes", ["item_key"])
    op.create_index("disputes_dept", "disputes", ["dept_id"])
    op.create_table(
        "dispute_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dispute_id", sa.Integer, sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),        # filed | withdrawn | ruled | escalated | reviewed
        sa.Column("decision", sa.String(8)),                     # approve | reject (ruled, reviewed)
        sa.Column("days_granted", sa.Integer),                   # an approved 客观原因延期
        sa.Column("reason", sa.Text),                            # as the person wrote it
        sa.Column("by_user", sa.Text, nullable=False),
        sa.Column("by_role", sa.String(16), nullable=False),
        sa.Column("by_dept", sa.Text),
        sa.Column("at", sa.DateTime, nullable=False),            # when it happened (local China time)
        sa.Column("recorded_at", sa.DateTime, nullable=False),   # when it was recorded (local China time)
        sa.Column("deadline", sa.DateTime),                      # the deadline this step sets for the next one
        # one of each step per dispute: a second ruling at the same level (two servers at once) fails here
        sa.UniqueConstraint("dispute_id", "step", name="dispute_steps_one_each"),
        sa.CheckConstraint("step in ('filed', 'withdrawn', 'ruled', 'escalated', 'reviewed')",
                           name="dispute_steps_step"),
        sa.CheckConstraint("(step in ('ruled', 'reviewed')) = (decision is not null)", name="dispute_steps_decision"),
        sa.CheckConstraint("decision is null or decision in ('approve', 'reject')", name="dispute_steps_decisions"),
        sa.CheckConstraint("days_granted is null or (days_granted >= 1 and decision = 'approve')",
                           name="dispute_steps_days_granted"),
    )
    op.create_table(
        "dispute_attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dispute_id", sa.Integer, sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),  # application/pdf | image/jpeg | image/png
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    generations = sa.table("state_generations", sa.column("name", sa.String), sa.column("generation", sa.BigInteger))
    op.bulk_insert(generations, [{"name": "disputes", "generation": 0}])


def downgrade() -> None:
    op.execute(sa.delete(sa.table("state_generations", sa.column("name"))).where(sa.column("name") == "disputes"))
    op.drop_table("dispute_attachments")
    op.drop_table("dispute_steps")
    op.drop_index("disputes_dept", "disputes")
    op.drop_index("disputes_item_key", "disputes")
    op.drop_table("disputes")
