"""The `govdash` command: sample data, ingest, status, build, reports, serve."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, NoReturn

import click

from govdash.core.formatting import json_text
from govdash.core.paths import REPO_ROOT
from govdash.core.principal import AccessDenied


def _progress_echo(stage: str, i: int, n: int, name: str) -> None:
    words = {"read": "读取", "load": "导入", "build": "构建模型"}
    click.echo(f"[{words.get(stage, stage)} {i}/{n}] {name}", err=True)


def _fail(message: object) -> NoReturn:
    """A command's error: one Chinese line on stderr, exit 1 (every command ends a failure this way)."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


@contextmanager
def _failing_on(*errors: type[Exception]):
    """Within the block, one of `errors` (a request the command cannot serve: a month or cut-off that does not
    parse, an account that may not publish) ends the command with its message (_fail)."""
    try:
        yield
    except errors as exc:
        _fail(exc)


class _Commands(click.Group):
    """Any warehouse failure a command did not handle itself ends in one Chinese line, exit 1."""

    def invoke(self, ctx):
        import duckdb

        from govdash.access import AccountError
        from govdash.core.scoring import ScoringSettingsError
        from govdash.documents.pdf import DocumentError
        from pipelines.limits import LimitsError
        from warehouse.db import WarehouseError, remove_stray_copies, warehouse_error_message

        remove_stray_copies()  # a working copy a killed ingest left: removed by the next command of any kind
        try:
            return super().invoke(ctx)
        except (WarehouseError, AccountError, LimitsError, ScoringSettingsError, DocumentError) as exc:
            _fail(exc)
        except duckdb.Error as exc:  # a value out of range, another version's build, or the file itself
            _fail(warehouse_error_message(exc))


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
    result = run_ingest(list(paths), progress=None if as_json else _progress_echo)  # errors: see _Commands
    if as_json:
        click.echo(json_text(result.as_dict()))
    else:
        click.echo(f"{'文件':<28}{'表':<20}{'读取':>9}{'导入':>9}{'隔离':>7}{'重复跳过':>9}{'替换':>7}")
        for f in result.files:
            if f.error:
                click.echo(f"{f.file:<28}错误：{f.error}")
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
    from govdash.status import warehouse_status

    st = warehouse_status()
    if as_json:
        click.echo(json_text(st))
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
                   + (f"；手工录入覆盖 {', '.join(map(str, cal['override_years']))} 年" if cal["override_years"] else ""))
    click.echo(f"数据涉及年份：{', '.join(map(str, cal['data_years'])) or '无'}")
    if cal["uncovered_data_years"]:
        click.echo(f"警告：{', '.join(map(str, cal['uncovered_data_years']))} 年没有官方或录入的节假日安排，"
                   "相关期限按周一至周五临时估算，结果标注为“暂定”。请在 calendar_overrides 中录入该年安排。")


@main.command()
@click.option("--full", is_flag=True, default=True, help="全部模型从头重建（默认；导入时只增量更新受影响的部分）")
def build(full: bool) -> None:
    """重建数据仓库的 staging 与 marts 模型（全部重建；归档表 archive_* 不受影响）。"""
    from warehouse.build import build as run_build
    from warehouse.db import write_session

    with write_session() as con:
        run_build(con, progress=lambda i, n, name: click.echo(f"[构建 {i}/{n}] {name}", err=True))
    click.echo("已重建")


@main.group()
def report() -> None:
    """生成报告（月度通报、季度和年度考核）。"""


def _emit_report(data: dict, fmt: str, out: Path | None, default_name: str, render: Callable[[], bytes]) -> None:
    """A report: as JSON (fmt "json") to the file when one is given, else on stdout; in any other format the bytes
    `render()` gives, written to the file (default `default_name`). A ValueError from render (a format this
    installation cannot produce) ends the command with its message."""
    if fmt == "json":
        text = json_text(data)
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            click.echo(text)
        return
    out = out or Path(default_name)
    with _failing_on(ValueError):
        content = render()
    out.write_bytes(content)
    click.echo(f"已写入 {out}")


def _principal(username: str):
    """The account's principal (its role and department), or the command ends: no such account."""
    from govdash.access import load_accounts
    from govdash.core.principal import Principal, parse_role

    account = load_accounts().get(username)
    if account is None:
        _fail(f"没有账号“{username}”")
    role, dept_id = parse_role(account.get("role", ""))
    return Principal(username, role, dept_id)


