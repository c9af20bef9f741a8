"""`govdash publish`: 定稿发布 of a month's bulletin (or a correction of it) into the warehouse archive."""
from __future__ import annotations

import click

from govdash.cli.common import failing_on, principal_of
from govdash.core.principal import AccessDenied


@click.command()
@click.option("--month", required=True, help="统计月份 YYYY-MM")
@click.option("--user", "username", required=True, help="发布人账号（须为基层治理委员会 committee 角色）")
@click.option("--as-of", "as_of", default=None,
              help="截止时点（默认：月末后第 5 个工作日末，见 settings.toml [cutoff]）")
@click.option("--correction", is_flag=True, help="发布更正版（重新计算的数字与已发布版本不同时）")
@click.option("--reason", default="", help="更正原因")
def publish(month: str, username: str, as_of: str | None, correction: bool, reason: str) -> None:
    """定稿发布月度通报：JSON、Word、Excel（及 PDF）连同校验值存入数据仓库归档，此后按原样提供。"""
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
