"""Incremental models: an ingest brings the models up to date for what its rows change only — the
whistle log, events and assignment facts event by event, a model none of whose inputs changed is kept — and
the result must equal a full rebuild (`govdash build --full`) of the same raw tables.

The sample city is ingested in slices (the reference tables first, then groups of events with their logs and
groups of appeals, in random order), some events' logs first cut short and completed by a later export (their
rows appended), then a corrected re-export (an event's handling mode changed, log rows removed and a rating
changed). After every ingest each model table is compared with a full rebuild of a copy of the warehouse."""
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest
from warehouse.build import EVENT_KEYED_MODELS, build, model_files
from warehouse.db import write_session

REFERENCE_FILES = ("departments.csv", "communities.csv", "bindings.csv", "reference_items.csv",
                   "calendar_overrides.csv", "visits.csv", "negative_reports.csv", "ratings.csv", "tasks.csv")
GROUPS = 4


def lines(path: Path) -> tuple[bytes, list[bytes]]:
    header, *rows = path.read_bytes().rstrip(b"\n").split(b"\n")
    return header, rows


def key(row: bytes) -> bytes:
    return row.split(b",", 1)[0]


def write(out: Path, name: str, header: bytes, rows: list[bytes]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(b"\n".join([header, *rows]) + b"\n")


def assert_models_equal_full_rebuild(db: Path, tmp: Path) -> None:
    copy = tmp / "full.duckdb"
    for f in tmp.glob("full.duckdb*"):
        f.unlink()
    shutil.copyfile(db, copy)
    with write_session(copy) as con:
        done = build(con)
    assert set(done.values()) == {"whole"}
    a = duckdb.connect(str(db), read_only=True)
    b = duckdb.connect(str(copy), read_only=True)
    try:
        for name in model_files():
            ours = a.execute(f"select * from {name} order by all").fetchall()
            full = b.execute(f"select * from {name} order by all").fetchall()
            assert len(ours) == len(full), name
            assert ours == full, f"{name} differs from a full rebuild"
    finally:
        a.close()
        b.close()


@pytest.fixture(scope="module")
def slices(sample_dir, tmp_path_factory) -> list[Path]:
    rng = random.Random(16)
    root = tmp_path_factory.mktemp("slices")
    ev_header, events = lines(sample_dir / "whistle_events.csv")
    log_header, log = lines(sample_dir / "whistle_event_log.csv")
    ap_header, appeals = lines(sample_dir / "appeals.csv")
    al_header, appeal_log = lines(sample_dir / "appeal_log.csv")
    group = {key(r): rng.randrange(GROUPS) for r in events}
    appeal_group = {key(r): rng.randrange(GROUPS) for r in appeals}
    log_of: dict[bytes, list[bytes]] = {}
    for r in log:
        log_of.setdefault(key(r), []).append(r)
    # a third of the events with several log rows are first exported without their last row (still going on)
    cut = {e for e, rows in log_of.items() if len(rows) > 2 and rng.random() < 0.33}
    out = []
    for g in range(GROUPS):
        d = root / f"group-{g}"
        ids = [e for e in (key(r) for r in events) if group[e] == g]
        write(d, "whistle_events.csv", ev_header, [r for r in events if group[key(r)] == g])
        write(d, "whistle_event_log.csv", log_header,
              [r for e in ids for r in (log_of.get(e, [])[:-1] if e in cut else log_of.get(e, []))])
        write(d, "appeals.csv", ap_header, [r for r in appeals if appeal_group[key(r)] == g])
        write(d, "appeal_log.csv", al_header, [r for r in appeal_log if appeal_group[key(r)] == g])
        if g == 0:
            for name in REFERENCE_FILES:
                shutil.copyfile(sample_dir / name, d / name)
        out.append(d)
    first, rest = out[0], out[1:]
    rng.shuffle(rest)
    # the events cut short, completed: their whole log, the last row appended
    later = root / "later"
    write(later, "whistle_event_log.csv", log_header, [r for e in sorted(cut) for r in log_of[e]])
    # a corrected re-export of some events: handling mode swapped, a log row removed, a rating changed
    changed = sorted(e for e in log_of if e not in cut and len(log_of[e]) > 3)[:40]
    fix = root / "corrected"
    swap = {b"onsite": b"offsite", b"offsite": b"onsite"}
    fixed_events = []
    for r in events:
        if key(r) in changed[:15]:
            f = r.split(b",")
            f[3] = swap.get(f[3], f[3])
            fixed_events.append(b",".join(f))
    write(fix, "whistle_events.csv", ev_header, fixed_events)
    fixed_log = []
    for e in changed[15:]:
        rows = list(log_of[e])
        del rows[1]                         # a row the platform withdrew
        rows = [r.replace(b",satisfied,", b",unsatisfied,") if b",rated," in r else r for r in rows]
        fixed_log.extend(rows)
    write(fix, "whistle_event_log.csv", log_header, fixed_log)
    return [first, *rest, later, fix]


def test_incremental_ingests_equal_a_full_rebuild(slices, tmp_path, monkeypatch):
    # every slice event by event, however many events it changes (by default a slice changing more than a
    # quarter of the events rebuilds whole, which a full rebuild trivially equals)
    monkeypatch.setattr("warehouse.build.INCREMENTAL_MAX_SHARE", 1.0)
    db = tmp_path / "incremental.duckdb"
    kinds = []
    for _i, d in enumerate(slices):
        result = ingest([d], db_path=db)
        assert result.exit_code == 0, result.as_dict()
        assert all(f.rows_quarantined == 0 for f in result.files)
        kinds.append(result.models)
        assert_models_equal_full_rebuild(db, tmp_path)
    # the first ingest builds every model whole; later ones bring the event-keyed models up to date by event
    assert set(kinds[0].values()) == {"whole"}
    for later in kinds[1:]:
        assert {later[m] for m in EVENT_KEYED_MODELS if m != "stg_whistle_events"} == {"events"}, later
    # the completed logs hold no event rows: the events' model is kept; every other slice has some
    assert kinds[-2]["stg_whistle_events"] == "kept"
    assert {k["stg_whistle_events"] for i, k in enumerate(kinds[1:], 1) if i != len(kinds) - 2} == {"events"}
    # an ingest that touches no input of a model keeps it: the corrected re-export has no appeals or visits
    assert kinds[-1]["stg_appeals"] == "kept" and kinds[-1]["stg_appeal_log"] == "kept"
    # the calendar's span did not change with the corrected re-export: computed again, equal, left as it was,
    # so the models reading it are kept
    assert kinds[-1]["dim_calendar"] == "unchanged" and kinds[-1]["fct_binding_weeks"] == "kept"


def test_an_ingest_of_nothing_new_keeps_every_model(slices, tmp_path):
    db = tmp_path / "again.duckdb"
    assert ingest([slices[0]], db_path=db).exit_code == 0
    with write_session(db) as con:
        before = con.execute("select count(*) from fct_assignment_facts").fetchall()
    again = ingest([slices[0]], db_path=db)
    assert again.exit_code == 0 and sum(f.rows_loaded for f in again.files) == 0
    assert set(again.models.values()) == {"kept"}, again.models
    with write_session(db) as con:
        assert con.execute("select count(*) from fct_assignment_facts").fetchall() == before
        assert con.execute("select count(*) from build_changed_events").fetchall() == [(0,)]


def test_a_changed_model_definition_is_rebuilt_whole(slices, tmp_path, monkeypatch):
    """A new release's SQL for a model: the next ingest rebuilds that model whole, whatever changed."""
    monkeypatch.setattr("warehouse.build.INCREMENTAL_MAX_SHARE", 1.0)
    db = tmp_path / "release.duckdb"
    assert ingest([slices[0]], db_path=db).exit_code == 0
    with write_session(db) as con:
        con.execute("update build_models set definition_hash = 'old' where model = 'fct_assignment_facts'")
    again = ingest([slices[1]], db_path=db)
    assert again.models["fct_assignment_facts"] == "whole"
    assert again.models["stg_whistle_event_log"] == "events"


def test_many_changed_events_rebuild_whole(slices, tmp_path):
    """A slice changing more than INCREMENTAL_MAX_SHARE of the events rebuilds the event-keyed models whole."""
    db = tmp_path / "share.duckdb"
    assert ingest([slices[0]], db_path=db).exit_code == 0
    again = ingest([slices[1]], db_path=db)     # about half of the events then in the warehouse are new
    assert {again.models[m] for m in EVENT_KEYED_MODELS} == {"whole"}


def test_an_ingest_without_a_build_is_caught_up_by_the_next(slices, tmp_path, monkeypatch):
    """The raw tables and events an ingest changed wait in build_changed_tables / build_changed_events until a
    build: an ingest that does not build leaves them to the next one."""
    monkeypatch.setattr("warehouse.build.INCREMENTAL_MAX_SHARE", 1.0)
    db = tmp_path / "deferred.duckdb"
    assert ingest([slices[0]], db_path=db).exit_code == 0
    assert ingest([slices[1]], db_path=db, do_build=False).exit_code == 0
    last = ingest([slices[-2]], db_path=db)        # the completed logs only: no appeals in it
    assert last.models["stg_appeals"] == "whole" and last.models["fct_assignment_facts"] == "events"
    assert_models_equal_full_rebuild(db, tmp_path)


def test_archive_tables_survive_ingest_and_full_build(slices, tmp_path):
    """Published bulletins are archived in archive_* tables: neither an ingest nor govdash build touches them."""
    db = tmp_path / "archive.duckdb"
    assert ingest([slices[0]], db_path=db).exit_code == 0
    with write_session(db) as con:
        con.execute("create table archive_bulletins (month varchar, body varchar)")
        con.execute("insert into archive_bulletins values ('2024-10', '{}')")
    assert ingest([slices[1]], db_path=db).exit_code == 0
    with write_session(db) as con:
        build(con)
    with write_session(db) as con:
        assert con.execute("select * from archive_bulletins").fetchall() == [("2024-10", "{}")]