@report.command("bulletin")
@click.option("--month", required=True, help="统计月份 YYYY-MM")
@click.option("--published", is_flag=True, help="输出已定稿发布的版本（归档中的原文件，逐字节不变）")
@click.option("--as-of", "as_of", default=None,
              help="截止时点 \"YYYY-MM-DD HH:MM:SS\"（默认：月末后第 5 个工作日末，见 settings.toml [cutoff]；未到时为现在）")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "docx", "pdf"]), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件")
@click.option("--user", "username", default=None,
              help="按该账号的权限输出（如部门账号只含本部门的记录、在全市中的名次）；不填为全市完整版")
def report_bulletin(month: str, published: bool, as_of: str | None, fmt: str, out: Path | None,
                    username: str | None) -> None:
    """月度通报：JSON（默认输出到屏幕）、Excel、Word 或 PDF；--published 为已发布的版本。"""
    principal = _principal(username) if username else None
    if published:
        if principal is not None and not principal.sees_all:
            _fail("已发布的通报文件为全市完整版，部门账号请不带 --published 输出本部门的视图")
        _published_bulletin(month, as_of, fmt, out)
        return
    from govdash.core.periods import parse_as_of, previous_month
    from govdash.figures import catalogue
    from govdash.figures.monthly_bulletin import bulletin
    from govdash.documents.documents import render_bulletin
    from warehouse.db import connect_read, read_cursor

    with _failing_on(ValueError, AccessDenied):  # a month or cut-off that does not parse; a role that sees nothing
        cutoff = parse_as_of(as_of) if as_of else None  # none given: the month's default cut-off ([cutoff])
        con = connect_read()
        cur = read_cursor(con)

        def view(m: str, at) -> dict:   # the bulletin as the account sees it (the whole city without --user)
            whole = bulletin(cur, m, at)
            return whole if principal is None else catalogue.view_as(principal, whole, bulletin, cur)

        b = view(month, cutoff)
        prev = view(previous_month(month), b["as_of"]) if fmt in ("docx", "pdf") else None
    _emit_report(b, fmt, out, f"{month}-月度通报.{fmt}", lambda: render_bulletin(fmt, b, prev))


def _published_bulletin(month: str, as_of: str | None, fmt: str, out: Path | None) -> None:
    """The month's publication in force, served from the archive byte for byte."""
    from govdash.core.periods import month_label
    from warehouse import archive
    from warehouse.db import connect_read, read_cursor

    if as_of:
        _fail("已发布的通报按发布时的截止时点固定，不能与 --as-of 同用")
    cur = read_cursor(connect_read())
    current = archive.latest(cur, month)
    if current is None:
        _fail(f"{month_label(month)}通报尚未定稿发布（govdash publish --month {month}）")
    with _failing_on(archive.ArchiveError):
        name, _mime, content = archive.file(cur, current["publication_id"], fmt)
    if fmt == "json" and out is None:
        click.echo(content.decode("utf-8"))
        return
    out = out or Path(name)
    out.write_bytes(content)
    click.echo(f"已写入 {out}（{current['publication_id']}，sha256 {archive.sha256(content)}）")


@main.command()
@click.option("--month", required=True, help="统计月份 YYYY-MM")
@click.option("--user", "username", required=True, help="发布人账号（须为基层治理委员会 committee 角色）")
@click.option("--as-of", "as_of", default=None, help="截止时点（默认：月末后第 5 个工作日末，见 settings.toml [cutoff]）")
@click.option("--correction", is_flag=True, help="发布更正版（重新计算的数字与已发布版本不同时）")
@click.option("--reason", default="", help="更正原因")
def publish(month: str, username: str, as_of: str | None, correction: bool, reason: str) -> None:
    """定稿发布月度通报：JSON、Word、Excel（及 PDF）连同校验值存入数据仓库归档，此后按原样提供。"""
    from govdash.documents.publication import PublishError, publish_month

    with _failing_on(PublishError, AccessDenied, ValueError):
        record = publish_month(month, _principal(username), as_of=as_of, correction=correction, reason=reason)
    click.echo(f"已发布 {record['publication_id']}（{'更正版' if correction else '定稿'}），截止时点 {record['as_of']:%Y-%m-%d %H:%M:%S}")
    for f in record["files"]:
        click.echo(f"  {f['file_name']}\t{f['size']:,} 字节\tsha256 {f['sha256']}")
    for kind, why in record["skipped_kinds"].items():
        click.echo(f"  未生成 {kind}：{why}")
    if record["changes"]:
        click.echo(f"更正的数字：{len(record['changes'])} 项")
        for c in record["changes"]:
            click.echo(f"  {c['section']} {c['item']} {c['figure']}：{c['old']} → {c['new']}")


