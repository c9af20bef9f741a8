"""The hand-worked cities of the golden tests (SQLMesh style): a few CSV rows per table written out in a test →
a fresh warehouse ingested from them → a read cursor on it. One builder for tests/test_bulletin.py,
tests/test_amended_rules.py and tests/test_macros_golden.py."""
from __future__ import annotations

import textwrap
from contextlib import contextmanager
from pathlib import Path

from pipelines.ingest import ingest
from tests.support.warehouse import warehouse_cursor

# three departments and two communities in two joint party committees: the city of test_amended_rules.py and
# test_macros_golden.py, which add their own events, logs, reports and appeals
BASE = {
    "departments.csv": """
        dept_id,dept_name
        D1,执法局
        D2,市监局
        D3,住建局
    """,
    "communities.csv": """
        community_id,community_name,jpc_id,jpc_name
        C1,东社区,J1,东片联合党委
        C2,西社区,J2,西片联合党委
    """,
}


@contextmanager
def golden_city(src: Path, db: Path, files: dict[str, str]):
    """Writes each CSV text of `files` (file name → text; indentation removed, one final newline) into the folder
    `src`, ingests the folder into a new warehouse `db` (it must load cleanly: exit code 0) and yields a read
    cursor on it; the connection is closed after."""
    src.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (src / name).write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    result = ingest([src], db_path=db)
    assert result.exit_code == 0, result.as_dict()
    with warehouse_cursor(db) as cur:
        yield cur
