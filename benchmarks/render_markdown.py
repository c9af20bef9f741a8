"""Turn `govdash bench --json` output into the tables of docs/benchmarks.md.

Usage: .venv/bin/python benchmarks/render_markdown.py result.json
"""
from __future__ import annotations

import json
import sys


def fmt(x, digits=2):
    return "—" if x is None else f"{x:,.{digits}f}"


def render(r: dict) -> str:
    m = r["machine"]
    out = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; Python {m['python']}, "
           f"DuckDB {m['duckdb']}, polars {m['polars']}. Date: {m['date']}. Command: `{r['command']} --json`.", ""]
    out += ["| scale | rows (all files) | whistle events | log rows | warehouse MB |", "|---|---|---|---|---|"]
    for s in r["scales"]:
        out.append(f"| {s['scale']:g} | {sum(s['rows'].values()):,} | {s['rows']['whistle_events']:,} | "
                   f"{s['rows']['whistle_event_log']:,} | {s['db_mb']:,} |")
    out += ["", "| scale | ingest s | rows/s | log rows/s | ingest peak RSS MiB | rebuild s | rebuild RSS MiB |",
            "|---|---|---|---|---|---|---|"]
    for s in r["scales"]:
        i, b = s["ingest"], s["build"]
        out.append(f"| {s['scale']:g} | {fmt(i['seconds'], 1)} | {i['rows_per_s']:,.0f} | {i['log_rows_per_s']:,.0f} | "
                   f"{i['peak_rss_mb']:,} | {fmt(b['seconds'], 1)} | {b['peak_rss_mb']:,} |")
    out += ["",
            "| scale | bulletin cold s | bulletin warm s | bulletin at a past cut-off (warm) s | year assessment s | "
            "queries RSS MiB | first render s | 2nd session render s |", "|---|---|---|---|---|---|---|---|"]
    for s in r["scales"]:
        q, br = s["queries"], s.get("browser", {})
        out.append(f"| {s['scale']:g} | {fmt(q['bulletin_cold_s'])} | {fmt(q['bulletin_warm_s'])} | "
                   f"{fmt(q['bulletin_past_cutoff_warm_s'])} | {fmt(q['assessment_year_s'])} | {q['peak_rss_mb']:,} | "
                   f"{fmt(br.get('first_render_s'))} | {fmt(br.get('second_session_render_s'))} |")
    out += ["", "The department table of one month's bulletin, three ways, same data, same answer "
            "(`agrees` compares every count of every department):", "",
            "| scale | ours s | hand SQL s | ours / hand | agrees | ours at past cut-off s | hand SQL s | ours / hand "
            "| agrees | pandas s (+ load s) | pandas / ours | pandas / ours (past cut-off) | agrees | pandas RSS MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in r["scales"]:
        q, p = s["queries"], s["pandas"]
        out.append(f"| {s['scale']:g} | {fmt(q['department_table_s'], 3)} | {fmt(q['hand_sql_s'], 3)} | "
                   f"{fmt(q['ratio_to_hand_sql'])} | {q['hand_sql_agrees']} | "
                   f"{fmt(q['department_table_past_cutoff_s'], 3)} | {fmt(q['hand_sql_past_cutoff_s'], 3)} | "
                   f"{fmt(q['ratio_to_hand_sql_past_cutoff'])} | {q['hand_sql_past_cutoff_agrees']} | "
                   f"{fmt(p['pandas_s'])} (+{fmt(p['pandas_load_s'])}) | {fmt(p['ratio_pandas_to_ours'], 1)} | "
                   f"{fmt(p['ratio_pandas_to_ours_past_cutoff'], 1)} | {p['pandas_agrees']} | {p['peak_rss_mb']:,} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render(json.load(open(sys.argv[1], encoding="utf-8"))))
