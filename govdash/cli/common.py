"""What every `govdash` command shares: one Chinese line and exit 1 for a request it cannot serve, the progress
lines of a long run, and the account a report or a publication is made for."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import NoReturn

import click


def progress_echo(stage: str, i: int, n: int, name: str) -> None:
    words = {"read": "读取", "load": "导入", "build": "构建模型"}
    click.echo(f"[{words.get(stage, stage)} {i}/{n}] {name}", err=True)


def fail(message: object) -> NoReturn:
    """A command's error: one Chinese line on stderr, exit 1 (every command ends a failure this way)."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


@contextmanager
def failing_on(*errors: type[Exception]):
    """Within the block, one of `errors` (a request the command cannot serve: a month or cut-off that does not
    parse, an account that may not publish) ends the command with its message (fail)."""
    try:
        yield
    except errors as exc:
        fail(exc)


def principal_of(username: str):
    """The account's principal (its role and department), or the command ends: no such account."""
    from govdash.records.accounts import load_accounts, principal_of_account

    account = load_accounts().get(username)
    if account is None:
        fail(f"没有账号“{username}”")
    return principal_of_account(username, account)
