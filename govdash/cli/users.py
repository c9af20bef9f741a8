"""`govdash user`: accounts (add, reset, remove, unlock, list, demo); passwords are stored as scrypt hashes."""
from __future__ import annotations

import click

from govdash.cli.common import fail


@click.group()
def user() -> None:
    """账号管理（密码以 scrypt 哈希保存，不保存明文）。账号请求有误时给出一行中文说明，退出码 1。"""


def _password_option(password: str | None) -> tuple[str, bool]:
    from govdash.records.accounts import new_password

    return (password, False) if password else (new_password(), True)


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="committee | assessment | department:<部门编号>")
@click.option("--password", default=None, help="不填则生成随机密码并显示一次")
@click.option("--email", default=None, help="统一身份认证（OpenID Connect）登录时对应的邮箱")
@click.option("--display-name", "display_name", default=None, help="姓名（发布通报、定稿考核时署名用）")
@click.option("--replace", is_flag=True, help="账号已存在时替换其角色、密码和邮箱（不加则拒绝）")
def user_add(name: str, role: str, password: str | None, email: str | None, display_name: str | None,
             replace: bool) -> None:
    """新建账号（已存在则拒绝，除非加 --replace）。"""
    from govdash.records.accounts import add_user
    from govdash.records.db import display_url

    password, generated = _password_option(password)
    add_user(name, role, password, email, replace=replace, display_name=display_name)
    click.echo(f"已保存账号 {name}（{role}）到记录库 {display_url()}"
               + (f"；初始密码：{password}" if generated else ""))


@user.command("name")
@click.argument("name")
@click.argument("display_name", required=False, default="")
def user_name(name: str, display_name: str) -> None:
    """设置账号的姓名（文件与通报中署名用）；不填姓名则清除，改用账号名署名。"""
    from govdash.records.accounts import set_display_name

    set_display_name(name, display_name)
    click.echo(f"已将账号 {name} 的姓名设为“{display_name.strip()}”" if display_name.strip()
               else f"已清除账号 {name} 的姓名，署名改用账号名")


@user.command("reset")
@click.argument("name")
@click.option("--password", default=None, help="不填则生成随机密码并显示一次")
def user_reset(name: str, password: str | None) -> None:
    """重置密码。"""
    from govdash.records.accounts import reset_password

    password, generated = _password_option(password)
    reset_password(name, password)
    click.echo(f"已重置 {name} 的密码" + (f"：{password}" if generated else ""))


@user.command("remove")
@click.argument("name")
def user_remove(name: str) -> None:
    """删除账号。"""
    from govdash.records.accounts import remove_user

    remove_user(name)
    click.echo(f"已删除账号 {name}")


@user.command("unlock")
@click.argument("name")
def user_unlock(name: str) -> None:
    """解除账号的登录锁定：清除该账号从各地址、各浏览器的失败登录记录（服务器在下一次登录时生效）。"""
    import logging

    from govdash.records.signin import ThrottleRecords
    from govdash.web import sessions

    logging.getLogger("govdash").addHandler(logging.NullHandler())   # the command's answer is its Chinese line
    try:
        cleared = sessions.Throttle(sessions.load_settings(), ThrottleRecords()).unlock(name)
    except sessions.SignInStateError as exc:
        fail(f"{sessions.UNAVAILABLE_TEXTS.get(exc.kind, exc.kind)}：{exc}")
    click.echo(f"已解除账号 {name} 的登录锁定（清除 {cleared} 条失败登录记录）" if cleared
               else f"账号 {name} 没有失败登录记录，无需解除")


@user.command("list")
def user_list() -> None:
    """列出账号与角色（不显示密码）。"""
    from govdash.records.accounts import load_accounts

    for name, u in sorted(load_accounts().items()):
        click.echo(f"{name}\t{u.get('role', '')}\t{u.get('display_name', '')}\t{u.get('email', '')}")


@user.command("demo")
def user_demo() -> None:
    """创建演示账号（已存在则跳过）并显示其初始密码。"""
    from govdash.records.accounts import load_accounts, new_password, set_user
    from govdash.records.db import display_url

    demo = {"committee": ("committee", "张明"), "assessment": ("assessment", "李华"),
            "dept-d13": ("department:D13", "王芳"), "dept-d04": ("department:D04", "赵强")}
    existing = load_accounts()
    for name, (role, display_name) in demo.items():
        if name in existing:
            click.echo(f"演示账号 {name}（{role}）已存在；忘记密码可运行 govdash user reset {name}")
            continue
        password = new_password()
        set_user(name, role, password, display_name=display_name)
        click.echo(f"演示账号 {name}（{role}）密码：{password}")
    click.echo(f"账号保存在记录库：{display_url()}")
