"""`govdash report`: the monthly bulletin (as computed, or as published from the archive) and the quarterly and
annual assessment, as JSON, Excel, Word or PDF, for the whole city or as one account sees them."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from govdash.cli.common import fail, failing_on, principal_of
from govdash.core.formatting import json_text
from govdash.core.principal import AccessDenied


@click.group()
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
    with failing_on(ValueError):
        content = render()
    out.write_bytes(content)
    click.echo(f"已写入 {out}")


@report.command("bulletin")
@click.option("--month", required=True, help="统计月份 YYYY-MM")
@click.option("--published", is_flag=True, help="输出已定稿发布的版本（归档中的原文件，逐字节不变）")
@click.option("--as-of", "as_of", default=None,
              help="截止时点 \"YYYY-MM-DD HH:MM:SS\"（默认：月末后第 5 个工作日末，见 settings.toml "
                   "[cutoff]；未到时为现在）")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "docx", "pdf"]), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件")
@click.option("--user", "username", default=None,
              help="按该账号的权限输出（如部门账号只含本部门的记录、在全市中的名次）；不填为全市完整版")
def report_bulletin(month: str, published: bool, as_of: str | None, fmt: str, out: Path | None,
                    username: str | None) -> None:
    """月度通报：JSON（默认输出到屏幕）、Excel、Word 或 PDF；--published 为已发布的版本。"""
    principal = principal_of(username) if username else None
    if published:
        if principal is not None and not principal.sees_all:
            _published_department_reading(month, as_of, fmt, out, principal)
            return
        _published_bulletin(month, as_of, fmt, out)
        return
    from govdash.core.periods import parse_as_of
    from govdash.documents.documents import department_reading, render_bulletin
    from govdash.figures import catalogue
    from warehouse.db import connect_read, read_cursor

    with failing_on(ValueError, AccessDenied):  # a month or cut-off that does not parse; a role that sees nothing
        cutoff = parse_as_of(as_of) if as_of else None  # none given: the month's default cut-off ([cutoff])
        con = connect_read()
        cur = read_cursor(con)

        def view(figure: catalogue.Figure, at) -> dict:   # as the account sees it (the whole city without --user)
            whole = figure.fn(cur, month, at)
            return whole if principal is None else catalogue.view_as(principal, whole, figure, cur)

        b = view(catalogue.bulletin, cutoff)
        # the Word and PDF files compare the month with the month before: its city totals only
        prev = view(catalogue.comparison, b["as_of"]) if fmt in ("docx", "pdf") else None
        extract = None
        if principal is not None and principal.is_department:   # the city's bulletin, then its own rows (SPEC 8.1)
            extract, b = b, view(catalogue.circulated_bulletin, cutoff)
    data = b if extract is None else department_reading(b, extract)
    _emit_report(data, fmt, out, f"{month}-月度通报.{fmt}", lambda: render_bulletin(fmt, b, prev, extract))


def _published_department_reading(month: str, as_of: str | None, fmt: str, out: Path | None, principal) -> None:
    """A department's reading of the month's publication in force: the city's bulletin exactly as published (its
    comparison as stored with it), then its own rows as an extract, as its download buttons give it."""
    from govdash.core.periods import month_label
    from govdash.documents.documents import department_reading, render_bulletin
    from govdash.figures import catalogue
    from warehouse import archive
    from warehouse.db import connect_read, read_cursor

    if as_of:
        fail("已发布的通报按发布时的截止时点固定，不能与 --as-of 同用")
    cur = read_cursor(connect_read())
    current = archive.latest(cur, month)
    if current is None:
        fail(f"{month_label(month)}通报尚未定稿发布（govdash publish --month {month}）")
    with failing_on(archive.ArchiveError, AccessDenied):
        b = catalogue.view_as(principal, catalogue.circulated_published_bulletin.fn(cur, current["publication_id"]),
                              catalogue.circulated_published_bulletin, cur)
        extract = catalogue.view_as(principal, b, catalogue.published_bulletin, cur)
        prev = b.get("comparison") or catalogue.comparison.fn(cur, month, b["as_of"])
    _emit_report(department_reading(b, extract), fmt, out, f"{month}-月度通报.{fmt}",
                 lambda: render_bulletin(fmt, b, prev, extract))


def _published_bulletin(month: str, as_of: str | None, fmt: str, out: Path | None) -> None:
    """The month's publication in force, served from the archive byte for byte."""
    from govdash.core.periods import month_label
    from warehouse import archive
    from warehouse.db import connect_read, read_cursor

    if as_of:
        fail("已发布的通报按发布时的截止时点固定，不能与 --as-of 同用")
    # a stored file is served as published whichever version built the warehouse (it is read only for the one-time
    # import of an earlier version's archive tables), so an upgrade does not hide the archive until a rebuild
    cur = read_cursor(connect_read(check_build=False))
    current = archive.latest(cur, month)
    if current is None:
        fail(f"{month_label(month)}通报尚未定稿发布（govdash publish --month {month}）")
    with failing_on(archive.ArchiveError):
        name, _mime, content = archive.file(cur, current["publication_id"], fmt)
    _write_stored(name, content, current["publication_id"], fmt, out)


