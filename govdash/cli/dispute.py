"""`govdash dispute`: 申诉核减 (SPEC §9) — a department files a dispute against a judgment of its own item, the
assessment office rules (初审), a rejected dispute may be taken once to the committee (复核), the filer may
withdraw while it is pending; `list` shows each dispute with its steps. A request the rules refuse ends with one
Chinese line naming the rule, exit 2; a failure, exit 1 (as every command)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from govdash.cli.common import principal_of


def refuse(message: object) -> NoReturn:
    """A request the rules refuse: one Chinese line on stderr, exit 2."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


@contextmanager
def _refusing():
    from govdash.figures.disputes import DisputeRefused
    from govdash.records.disputes import DisputeConflict

    try:
        yield
    except (DisputeRefused, DisputeConflict, ValueError) as exc:
        refuse(exc)


@contextmanager
def _warehouse():
    """A read cursor on the warehouse (its facts: the item disputed, the working-day calendar)."""
    from warehouse.db import connect_read, read_cursor

    con = connect_read()
    try:
        yield read_cursor(con)
    finally:
        con.close()


@click.group()
def dispute() -> None:
    """申诉核减：部门对本部门事项的评价提出申诉，考绩办初审，委员会复核。"""


def _read_attachment(path: Path, limit_mb: float) -> tuple[str, bytes]:
    """A file to attach, read no further than one byte past the size limit (the rule then refuses it)."""
    try:
        with open(path, "rb") as fh:
            return path.name, fh.read(int(limit_mb * 1024 * 1024) + 1)
    except OSError as exc:
        refuse(f"无法读取附件“{path}”：{exc.strerror or exc}")


@dispute.command("file")
@click.option("--user", "username", required=True, help="申诉部门的账号（department:<部门编号>）")
@click.option("--item", required=True,
              help="申诉事项：assignment:事件编号/部门编号、rating:期间/联合党委编号/部门编号 或 burden:任务编号")
@click.option("--ground", required=True,
              help="申诉理由：派错部门、重复件、无效诉求、客观原因延期、误评、已准入、依法出具")
@click.option("--reason", required=True, help="申诉说明")
@click.option("--days", type=int, default=None, help="客观原因延期：申请延长的工作日数")
@click.option("--duplicate-of", "duplicate_of", default=None, help="重复件：所重复的事件编号")
@click.option("--contact", default=None, help="误评：回访记录（何时、联系何人、结果）")
@click.option("--ref", default=None, help="已准入：准入清单中的事项名称；依法出具：所依据的法律法规")
@click.option("--attach", "attach", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="附件（PDF、JPG 或 PNG，可多次给出）")
@click.option("--at", "at", default=None, help="提交时间 YYYY-MM-DD HH:MM[:SS]（默认：现在）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出新申诉的编号")
def dispute_file(username: str, item: str, ground: str, reason: str, days: int | None, duplicate_of: str | None,
                 contact: str | None, ref: str | None, attach: tuple[Path, ...], at: str | None,
                 as_json: bool) -> None:
    """提交申诉（仅限本部门的事项，须在申诉期限内）。"""
    from govdash.core.formatting import json_text
    from govdash.figures.disputes import dispute_settings, file_dispute

    principal = principal_of(username)
    with _refusing():
        limit = dispute_settings().attachment_max_mb
        files = [_read_attachment(p, limit) for p in attach]
        with _warehouse() as con:
            new_id = file_dispute(con, principal, item, ground, reason, days=days, duplicate_of=duplicate_of,
                                  contact=contact, ref=ref, attachments=files, at=at)
    click.echo(json_text({"id": new_id}) if as_json else f"已提交申诉，编号 {new_id}")


@dispute.command("rule")
@click.option("--user", "username", required=True, help="裁定人账号（初审：考绩办 assessment；复核：委员会 committee）")
@click.option("--id", "dispute_id", type=int, required=True, help="申诉编号")
@click.option("--approve", "decision", flag_value="approve", help="批准")
@click.option("--reject", "decision", flag_value="reject", help="驳回")
@click.option("--days", type=int, default=None, help="批准“客观原因延期”时给予的工作日数（不超过申请数；默认全部）")
@click.option("--reason", required=True, help="裁定理由")
@click.option("--at", "at", default=None, help="裁定时间 YYYY-MM-DD HH:MM[:SS]（默认：现在）")
def dispute_rule(username: str, dispute_id: int, decision: str | None, days: int | None, reason: str,
                 at: str | None) -> None:
    """裁定申诉：初审（考绩办）或复核（委员会），批准或驳回，须写明理由。"""
    from govdash.figures.disputes import DECISION_LABELS, STEP_LABELS, rule_dispute

    if decision is None:
        refuse("请选择 --approve（批准）或 --reject（驳回）之一")
    principal = principal_of(username)
    with _refusing(), _warehouse() as con:
        step = rule_dispute(con, principal, dispute_id, decision == "approve", reason, days=days, at=at)
    click.echo(f"已记录申诉 {dispute_id} 的{STEP_LABELS[step['step']]}裁定：{DECISION_LABELS[step['decision']]}"
               + (f"，给予 {step['days_granted']} 个工作日" if step["days_granted"] else ""))


@dispute.command("escalate")
@click.option("--user", "username", required=True, help="申诉部门的账号")
@click.option("--id", "dispute_id", type=int, required=True, help="申诉编号")
@click.option("--reason", required=True, help="申请复核的理由")
@click.option("--at", "at", default=None, help="申请时间 YYYY-MM-DD HH:MM[:SS]（默认：现在）")
def dispute_escalate(username: str, dispute_id: int, reason: str, at: str | None) -> None:
    """对初审驳回的申诉申请复核（一次，驳回后限期内）。"""
    from govdash.core.periods import day_label
    from govdash.figures.disputes import escalate_dispute

    principal = principal_of(username)
    with _refusing(), _warehouse() as con:
        step = escalate_dispute(con, principal, dispute_id, reason, at=at)
    click.echo(f"已申请复核申诉 {dispute_id}，委员会应于 {day_label(step['deadline'])} 前裁定")


