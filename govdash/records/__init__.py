"""The records database: what people make, kept apart from the warehouse (facts rebuilt at will from the
platform's files). It holds the sessions signed out and the failed sign-ins (shared by every server process),
the accounts, the published bulletins and assessments (insert-only) and the scoring versions.

One SQLAlchemy engine per URL (`$GOVDASH_RECORDS_URL`, any SQLAlchemy URL: SQLite or PostgreSQL through
psycopg 3), its schema brought to the newest Alembic revision on first use (govdash/records/migrations/).
Unset: SQLite (WAL) at `records.sqlite3` in the warehouse file's folder. Importing this package pulls nothing
in; the engine and SQLAlchemy load on first use (govdash.records.db)."""