@report.command("assessment")
@click.option("--year", type=int, required=True, help="考核年度 YYYY")
@click.option("--quarter", type=int, default=None, help="季度 1–4（不填为年度考核）")
@click.option("--published", is_flag=True, help="输出已定稿的版本（归档中的原文件，逐字节不变）")
@click.option("--as-of", "as_of", default=None,
              help="截止时点 \"YYYY-MM-DD HH:MM:SS\"（默认：期末后第 5 个工作日末，见 settings.toml "
                   "[cutoff]；未到时为现在）")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="评分设置文件（默认 config/scoring.toml）")
@click.option("--user", "username", default=None,
              help="按该账号的权限输出（如部门账号只含本部门的记录、在全市中的名次）；不填为全市完整版")
def report_assessment(year: int, quarter: int | None, published: bool, as_of: str | None, fmt: str, out: Path | None,
                      settings_file: Path | None, username: str | None) -> None:
    """季度、年度考核：JSON（默认输出到屏幕）或 Excel；--published 为已定稿的版本。"""
    if published:
        if username is not None and not principal_of(username).sees_all:
            fail("已定稿的考核文件为全市完整版，部门账号请不带 --published 输出本部门的视图")
        if as_of or settings_file:
            fail("已定稿的考核按定稿时的截止时点和评分设置固定，不能与 --as-of、--settings 同用")
        _published_assessment(year, quarter, fmt, out)
        return
    from govdash.core.scoring import load_scoring
    from govdash.documents.documents import render_assessment
    from govdash.figures import catalogue
    from govdash.figures.assessment import assessment
    from warehouse.db import connect_read, read_cursor

    principal = principal_of(username) if username else None
    with failing_on(ValueError, AccessDenied):  # a cut-off that does not parse; a role that sees nothing
        settings = load_scoring(settings_file)
        cur = read_cursor(connect_read())
        result = assessment(cur, year, quarter, as_of, settings)
        if principal is not None:   # ranked on the whole city, then cut as the page cuts it
            result = catalogue.view_as(principal, result, catalogue.assessment_result, cur)
    _emit_report(result, fmt, out, f"{result['period']}考核.xlsx", lambda: render_assessment(result))


def _published_assessment(year: int, quarter: int | None, fmt: str, out: Path | None) -> None:
    """The period's published assessment in force, served from the archive byte for byte."""
    from govdash.figures.assessment import period_bounds
    from warehouse import archive, assessment_archive
    from warehouse.db import connect_read, read_cursor

    with failing_on(ValueError):
        label = period_bounds(year, quarter)["label"]
    cur = read_cursor(connect_read(check_build=False))   # as for a bulletin: served as published
    current = assessment_archive.latest(cur, year, quarter)
    if current is None:
        fail(f"{label}考核尚未定稿（govdash publish --year {year}" + ("" if quarter is None
                                                               else f" --quarter {quarter}")
             + " --user 考绩办账号）")
    with failing_on(archive.ArchiveError):
        name, _mime, content = assessment_archive.file(cur, current["publication_id"], fmt)
    _write_stored(name, content, current["publication_id"], fmt, out)


def _write_stored(name: str, content: bytes, publication_id: str, fmt: str, out: Path | None) -> None:
    """A stored file as published: JSON to the screen when no file is named, else to `out` (or its stored name)."""
    from warehouse import archive

    if fmt == "json" and out is None:
        click.echo(content.decode("utf-8"))
        return
    out = out or Path(name)
    out.write_bytes(content)
    click.echo(f"已写入 {out}（{publication_id}，sha256 {archive.sha256(content)}）")


@report.command("self-check")
@click.option("--department", "dept_id", required=True, help="部门编号")
@click.option("--as-of", "as_of", default=None, help="截止时点 \"YYYY-MM-DD HH:MM[:SS]\"（默认：现在）")
@click.option("--json", "_as_json", is_flag=True, help="以 JSON 输出（目前只有 JSON）")
def report_self_check(dept_id: str, as_of: str | None, _as_json: bool) -> None:
    """部门自查清单：在办、临期（下一个工作日结束前到期）、超期、需本部门处理的申诉。"""
    from govdash.core.periods import parse_as_of
    from govdash.figures import catalogue
    from warehouse.db import connect_read, read_cursor

    with failing_on(ValueError):
        cutoff = parse_as_of(as_of)
    cur = read_cursor(connect_read())
    known = set(catalogue.departments.fn(cur)["dept_id"].to_list())
    if dept_id not in known:
        fail(f"没有部门“{dept_id}”")
    from govdash.documents.digest_text import jsonable

    click.echo(json_text(jsonable(catalogue.self_check.fn(cur, dept_id, cutoff))))
