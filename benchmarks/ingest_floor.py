"""The ingest benchmark: the whole ingest of a whistle log file against a one-pass SQL floor on the same file.

    python -m benchmarks.ingest_floor SAMPLE_DIR WORKDIR

A warehouse holding everything but the whistle log (the product's own ingest, untimed) is copied twice.
- floor: one DuckDB pass over whistle_event_log.csv on the copy, in place (no copy of the file): read,
  type (try_strptime), the checks the contract makes (required values, action in the list, a dispatch or
  return names a department), foreign keys as anti-joins (event, department), a row not before its event's
  report, key conflict within the file, de-duplicated insert into raw_whistle_event_log, commit. No model is
  built — the floor is what loading the file costs at least.
- product: `ingest([that file])` on the other copy — copy-and-swap, reading and contract checks in batches,
  quarantine, load, the models the new rows change (here all of the log's: a first load of the log), commit;
  and the same with do_build=False (load only), to show where the time goes.
Prints one JSON line (seconds, best of two, and the ratios).
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

ACTIONS = ["dispatched", "accepted", "arrived", "returned", "closed", "reopened", "escalated", "rated"]

FLOOR_STEPS = ("floor_incoming", "floor_failures", "floor_insert")   # benchmarks/sql/ingest_floor.sql, in order


def _fresh(db: Path) -> None:
    for f in db.parent.glob(db.name + "*"):
        f.unlink()


def main(argv: list[str]) -> None:
    import duckdb

    from benchmarks import bench_sql
    from pipelines.ingest import ingest
    from warehouse.sql_files import connection_sql

    sample, work = Path(argv[0]), Path(argv[1])
    work.mkdir(parents=True, exist_ok=True)
    rest, log_dir = work / "all-but-log", work / "log"
    for d in (rest, log_dir):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
    for f in sample.glob("*.csv"):
        shutil.copyfile(f, (log_dir if f.name == "whistle_event_log.csv" else rest) / f.name)
    base = work / "base.duckdb"
    _fresh(base)
    ingest([rest], db_path=base)
    log_file = log_dir / "whistle_event_log.csv"
    out = {"log_rows": sum(1 for _ in open(log_file, "rb")) - 1, "floor_s": [], "product_s": [],
           "product_load_only_s": []}
    for _ in range(2):
        db = work / "floor.duckdb"
        _fresh(db)
        shutil.copyfile(base, db)
        t = time.perf_counter()
        con = duckdb.connect(str(db))
        con.begin()
        for step in FLOOR_STEPS:
            statement = bench_sql(step)
            con.execute(statement, {"path": str(log_file)} if "$path" in statement else None)
        con.commit()
        con.execute(connection_sql("write_checkpoint"))
        con.close()
        out["floor_s"].append(time.perf_counter() - t)
        for key, build in (("product_s", True), ("product_load_only_s", False)):
            db = work / "product.duckdb"
            _fresh(db)
            shutil.copyfile(base, db)
            t = time.perf_counter()
            r = ingest([log_dir], db_path=db, do_build=build)
            out[key].append(time.perf_counter() - t)
            assert r.exit_code == 0, r.as_dict()
    check = duckdb.connect(str(work / "floor.duckdb"), read_only=True)
    out["floor_rows_loaded"] = check.execute(bench_sql("floor_rows_loaded")).fetchall()[0][0]
    check.close()
    for k in ("floor_s", "product_s", "product_load_only_s"):
        out[k + "_best"] = min(out[k])
    out["ratio_product_to_floor"] = out["product_s_best"] / out["floor_s_best"]
    out["ratio_load_only_to_floor"] = out["product_load_only_s_best"] / out["floor_s_best"]
    import resource

    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
