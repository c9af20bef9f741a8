"""The archive's seal: every publication (bulletins and assessments, one chain in publication order) gets its place
in the chain (`seal_sequence`, unique across both tables by the chain's lock), the seal of the publication before it
(`previous_seal`), an HMAC-SHA256 of its content and files (`content_seal`), one of its publication information
(`info_seal`) and the link's own (`seal`, over the place, the previous seal and the two others). The key is a file
outside the database (govdash.records.db.seal_key_path). Nullable: publications stored before this revision are
sealed once, in order, when the key is first made (govdash.records.seal), and that is recorded in record_imports.
The row `publication_chain` of state_generations is the chain's write lock.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("bulletin_publications", "assessment_publications")
SEAL_COLUMNS = ("previous_seal", "content_seal", "info_seal", "seal")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("seal_sequence", sa.Integer))
            for name in SEAL_COLUMNS:
                batch.add_column(sa.Column(name, sa.String(64)))
        op.create_index(f"{table}_seal_sequence", table, ["seal_sequence"], unique=True)
    generations = sa.table("state_generations", sa.column("name", sa.String), sa.column("generation", sa.BigInteger))
    op.bulk_insert(generations, [{"name": "publication_chain", "generation": 0}])


def downgrade() -> None:
    generations = sa.table("state_generations", sa.column("name", sa.String))
    op.execute(sa.delete(generations).where(generations.c.name == "publication_chain"))
    for table in TABLES:
        op.drop_index(f"{table}_seal_sequence", table)
        with op.batch_alter_table(table) as batch:
            for name in ("seal_sequence", *SEAL_COLUMNS):
                batch.drop_column(name)
