"""The dashboard stays usable while `govdash ingest` runs in another process."""
import os
import subprocess
import sys
import time

from streamlit.testing.v1 import AppTest

from govdash.records.accounts import Principal
from pipelines.ingest import ingest
from pipelines.sample import generate
from tests.support.paths import REPO
from warehouse.db import connect_read, data_version


def test_readers_see_old_data_until_the_ingest_commits(tmp_path, monkeypatch):
    """An ingest of a scale-10 city (about 1.7 million rows) runs beside the dashboard."""
    db = tmp_path / "wh.duckdb"
    first, second = tmp_path / "first", tmp_path / "second"
    generate(first, seed=1, scale=0.05)
    generate(second, seed=2, scale=10)  # other event ids: the second ingest adds rows
    ingest([first], db_path=db)
    monkeypatch.setenv("GOVDASH_DB", str(db))
    reader = connect_read(db)  # an open reader, as the dashboard's cached connection is
    old_count = reader.execute("select count(*) from raw_whistle_events").fetchone()[0]
    old_version = data_version(db)

    proc = subprocess.Popen([sys.executable, "-m", "govdash.cli", "ingest", str(second)],
                            env={**os.environ, "GOVDASH_DB": str(db)}, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, app_runs = set(), 0
    while proc.poll() is None:
        seen.add(reader.execute("select count(*) from raw_whistle_events").fetchone()[0])
        fresh = connect_read(db)  # a new reader opened mid-ingest sees a whole snapshot
        seen.add(fresh.execute("select count(*) from raw_whistle_events").fetchone()[0])
        fresh.close()
        if app_runs < 3:
            at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
            at.session_state["principal"] = Principal("tester", "committee")
            at.run()
            assert not at.exception, at.exception
            assert not at.error, [e.value for e in at.error]
            assert at.title[0].value == "月度通报" and at.metric, "the bulletin answered"
            app_runs += 1
        time.sleep(0.05)
    assert proc.returncode == 0, proc.stderr
    assert app_runs >= 1
    new_count = connect_read(db).execute("select count(*) from raw_whistle_events").fetchone()[0]
    assert new_count > old_count
    assert seen <= {old_count, new_count}, "a reader saw a half-written warehouse"
    assert old_count in seen
    # the old reader keeps its snapshot; the data version tells the dashboard to reopen
    assert reader.execute("select count(*) from raw_whistle_events").fetchone()[0] == old_count
    assert data_version(db) != old_version
