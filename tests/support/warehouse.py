"""Reading a warehouse file in a test."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path


@contextmanager
def warehouse_cursor(db: Path):
    """A read cursor on the warehouse file `db` (warehouse.db.read_cursor); its connection is closed after."""
    from warehouse.db import connect_read, read_cursor

    con = connect_read(db)
    try:
        yield read_cursor(con)
    finally:
        con.close()


def rows(db: Path, sql: str) -> list[tuple]:
    """All rows of `sql` on the warehouse file `db`."""
    from warehouse.db import connect_read

    con = connect_read(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