@dispute.command("withdraw")
@click.option("--user", "username", required=True, help="申诉部门的账号")
@click.option("--id", "dispute_id", type=int, required=True, help="申诉编号")
@click.option("--at", "at", default=None, help="撤回时间 YYYY-MM-DD HH:MM[:SS]（默认：现在）")
def dispute_withdraw(username: str, dispute_id: int, at: str | None) -> None:
    """撤回待裁定的申诉。"""
    from govdash.figures.disputes import withdraw_dispute

    principal = principal_of(username)
    with _refusing():
        withdraw_dispute(principal, dispute_id, at=at)
    click.echo(f"已撤回申诉 {dispute_id}")


def _moment(value) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _listed(d: dict) -> dict:
    """A dispute as `list --json` gives it: every column, its state, steps and attachments, times as text."""
    from govdash.figures.disputes import STATE_LABELS

    out = {k: (_moment(v) if hasattr(v, "strftime") else v) for k, v in d.items()
           if k not in ("steps", "attachments", "item_key")}
    out["state_label"] = STATE_LABELS[d["state"]]
    out["steps"] = [{k: (_moment(v) if hasattr(v, "strftime") else v) for k, v in s.items()} for s in d["steps"]]
    out["attachments"] = d["attachments"]
    return out


def _item_text(d: dict) -> str:
    if d["item_kind"] == "burden":
        return f"任务 {d['task_id']}"
    if d["item_kind"] == "rating":
        return f"双向评价 {d['rating_period']} {d['jpc_id']}"
    return f"事件 {d['event_id']}（派单 {_moment(d['assigned_at'])}）"


@dispute.command("list")
@click.option("--user", "username", default=None, help="按该账号的权限列出（部门账号只见本部门的申诉）")
@click.option("--status", default=None,
              help="只列出该状态：pending_first 待初审、pending_review 待复核、approved 已批准、rejected 已驳回、"
                   "withdrawn 已撤回")
@click.option("--month", default=None, help="只列出该月提交的申诉 YYYY-MM")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def dispute_list(username: str | None, status: str | None, month: str | None, as_json: bool) -> None:
    """列出申诉及其每一步（谁、何时、做了什么）。"""
    from govdash.core.formatting import json_text
    from govdash.core.textsafe import output_text
    from govdash.figures.disputes import DECISION_LABELS, STATE_LABELS, STEP_LABELS, visible_disputes

    principal = principal_of(username) if username else None
    with _refusing():
        rows = visible_disputes(principal, state=status, month=month)
    if as_json:
        click.echo(json_text([_listed(d) for d in rows]))
        return
    if not rows:
        click.echo("没有申诉")
    for d in rows:
        item = _item_text(d)
        click.echo(f"申诉 {d['id']}  部门 {d['dept_id']}  {output_text(item)}  理由：{output_text(d['ground'])}  "
                   f"状态：{STATE_LABELS[d['state']]}")
        for s in d["steps"]:
            what = STEP_LABELS[s["step"]] + (f" {DECISION_LABELS[s['decision']]}" if s["decision"] else "") + (
                f"（{s['days_granted']} 个工作日）" if s["days_granted"] else "")
            click.echo(f"  {_moment(s['at'])}  {what}  {output_text(s['by_user'])}"
                       + (f"：{output_text(s['reason'])}" if s["reason"] else ""))
        for a in d["attachments"]:
            click.echo(f"  附件 {output_text(a['filename'])}  {a['size']:,} 字节  sha256 {a['sha256']}")


@dispute.command("load")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每一行的结果")
def dispute_load(path: Path, as_json: bool) -> None:
    """按文件顺序载入申诉记录文件（申诉编号、步骤、时间、账号……，UTF-8 或 GBK 的 CSV）：每一行按申诉规则办理
    （提交申诉、初审、申请复核、复核、撤回），记录为该行账号在该行时间所办；每一行是单独的一个事务，
    被规则拒绝的行不影响其他行。已载入过的行不再重复记录。全部载入或已存在时退出码 0，有被拒绝的行时 2。"""
    from govdash.core.formatting import json_text
    from govdash.core.textsafe import output_text
    from govdash.figures.dispute_load import OUTCOME_LABELS, load_dispute_steps
    from pipelines.dispute_file import DisputeFileError, read_dispute_steps

    try:
        rows = read_dispute_steps(path)
    except DisputeFileError as exc:
        from govdash.cli.common import fail

        fail(exc)
    with _warehouse() as con:
        outcomes = load_dispute_steps(con, rows)
    counts = {k: sum(o.outcome == k for o in outcomes) for k in OUTCOME_LABELS}
    if as_json:
        click.echo(json_text({"file": path.name, **counts, "rows": [o.as_dict() for o in outcomes]}))
    else:
        click.echo(f"{path.name}：共 {len(outcomes)} 行，已记录 {counts['recorded']} 行，"
                   f"已存在 {counts['already']} 行，未记录 {counts['refused']} 行")
        for o in outcomes:
            if o.outcome == "refused":
                click.echo(f"  第 {o.line} 行（申诉 {output_text(o.dispute_no or '')} {output_text(o.step or '')}）："
                           f"{output_text(o.message)}", err=True)
    if counts["refused"]:
        sys.exit(2)
