"""The `govdash` command: sample data, ingest, status, build, serve and bench here; reports (govdash.cli.report),
publishing (govdash.cli.publish) and accounts (govdash.cli.users) in their own modules."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from govdash.cli.backup import backup, restore
from govdash.cli.common import fail, progress_echo
from govdash.cli.dispute import dispute
from govdash.cli.publish import publish
from govdash.cli.remind import notify, remind
from govdash.cli.report import report
from govdash.cli.scoring import scoring
from govdash.cli.users import user
from govdash.cli.verify import verify
from govdash.core.formatting import json_text
from govdash.core.paths import REPO_ROOT


class _Commands(click.Group):
    """Any warehouse failure a command did not handle itself ends in one Chinese line, exit 1."""

    def invoke(self, ctx):
        try:
            return self._invoke(ctx)
        except ModuleNotFoundError as exc:   # the code updated, the environment not: its lock added a package
            fail(f"缺少程序依赖的软件包 {exc.name}（程序已更新而运行环境未更新）。"
                 "请先运行 bash scripts/setup.sh 安装依赖，再重试。")

    def _invoke(self, ctx):
        import duckdb

        from govdash.core.scoring import ScoringSettingsError
        from govdash.documents.pdf import DocumentError
        from govdash.records.accounts import AccountError
        from govdash.records.db import RecordsError
        from pipelines.limits import LimitsError
        from warehouse.db import WarehouseError, remove_stray_copies, warehouse_error_message

        remove_stray_copies()  # a working copy a killed ingest left: removed by the next command of any kind
        try:
            return super().invoke(ctx)
        except (WarehouseError, AccountError, LimitsError, ScoringSettingsError, DocumentError) as exc:
            fail(exc)
        except duckdb.Error as exc:  # a value out of range, another version's build, or the file itself
            fail(warehouse_error_message(exc))
        except RecordsError as exc:  # the records database (accounts, sign-in state, publications): cause in English
            fail(f"记录库无法打开或读写，请检查 GOVDASH_RECORDS_URL 与数据库服务：{exc}")


@click.group(cls=_Commands)
def main() -> None:
    """govdash：社区治理绩效评价看板（命令行）。"""


@main.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="输出目录")
@click.option("--seed", default=2024, show_default=True, help="随机种子（相同种子生成相同数据）")
@click.option("--scale", default=1.0, show_default=True, help="数据量倍数（1 ≈ 一个城市一年，约 3 万件吹哨事件）")
def sample(out: Path, seed: int, scale: float) -> None:
    """生成模拟城市的全部输入文件。"""
    from pipelines.sample import generate

    counts = generate(out, seed=seed, scale=scale, progress=lambda m, n: click.echo(f"[生成 {m}/{n} 月]", err=True))
    for name, n in counts.items():
        click.echo(f"{name}\t{n}")
    click.echo(f"已写入 {out}")


def _ingest_log() -> Path:
    """The log of an ingest's unforeseen errors, beside the warehouse: the screen shows one Chinese line
    per file, the log keeps the original error for whoever maintains the system."""
    import logging

    from warehouse.db import warehouse_path

    path = warehouse_path().with_name("govdash-ingest.log")
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("pipelines")
    logger.addHandler(handler)
    logger.propagate = False
    return path


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出导入摘要")
def ingest(paths: tuple[Path, ...], as_json: bool) -> None:
    """导入数据文件或目录（CSV：UTF-8/BOM/GBK；Excel：.xlsx）。

    退出码：0 全部导入；2 有行被隔离；1 有文件无法读取。
    """
    from pipelines.ingest import ingest as run_ingest

    log_path = _ingest_log()
    result = run_ingest(list(paths), progress=None if as_json else progress_echo)  # errors: see _Commands
    if as_json:
        click.echo(json_text(result.as_dict()))
    else:
        click.echo(f"{'文件':<28}{'表':<20}{'读取':>9}{'导入':>9}{'隔离':>7}{'重复跳过':>9}{'替换':>7}")
        for f in result.files:
            if f.error:
                click.echo(f"{f.file:<28}错误：{f.error}")
            elif f.table is None:   # a file passed by (a file of dispute steps): its note below says why
                click.echo(f"{f.file:<28}未导入")
            else:
                click.echo(f"{f.file:<28}{f.table:<20}{f.rows_read:>9}{f.rows_loaded:>9}{f.rows_quarantined:>7}"
                           f"{f.duplicates_skipped:>9}{f.rows_replaced:>7}")
            if f.warning:
                click.echo(f"{'':<28}提示：{f.warning}")
        click.echo(f"用时 {result.seconds:.2f} 秒；批次 {result.run_id}")
        if log_path.exists() and any(f.error and "日志" in f.error for f in result.files):
            click.echo(f"意外错误的详情见日志 {log_path}")
        if any(f.rows_quarantined for f in result.files):
            click.echo("有数据行被隔离，原因见 govdash status 或“数据导入与质量”页面。")
    sys.exit(result.exit_code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def status(as_json: bool) -> None:
    """仓库位置、各表行数、隔离行数与工作日历覆盖情况。"""
    from govdash.documents.delivery import failing_today_lines
    from govdash.figures.data_quality import warehouse_status

    st = warehouse_status()
    if as_json:
        click.echo(json_text({**st, "reminders_failing_today": failing_today_lines()}))
        return
    click.echo(f"数据仓库：{st['warehouse']}")
    for t in st["tables"]:
        click.echo(f"  {t['label']}（{t['table']}）：{t['rows']} 行")
    click.echo(f"隔离行数：{st['quarantined_rows']}")
    for q in st["quarantine_by_file"]:
        if q["note"]:
            click.echo(f"  {q['file']}：{q['note']}")
    cal = st["calendar"]
    if cal["official_years"]:
        click.echo(f"工作日历：官方安排覆盖 {cal['official_years'][0]}–{cal['official_years'][1]} 年"
                   + (f"；手工录入覆盖 {', '.join(map(str, cal['override_years']))} 年" if cal["override_years"]
                      else ""))
    click.echo(f"数据涉及年份：{', '.join(map(str, cal['data_years'])) or '无'}")
    if cal["uncovered_data_years"]:
        click.echo(f"警告：{', '.join(map(str, cal['uncovered_data_years']))} 年没有官方或录入的节假日安排，"
                   "相关期限按周一至周五临时估算，结果标注为“暂定”。请在 calendar_overrides 中录入该年安排。")
    for line in failing_today_lines():
        click.echo(line)


@main.command()
# --full states the default for the reader of --help: a build always rebuilds every model (the flag changes nothing)
@click.option("--full", "_full", is_flag=True, default=True,
              help="全部模型从头重建（默认；导入时只增量更新受影响的部分）")
def build(_full: bool) -> None:
    """重建数据仓库的 staging 与 marts 模型（全部重建；已发布的通报与考核保存在记录库中，不受影响）。"""
    from warehouse.build import build as run_build
    from warehouse.db import write_session

    with write_session() as con:
        run_build(con, progress=lambda i, n, name: click.echo(f"[构建 {i}/{n}] {name}", err=True))
    click.echo("已重建")


@main.group(invoke_without_command=True)
@click.pass_context
@click.option("--scale", "scales", type=float, multiple=True, default=[1.0], show_default=True,
              help="数据规模（可多次给出）")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None, help="数据与仓库存放目录")
@click.option("--browser/--no-browser", default=True, show_default=True, help="测量月度通报页在 Chromium 中的首屏时间")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.option("--incremental", is_flag=True,
              help="增量导入基准：一天与十天的数据导入已有仓库与近空仓库之比、"
                   "历史截止时点与当前的通报、导入与单趟 SQL 下限之比")
def bench(ctx: click.Context, scales: tuple[float, ...], workdir: Path | None, browser: bool, as_json: bool,
          incremental: bool) -> None:
    """基准测试：导入吞吐、模型构建、月度通报、年度考核、内存与浏览器首屏；`govdash bench load`：多会话负载。"""
    import tempfile

    if ctx.invoked_subcommand is not None:
        return

    from govdash.cli.bench import machine, run_incremental, run_scale

    workdir = workdir or Path(tempfile.mkdtemp(prefix="govdash-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "command": "govdash bench " + " ".join(f"--scale {s:g}" for s in scales)
               + (" --incremental" if incremental else ""), "scales": []}
    if incremental:
        for scale in scales:
            r = run_incremental(scale, workdir, progress=lambda m: click.echo(m, err=True))
            results["scales"].append(r)
            if not as_json:
                for inc in r["incremental"]["increments"]:
                    click.echo(f"规模 {scale:g}：{inc['days']} 天数据（{inc['increment_rows']:,} 行）导入已有仓库 "
                               f"{inc['incremental_s']:.2f} 秒，导入近空仓库 {inc['near_empty_s']:.2f} 秒，比值 "
                               f"{inc['ratio']:.2f}")
                b, fl = r["incremental"]["bulletin"], r["floor"]
                click.echo(f"规模 {scale:g}：十月通报 截止 2024-11-05 {b['bulletin_past_2024_11_05_warm_s']:.2f} 秒，"
                           f"当前 {b['bulletin_now_warm_s']:.2f} 秒（比值 {b['past_over_now']:.2f}）；"
                           f"流转记录文件导入 {fl['product_s_best']:.2f} 秒，单趟 SQL 下限 {fl['floor_s_best']:.2f} 秒"
                           f"（比值 {fl['ratio_product_to_floor']:.2f}）")
        if as_json:
            click.echo(json_text(results))
        return
    for scale in scales:
        r = run_scale(scale, workdir, browser, progress=lambda m: click.echo(m, err=True))
        results["scales"].append(r)
        if not as_json:
            i, b, q, pq = r["ingest"], r["build"], r["queries"], r["pandas"]
            click.echo(f"规模 {scale:g}：导入 {i['rows_read']:,} 行 {i['seconds']:.1f} 秒（{i['rows_per_s']:,.0f} "
                       f"行/秒，流转记录 {i['log_rows_per_s']:,.0f} 行/秒，峰值内存 {i['peak_rss_mb']} MB）；重建 "
                       f"{b['seconds']:.1f} 秒；月度通报 冷 {q['bulletin_cold_s']:.2f} 秒 / 热 "
                       f"{q['bulletin_warm_s']:.2f} 秒；部门表 {q['department_table_s']:.2f} 秒，手写 SQL "
                       f"{q['hand_sql_s']:.2f} 秒（比值 {q['ratio_to_hand_sql']:.2f}），pandas {pq['pandas_s']:.2f} "
                       f"秒（为本系统的 {pq['ratio_pandas_to_ours']:.1f} 倍）；年度考核 {q['assessment_year_s']:.2f} 秒"
                       + (
                           f"；首屏 {r['browser']['first_render_s']:.2f} 秒" if "first_render_s" in r.get("browser", {})
                           else ""))
    if as_json:
        click.echo(json_text(results))


def _counts(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"应为以逗号分隔的正整数：{text}") from None
    if not values or min(values) < 1:
        raise click.BadParameter(f"应为以逗号分隔的正整数：{text}")
    return values


@bench.command("load")
@click.option("--sessions", default="1,10,20,40", show_default=True, help="每轮同时打开页面的会话数（逗号分隔）")
@click.option("--replicas", default="1", show_default=True,
              help="副本数（逗号分隔，如 1,2）；两个及以上时由 nginx 按登录会话分配（deploy/nginx.conf）")
@click.option("--db", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="数据仓库（默认 $GOVDASH_DB 或 data/govdash.duckdb；测量时使用其副本）")
@click.option("--month", default="2024-10", show_default=True, help="打开月度通报的月份")
@click.option("--timeout", default=180.0, show_default=True, help="每个会话等待页面运行结束的秒数")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def bench_load(sessions: str, replicas: str, db: Path | None, month: str, timeout: float, as_json: bool) -> None:
    """多会话负载：每个虚拟用户经 HTTP 登录，再经 websocket 打开月度通报，测量页面运行结束的时间（不用浏览器）。"""
    from benchmarks.ws_load import measure
    from govdash.cli.bench import machine
    from warehouse.db import warehouse_path

    db = db or warehouse_path()
    if not db.exists():
        fail(f"数据仓库不存在：{db}。请先运行 govdash ingest。")
    results = {"machine": machine(), "command": f"govdash bench load --sessions {sessions} --replicas {replicas}"
               + (f" --month {month}" if month != "2024-10" else ""), "rounds": []}
    for n in _counts(replicas):
        results["rounds"] += measure(db, _counts(sessions), n, query=f"month={month}", timeout=timeout,
                                     progress=lambda m: click.echo(m, err=True))
    if as_json:
        click.echo(json_text(results))
        return
    click.echo("副本 会话 完成 错误 中位(秒) 最慢(秒) 服务端中位(秒) 各副本内存峰值(MiB) 负载(前/后)")
    for r in results["rounds"]:
        rss = " / ".join(f"{v:.0f}" for v in r["rss_peak_mb"].values())
        click.echo(f"{r['replicas']:>4} {r['sessions']:>4} {r['ok']:>4} {r['errors']:>4} {r['median_s'] or '—':>8} "
                   f"{r['worst_s'] or '—':>8} {r['server_run_median_s'] or '—':>12} {rss:>18} "
                   f"{r['load_avg_1m_before']}/{r['load_avg_1m_after']}")


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True)
def serve(port: int, address: str) -> None:
    """启动看板（http://localhost:8501）。"""
    # `streamlit run app.py` serves the st.App that app.py defines (sign-in form, session cookie, the
    # guard on pages and downloads: govdash.web.server); without it every page would be open. Refuse then.
    from govdash.web.server import defines_guarded_app

    if not defines_guarded_app(REPO_ROOT / "app.py"):
        fail("app.py 中没有 st.App（登录与下载保护），拒绝启动。")
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
           "--server.port", str(port), "--server.address", address, "--server.headless", "true"]
    os.execvp(cmd[0], cmd)


for command in (report, publish, user, scoring, dispute, verify):
    main.add_command(command)
for command in (backup, restore):   # govdash.cli.backup
    main.add_command(command)
for command in (remind, notify):   # govdash.cli.remind
    main.add_command(command)


if __name__ == "__main__":
    main()
