"""A warehouse built by another version of the models and macros (an upgrade of the product over an existing
warehouse): readers refuse it with what to do, instead of a DuckDB binder error on a macro or column this
version expects; `govdash build` (or any ingest) makes it current; status still reads it meanwhile."""
from __future__ import annotations

import shutil

import duckdb
import pytest
from click.testing import CliRunner

from govdash.cli.main import main
from govdash.figures.data_quality import warehouse_status
from warehouse.db import OUTDATED_BUILD, WarehouseError, connect_read, read_cursor


@pytest.mark.parametrize("older", ["update build_info set fingerprint = 'an-older-build'", "drop table build_info",
                                   "drop macro whistle_figures"])
def test_a_warehouse_from_another_version_is_refused_until_rebuilt(sample_db, tmp_path, monkeypatch, older):
    db = tmp_path / "wh.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    con.execute(older)
    if older.startswith("drop macro"):   # an older build: without the macro this version added
        con.execute("update build_info set fingerprint = 'an-older-build'")
    con.close()

    with pytest.raises(WarehouseError) as refused:
        connect_read(db)
    assert str(refused.value) == OUTDATED_BUILD
    assert warehouse_status(db)["tables"][0]["rows"] > 0

    monkeypatch.setenv("GOVDASH_DB", str(db))
    runner = CliRunner()
    shown = runner.invoke(main, ["report", "bulletin", "--month", "2024-10", "--as-of", "2024-11-08"])
    assert shown.exit_code != 0 and "govdash build" in shown.output and "Traceback" not in shown.output
    assert runner.invoke(main, ["build"]).exit_code == 0
    cur = read_cursor(connect_read(db))
    assert cur.execute("select count(*) from (select unnest(whistle_figures(null)))").fetchall() == [(1,)]
    assert runner.invoke(main, ["report", "bulletin", "--month", "2024-10", "--as-of", "2024-11-08"]).exit_code == 0