@report.command("assessment")
@click.option("--year", type=int, required=True, help="考核年度 YYYY")
@click.option("--quarter", type=int, default=None, help="季度 1–4（不填为年度考核）")
@click.option("--as-of", "as_of", default=None,
              help="截止时点 \"YYYY-MM-DD HH:MM:SS\"（默认：期末后第 5 个工作日末，见 settings.toml [cutoff]；未到时为现在）")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="评分设置文件（默认 config/scoring.toml）")
@click.option("--user", "username", default=None,
              help="按该账号的权限输出（如部门账号只含本部门的记录、在全市中的名次）；不填为全市完整版")
def report_assessment(year: int, quarter: int | None, as_of: str | None, fmt: str, out: Path | None,
                      settings_file: Path | None, username: str | None) -> None:
    """季度、年度考核：JSON（默认输出到屏幕）或 Excel。"""
    from govdash.core.scoring import load_scoring
    from govdash.figures import catalogue
    from govdash.figures.assessment import assessment, assessment_result
    from govdash.documents.documents import render_assessment
    from warehouse.db import connect_read, read_cursor

    principal = _principal(username) if username else None
    with _failing_on(ValueError, AccessDenied):  # a cut-off that does not parse; a role that sees nothing
        settings = load_scoring(settings_file)
        cur = read_cursor(connect_read())
        result = assessment(cur, year, quarter, as_of, settings)
        if principal is not None:   # ranked on the whole city, then cut as the page cuts it
            result = catalogue.view_as(principal, result, assessment_result, cur)
    _emit_report(result, fmt, out, f"{result['period']}考核.xlsx", lambda: render_assessment(result))


@main.group()
def user() -> None:
    """账号管理（密码以 scrypt 哈希保存，不保存明文）。账号请求有误时给出一行中文说明，退出码 1。"""


def _password_option(password: str | None) -> tuple[str, bool]:
    from govdash.access import new_password

    return (password, False) if password else (new_password(), True)


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="committee | assessment | department:<部门编号>")
@click.option("--password", default=None, help="不填则生成随机密码并显示一次")
@click.option("--email", default=None, help="统一身份认证（OpenID Connect）登录时对应的邮箱")
@click.option("--replace", is_flag=True, help="账号已存在时替换其角色、密码和邮箱（不加则拒绝）")
def user_add(name: str, role: str, password: str | None, email: str | None, replace: bool) -> None:
    """新建账号（已存在则拒绝，除非加 --replace）。"""
    from govdash.access import accounts_path, add_user

    password, generated = _password_option(password)
    add_user(name, role, password, email, replace=replace)
    click.echo(f"已保存账号 {name}（{role}）到 {accounts_path()}" + (f"；初始密码：{password}" if generated else ""))


@user.command("reset")
@click.argument("name")
@click.option("--password", default=None, help="不填则生成随机密码并显示一次")
def user_reset(name: str, password: str | None) -> None:
    """重置密码。"""
    from govdash.access import reset_password

    password, generated = _password_option(password)
    reset_password(name, password)
    click.echo(f"已重置 {name} 的密码" + (f"：{password}" if generated else ""))


@user.command("remove")
@click.argument("name")
def user_remove(name: str) -> None:
    """删除账号。"""
    from govdash.access import remove_user

    remove_user(name)
    click.echo(f"已删除账号 {name}")


