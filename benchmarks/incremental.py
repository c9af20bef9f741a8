"""The incremental-ingest benchmark: an ingest's cost against what its rows cost, and a past cut-off against "now".

    python -m benchmarks.incremental SAMPLE_DIR WORKDIR [--days 1,10] [--end 2024-12-30]

For each k in --days: a base warehouse holds the city as the platform exported it before day end−k (events
reported before it, every log row before it), then the export of days [end−k, end) is ingested — the events
reported in those days and the complete logs (up to `end`) of every event with a log row in them, as the
platform re-exports an event's whole log. The same export is also ingested into a near-empty warehouse (the
reference tables only). Both ingests run side by side, alternately, twice; the ratio of the best times is the
figure. Then the October bulletin at cut-off 2024-11-05 against "now" (warm, best of 3), in process.
Prints one JSON line.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

REFERENCE = ("departments.csv", "communities.csv", "bindings.csv", "reference_items.csv", "calendar_overrides.csv")
OTHER = ("visits.csv", "negative_reports.csv", "ratings.csv", "tasks.csv", "appeals.csv", "appeal_log.csv")


def _split(sample: Path, out: Path, start: dt.datetime, end: dt.datetime) -> tuple[Path, Path]:
    """(base directory, increment directory) for the days [start, end)."""
    import polars as pl

    base, inc = out / "base", out / "increment"
    for d in (base, inc):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    for name in REFERENCE + OTHER:
        shutil.copyfile(sample / name, base / name)
    events = pl.read_csv(sample / "whistle_events.csv", infer_schema_length=0)
    log = pl.read_csv(sample / "whistle_event_log.csv", infer_schema_length=0)
    ts = pl.col("ts").str.to_datetime()
    reported = pl.col("reported_at").str.to_datetime()
    events.filter(reported < start).write_csv(base / "whistle_events.csv")
    log.filter(ts < start).write_csv(base / "whistle_event_log.csv")
    touched = log.filter((ts >= start) & (ts < end)).select("event_id").unique()
    inc_events = events.filter((reported < end) & pl.col("event_id").is_in(touched["event_id"].implode())
                               | (reported >= start) & (reported < end))
    inc_events.write_csv(inc / "whistle_events.csv")
    log.filter((ts < end) & pl.col("event_id").is_in(inc_events["event_id"].implode())).write_csv(
        inc / "whistle_event_log.csv")
    return base, inc


def _near_empty(sample: Path, out: Path) -> Path:
    d = out / "reference"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for name in REFERENCE:
        shutil.copyfile(sample / name, d / name)
    return d


def _fresh(db: Path) -> None:
    for f in db.parent.glob(db.name + "*"):
        f.unlink()


def bench_days(sample: Path, work: Path, days: int, end: dt.datetime) -> dict:
    from pipelines.ingest import ingest

    start = end - dt.timedelta(days=days)
    out = work / f"days-{days}"
    base, inc = _split(sample, out, start, end)
    ref = _near_empty(sample, out)
    base_db, ref_db = out / "base.duckdb", out / "reference.duckdb"
    _fresh(base_db)
    _fresh(ref_db)
    ingest([base], db_path=base_db)
    ingest([ref], db_path=ref_db)
    times = {"incremental": [], "near_empty": []}
    rows, models = 0, {}
    for _ in range(2):
        for kind, src in (("incremental", base_db), ("near_empty", ref_db)):
            db = out / f"{kind}.duckdb"
            _fresh(db)
            shutil.copyfile(src, db)
            t = time.perf_counter()
            r = ingest([inc], db_path=db)
            times[kind].append(time.perf_counter() - t)
            assert r.exit_code in (0, 2), r.as_dict()
            rows = sum(f.rows_read for f in r.files)
            models[kind] = r.models
    # the copy-and-swap alone: a write session that changes nothing (copy the file, checkpoint, fsync, rename)
    from warehouse.db import write_session

    db = out / "incremental.duckdb"
    swap = []
    for _ in range(2):
        t = time.perf_counter()
        with write_session(db):
            pass
        swap.append(time.perf_counter() - t)
    best = {k: min(v) for k, v in times.items()}
    return {"days": days, "increment_rows": rows, "incremental_s": best["incremental"],
            "near_empty_s": best["near_empty"], "ratio": best["incremental"] / best["near_empty"], "runs": times,
            "base_db_mb": round(base_db.stat().st_size / 2 ** 20), "empty_write_session_s": min(swap),
            "models_last_run": models}


def bench_bulletin(db: Path) -> dict:
    from govdash.figures.bulletin import bulletin
    from warehouse.db import connect_read, read_cursor

    cur = read_cursor(connect_read(db))
    out = {}
    for label, cutoff in (("now", None), ("past_2024_11_05", "2024-11-05 00:00:00")):
        bulletin(cur, "2024-10", cutoff)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            bulletin(cur, "2024-10", cutoff)
            best = min(best, time.perf_counter() - t)
        out[f"bulletin_{label}_warm_s"] = best
    out["past_over_now"] = out["bulletin_past_2024_11_05_warm_s"] / out["bulletin_now_warm_s"]
    # the same past cut-off computed all live (use_stored false: what the stored facts plus delta replace)
    from govdash.figures import query

    original = query.assignment_params
    query.assignment_params = lambda con, as_of, settings=None: {**original(con, as_of, settings), "use_stored": False}
    try:
        bulletin(cur, "2024-10", "2024-11-05 00:00:00")
        t = time.perf_counter()
        bulletin(cur, "2024-10", "2024-11-05 00:00:00")
        out["bulletin_past_all_live_s"] = time.perf_counter() - t
    finally:
        query.assignment_params = original
    return out


def main(argv: list[str]) -> None:
    sample, work = Path(argv[0]), Path(argv[1])
    days = [1, 10]
    end = dt.datetime(2024, 12, 30)
    for i, a in enumerate(argv):
        if a == "--days":
            days = [int(x) for x in argv[i + 1].split(",")]
        if a == "--end":
            end = dt.datetime.fromisoformat(argv[i + 1])
    work.mkdir(parents=True, exist_ok=True)
    result = {"sample": str(sample), "end": end.isoformat(), "increments": [bench_days(sample, work, k, end)
                                                                            for k in days]}
    # the bulletin on the warehouse holding everything up to `end` (the incremental one of the last run)
    result["bulletin"] = bench_bulletin(work / f"days-{days[-1]}" / "incremental.duckdb")
    import resource

    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
