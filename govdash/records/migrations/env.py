"""Alembic's environment for the records database: always run on the connection govdash.records.db hands over
(`config.attributes["connection"]`), never from a URL in an ini file."""
from alembic import context

from govdash.records.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