@user.command("unlock")
@click.argument("name")
def user_unlock(name: str) -> None:
    """解除账号的登录锁定：清除该账号从各地址、各浏览器的失败登录记录（服务器在下一次登录时生效）。"""
    import logging

    from govdash import sessions

    logging.getLogger("govdash").addHandler(logging.NullHandler())   # the command's answer is its Chinese line
    try:
        cleared = sessions.Throttle(sessions.load_settings(), sessions.state_dir() / "signin_throttle.json").unlock(name)
    except sessions.SignInStateError as exc:
        _fail(f"{sessions.UNAVAILABLE_TEXTS.get(exc.kind, exc.kind)}：{exc}")
    click.echo(f"已解除账号 {name} 的登录锁定（清除 {cleared} 条失败登录记录）" if cleared else f"账号 {name} 没有失败登录记录，无需解除")


@user.command("list")
def user_list() -> None:
    """列出账号与角色（不显示密码）。"""
    from govdash.access import load_accounts

    for name, u in sorted(load_accounts().items()):
        click.echo(f"{name}\t{u.get('role', '')}\t{u.get('email', '')}")


@user.command("demo")
def user_demo() -> None:
    """创建演示账号（已存在则跳过）并显示其初始密码。"""
    from govdash.access import accounts_path, load_accounts, new_password, set_user

    demo = {"committee": "committee", "assessment": "assessment", "dept-d13": "department:D13", "dept-d04": "department:D04"}
    existing = load_accounts()
    for name, role in demo.items():
        if name in existing:
            click.echo(f"演示账号 {name}（{role}）已存在；忘记密码可运行 govdash user reset {name}")
            continue
        password = new_password()
        set_user(name, role, password)
        click.echo(f"演示账号 {name}（{role}）密码：{password}")
    click.echo(f"账号文件：{accounts_path()}")


@main.command()
@click.option("--scale", "scales", type=float, multiple=True, default=[1.0], show_default=True, help="数据规模（可多次给出）")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None, help="数据与仓库存放目录")
@click.option("--browser/--no-browser", default=True, show_default=True, help="测量月度通报页在 Chromium 中的首屏时间")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.option("--incremental", is_flag=True, help="增量导入基准：一天与十天的数据导入已有仓库与近空仓库之比、历史截止时点与当前的通报、导入与单趟 SQL 下限之比")
def bench(scales: tuple[float, ...], workdir: Path | None, browser: bool, as_json: bool, incremental: bool) -> None:
    """基准测试：导入吞吐、模型构建、月度通报、年度考核、内存与浏览器首屏。"""
    import tempfile

    from govdash.bench import machine, run_incremental, run_scale

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
                               f"{inc['incremental_s']:.2f} 秒，导入近空仓库 {inc['near_empty_s']:.2f} 秒，比值 {inc['ratio']:.2f}")
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
            click.echo(f"规模 {scale:g}：导入 {i['rows_read']:,} 行 {i['seconds']:.1f} 秒（{i['rows_per_s']:,.0f} 行/秒，"
                       f"流转记录 {i['log_rows_per_s']:,.0f} 行/秒，峰值内存 {i['peak_rss_mb']} MB）；重建 {b['seconds']:.1f} 秒；"
                       f"月度通报 冷 {q['bulletin_cold_s']:.2f} 秒 / 热 {q['bulletin_warm_s']:.2f} 秒；"
                       f"部门表 {q['department_table_s']:.2f} 秒，手写 SQL {q['hand_sql_s']:.2f} 秒（比值 {q['ratio_to_hand_sql']:.2f}），"
                       f"pandas {pq['pandas_s']:.2f} 秒（为本系统的 {pq['ratio_pandas_to_ours']:.1f} 倍）；"
                       f"年度考核 {q['assessment_year_s']:.2f} 秒" + (
                           f"；首屏 {r['browser']['first_render_s']:.2f} 秒" if "first_render_s" in r.get("browser", {}) else ""))
    if as_json:
        click.echo(json_text(results))


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True)
def serve(port: int, address: str) -> None:
    """启动看板（http://localhost:8501）。"""
    # `streamlit run app.py` serves the st.App that app.py defines (sign-in form, session cookie, the
    # guard on pages and downloads: govdash.server); without it every page would be open. Refuse then.
    from streamlit.web.server.app_discovery import discover_asgi_app

    if not discover_asgi_app(REPO_ROOT / "app.py").is_asgi_app:
        _fail("app.py 中没有 st.App（登录与下载保护），拒绝启动。")
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
           "--server.port", str(port), "--server.address", address, "--server.headless", "true"]
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
