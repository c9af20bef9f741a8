"""`govdash verify`: the archive of publications checked against its seal chain (govdash.records.seal)."""
from __future__ import annotations

import sys

import click

from govdash.core.formatting import json_text


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出校验结果")
def verify(as_json: bool) -> None:
    """校验归档：每条已发布的通报与考核的封印（内容、文件、发布信息）、前后链接和链头。

    退出码：0 全部完好；1 归档未通过校验（指出第一处断开的记录：哪个月份或考核期、第几版、什么被改动）。
    """
    from govdash.records import seal

    result = seal.verify()
    if as_json:
        click.echo(json_text(result))
    elif result["ok"]:
        click.echo(f"归档校验通过：共 {result['links']} 条发布记录，封印与链接完好，"
                   f"链头为第 {result['head_sequence']} 号。")
        if result["head_behind"]:
            click.echo(f"提示：链头文件停在第 {result['head_sequence']} 号，最新记录为第 {result['newest_sequence']} 号"
                       "（上次发布后写链头时中断；其后的记录封印完好），下次发布时自动更新。")
    else:
        click.echo(result["first"], err=True)
        for other in result["breaks"][1:]:
            click.echo(f"  另：{other['message']}", err=True)
        click.echo(f"密钥文件：{result['key_file']}；链头文件：{result['head_file']}", err=True)
    sys.exit(0 if result["ok"] else 1)
