"""Benchmark: sample generation, ingest (contracts, quarantine, build) and one month's bulletin JSON.

Usage: .venv/bin/python benchmarks/bench_ingest_bulletin.py --scale 1 [--scale 10] [--workdir DIR]
Prints one JSON line per scale. Timed here, never in unit tests.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

from govdash.figures import bulletin
from pipelines.ingest import ingest
from pipelines.sample import generate
from warehouse.build import build
from warehouse.db import connect_read, read_cursor, write_session


def run(scale: float, workdir: Path) -> dict:
    data = workdir / f"sample-{scale:g}"
    db = workdir / f"wh-{scale:g}.duckdb"
    if db.exists():
        db.unlink()
    t = time.perf_counter()
    counts = generate(data, seed=2024, scale=scale)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    result = ingest([data], db_path=db)
    ingest_s = time.perf_counter() - t
    t = time.perf_counter()
    with write_session(db) as con:
        build(con)
    build_s = time.perf_counter() - t
    con = connect_read(db)
    cur = read_cursor(con)
    t = time.perf_counter()
    b = bulletin(cur, "2024-10", "2024-12-31 23:59:59")
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    bulletin(cur, "2024-10", "2024-12-31 23:59:59")
    warm_s = time.perf_counter() - t
    con.close()
    return {
        "scale": scale, "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "rows": counts, "quarantined": sum(f.rows_quarantined for f in result.files),
        "generate_s": round(gen_s, 2), "ingest_s": round(ingest_s, 2),
        "ingest_rows_per_s": round(sum(counts.values()) / ingest_s),
        "rebuild_models_s": round(build_s, 2), "bulletin_cold_s": round(cold_s, 3), "bulletin_warm_s": round(warm_s, 3),
        "bulletin_dispatched": b["city"]["dispatched"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, action="append", default=None)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="govdash-bench-"))
    for scale in args.scale or [1.0]:
        print(json.dumps(run(scale, workdir), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
