"""`govdash scoring`: scoring settings versions from the command line, as the 年度考核 page saves them."""
from __future__ import annotations

from pathlib import Path

import click

from govdash.cli.common import fail, failing_on, principal_of


@click.group()
def scoring() -> None:
    """评分设置版本（考绩办）。"""


@scoring.command("save")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="评分设置文件（TOML，与 config/scoring.toml 同格式）")
@click.option("--reason", required=True, help="保存原因（记入版本记录）")
@click.option("--user", "username", required=True, help="保存人账号（须为考绩办 assessment 角色）")
def save(path: Path, reason: str, username: str) -> None:
    """把设置文件保存为新的评分设置版本并启用（与年度考核页面的“保存为新的评分设置”相同）。"""
    from govdash.core.scoring import ScoringSettingsError, dump_scoring, parse_scoring
    from govdash.records.scoring_versions import save_scoring_version

    principal = principal_of(username)
    if not principal.can_edit_scoring:
        fail("只有考绩办账号可以保存评分设置")
    with failing_on(ScoringSettingsError, ValueError, OSError):
        # written as the page writes it (dump_scoring of the checked settings), so the same settings make the same
        # version whichever way they are saved
        text = dump_scoring(parse_scoring(path.read_text(encoding="utf-8"), path.name))
        version = save_scoring_version(text, principal.name, reason)   # the person, as a publisher is named
    click.echo(f"已保存评分设置版本 {version}，此后的考核得分按此版本计算（已定稿的考核不变）")
