"""Publications: the published monthly bulletins and quarterly/annual assessments (定稿发布) with their files, every
column and file the warehouse's archive_* tables held. Insert-only (govdash.records.publications has no update or
delete); a correction is a new version. A later migration may add a seal column and a running sequence number to
each publications table (nullable for the rows before it, then filled in order of published_at, version).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _files(name: str, parent: str) -> None:
    op.create_table(
        name,
        sa.Column("publication_id", sa.Text, sa.ForeignKey(f"{parent}.publication_id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),           # json | docx | xlsx | pdf
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def upgrade() -> None:
    op.create_table(
        "bulletin_publications",
        sa.Column("publication_id", sa.Text, primary_key=True),       # "<month>-v<version>"
        sa.Column("month", sa.String(7), nullable=False),              # "YYYY-MM"
        sa.Column("version", sa.Integer, nullable=False),              # 1 = the publication, 2… = corrections
        sa.Column("status", sa.String(16), nullable=False),            # published | correction
        sa.Column("supersedes", sa.Text),
        sa.Column("published_at", sa.DateTime, nullable=False),        # local China time
        sa.Column("published_by", sa.Text, nullable=False),
        sa.Column("as_of", sa.DateTime, nullable=False),               # the cut-off the figures were judged at
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("settings_sha256", sa.String(64), nullable=False),
        sa.Column("scoring_version", sa.Text, nullable=False),
        sa.Column("ingest_runs", sa.Text, nullable=False),             # JSON: the ingest batches included
        sa.Column("bulletin_json", sa.Text, nullable=False),           # the bulletin exactly as published
        sa.Column("bulletin_sha256", sa.String(64), nullable=False),
        sa.Column("skipped_kinds", sa.Text, nullable=False),           # JSON {kind: reason}
        sa.Column("changes", sa.Text),                                 # JSON: a correction's changed figures
        sa.Column("reason", sa.Text),
        sa.UniqueConstraint("month", "version", name="bulletin_publications_month_version"),
    )
    _files("bulletin_files", "bulletin_publications")
    op.create_table(
        "assessment_publications",
        sa.Column("publication_id", sa.Text, primary_key=True),       # "<period>-v<version>"
        sa.Column("period", sa.String(7), nullable=False),             # "YYYY" or "YYYY-Qn"
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
    )
    _files("assessment_files", "assessment_publications")


def downgrade() -> None:
    for name in ("assessment_files", "assessment_publications", "bulletin_files", "bulletin_publications"):
        op.drop_table(name)
