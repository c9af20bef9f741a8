"""Markdown tables of a `govdash bench --incremental --json` run, for docs/benchmarks.md.

    python benchmarks/render_incremental.py r.json
"""
from __future__ import annotations

import json
import sys


def main(path: str) -> None:
    r = json.loads(open(path, encoding="utf-8").read())
    m = r["machine"]
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; Python {m['python']}, "
          f"DuckDB {m['duckdb']}, polars {m['polars']}. Date: {m['date']}. Command: `{r['command']} --json`.\n")
    print("| scale | days | rows in the export | into the warehouse holding the rest (s) | into a near-empty one (s) "
          "| ratio | warehouse MB | copy-and-swap alone (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for s in r["scales"]:
        for i in s["incremental"]["increments"]:
            print(f"| {s['scale']:g} | {i['days']} | {i['increment_rows']:,} | {i['incremental_s']:.2f} | "
                  f"{i['near_empty_s']:.2f} | **{i['ratio']:.2f}** | {i['base_db_mb']} | "
                  f"{i['empty_write_session_s']:.2f} |")
    print()
    print("| scale | bulletin \"now\" (s) | at 2024-11-05 (s) | ratio | at 2024-11-05 all live (s) |")
    print("|---|---|---|---|---|")
    for s in r["scales"]:
        b = s["incremental"]["bulletin"]
        print(f"| {s['scale']:g} | {b['bulletin_now_warm_s']:.3f} | {b['bulletin_past_2024_11_05_warm_s']:.3f} "
              f"| **{b['past_over_now']:.2f}** | {b['bulletin_past_all_live_s']:.3f} |")
    print()
    print("| scale | log rows | one-pass SQL floor (s) | product ingest of the file (s) | ratio | of which load "
          "only (s) | ratio |")
    print("|---|---|---|---|---|---|---|")
    for s in r["scales"]:
        f = s["floor"]
        print(f"| {s['scale']:g} | {f['log_rows']:,} | {f['floor_s_best']:.2f} | {f['product_s_best']:.2f} "
              f"| **{f['ratio_product_to_floor']:.2f}** | {f['product_load_only_s_best']:.2f} | "
              f"{f['ratio_load_only_to_floor']:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1])
