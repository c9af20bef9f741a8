"""`govdash publish`: 定稿发布 of a month's bulletin (or a correction of it) into the warehouse archive."""
from __future__ import annotations

import click

from govdash.cli.common import fail, failing_on, principal_of
from govdash.core.principal import AccessDenied


@click.command()
@click.option("--month", default=None, help="统计月份 YYYY-MM（月度通报）")
@click.option("--year", type=int, default=None, help="考核年度 YYYY（季度、年度考核定稿；不与 --month 同用）")
@click.option("--quarter", type=int, default=None, help="季度 1–4（与 --year 同用；不填为年度考核）")
@click.option("--user", "username", required=True,
              help="发布人账号（月度通报：基层治理委员会 committee 角色；考核：考绩办 assessment 角色）")
@click.option("--as-of", "as_of", default=None,
              help="截止时点（默认：月末后第 5 个工作日末，见 settings.toml [cutoff]）")
@click.option("--correction", is_flag=True, help="发布更正版（重新计算的数字与已发布版本不同时）")
@click.option("--reason", default="", help="更正原因")
def publish(month: str | None, year: int | None, quarter: int | None, username: str, as_of: str | None,
            correction: bool, reason: str) -> None:
    """定稿发布月度通报（--month）或季度、年度考核（--year [--quarter]）：文件连同校验值存入数据仓库归档，
    此后按原样提供。"""
    if (month is None) == (year is None):
        fail("请指定 --month（月度通报）或 --year（季度、年度考核）之一")
    if year is not None:
        if as_of:
            fail("考核按考核期的默认截止时点定稿，不能指定 --as-of")
        _publish_assessment(year, quarter, username, correction, reason)
        return
    from govdash.documents.publication import PublishError, publish_month

    with failing_on(PublishError, AccessDenied, ValueError):
        record = publish_month(month, principal_of(username), as_of=as_of, correction=correction, reason=reason)
    click.echo(f"已发布 {record['publication_id']}（{'更正版' if correction else '定稿'}），截止时点 "
               f"{record['as_of']:%Y-%m-%d %H:%M:%S}")
    for f in record["files"]:
        click.echo(f"  {f['file_name']}\t{f['size']:,} 字节\tsha256 {f['sha256']}")
    for kind, why in record["skipped_kinds"].items():
        click.echo(f"  未生成 {kind}：{why}")
    if record["changes"]:
        click.echo(f"更正的数字：{len(record['changes'])} 项")
        for c in record["changes"]:
            click.echo(f"  {c['section']} {c['item']} {c['figure']}：{c['old']} → {c['new']}")


def _publish_assessment(year: int, quarter: int | None, username: str, correction: bool, reason: str) -> None:
    """定稿 of a quarterly or annual assessment (or a correction of it) by an assessment-office account."""
    from govdash.core.labels import scoring_version_label
    from govdash.documents.assessment_publication import AssessmentPublishError, publish_assessment
    from warehouse.db import WarehouseError

    with failing_on(AssessmentPublishError, AccessDenied, WarehouseError, ValueError):
        record = publish_assessment(year, quarter, principal_of(username), correction=correction, reason=reason)
    click.echo(f"已发布 {record['publication_id']}（{'更正版' if correction else '定稿'}），截止时点 "
               f"{record['as_of']:%Y-%m-%d %H:%M:%S}，评分设置版本 {scoring_version_label(record['scoring_version'])}")
    for f in record["files"]:
        click.echo(f"  {f['file_name']}\t{f['size']:,} 字节\tsha256 {f['sha256']}")
    if record["changes"]:
        click.echo(f"更正的得分：{len(record['changes'])} 项")
        for c in record["changes"]:
            click.echo(f"  {c['dept_name']} {c['figure']}：{c['old']} → {c['new']}")
