"""Replaying a file of dispute steps (pipelines.dispute_file) through the workflow's rules (govdash.figures.disputes):
every row, in file order, is the action its step names (提交申诉 file, 初审 and 复核 rule, 申请复核 escalate, 撤回
withdraw), at the row's moment, by the row's account — the record names that account as the one who acted, as if
it had acted on the page, whoever runs the load. Each row is its own transaction (the workflow's), so a refused row
leaves the rows before it recorded and the rows after it are still tried.

Idempotent: a dispute keeps the file's number (申诉编号) as its external id (unique), and a row whose step the
dispute already has, by the same account at the same moment, is reported as already there; so loading the same
file again records nothing new (any other row meets the rules as ever).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from govdash.figures.disputes import (
    DECISION_LABELS,
    STEP_LABELS,
    DisputeRefused,
    escalate_dispute,
    file_dispute,
    now,
    parse_moment,
    rule_dispute,
    withdraw_dispute,
)
from govdash.records import disputes as records
from govdash.records.accounts import load_accounts, principal_of_account
from govdash.records.disputes import DisputeConflict

STEPS = {label: step for step, label in STEP_LABELS.items()}
DECISIONS = {label: decision for decision, label in DECISION_LABELS.items()}
OUTCOME_LABELS = {"recorded": "已记录", "already": "已存在", "refused": "未记录"}


@dataclass(frozen=True)
class RowOutcome:
    line: int
    dispute_no: str | None
    step: str | None
    outcome: str                   # recorded | already | refused
    dispute_id: int | None = None
    message: str | None = None     # a refusal's Chinese reason

    def as_dict(self) -> dict:
        return asdict(self)


def _days(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise DisputeRefused(f"{what}“{text}”不是整数") from None


def _step(con, row: dict, accounts: dict, url: str | None) -> tuple[str, int | None]:
    """Do one row's action; ("recorded" | "already", the dispute's id), or its refusal raised."""
    number, label = row["dispute_no"], row["step"]
    if not number:
        raise DisputeRefused("缺少申诉编号")
    step = STEPS.get(label or "")
    if step is None:
        raise DisputeRefused(f"无法识别的步骤“{label or ''}”，应为 {'、'.join(STEPS)} 之一")
    if not row["at"]:
        raise DisputeRefused("缺少时间")
    account = accounts.get(row["user"] or "")
    if account is None:
        raise DisputeRefused(f"没有账号“{row['user'] or ''}”")
    principal = principal_of_account(row["user"], account)
    found = records.by_external_id(number, url=url)
    if step == "filed":
        if found is not None:
            return "already", found["id"]
        new = file_dispute(con, principal, row["item"] or "", row["ground"] or "", row["reason"],
                           days=_days(row["days"], "申请天数"), duplicate_of=row["duplicate_of"],
                           contact=row["contact"], ref=row["ref"], at=row["at"], url=url, external_id=number)
        return "recorded", new
    if found is None:
        raise DisputeRefused(f"申诉 {number} 尚未提交（其提交申诉一行未记录），无法{label}")
    at = parse_moment(row["at"], now())
    if any(s["step"] == step and s["by_user"] == row["user"] and s["at"] == at for s in found["steps"]):
        return "already", found["id"]   # this very row, recorded by an earlier load
    if step in ("ruled", "reviewed"):
        decision = DECISIONS.get(row["decision"] or "")
        if decision is None:
            raise DisputeRefused(f"{label}须写明裁定：{'或'.join(DECISIONS)}")
        if (found["state"] == "pending_first") != (step == "ruled"):
            raise DisputeRefused(f"申诉 {number} 当前不在待{label}状态")
        rule_dispute(con, principal, found["id"], decision == "approve", row["reason"],
                     days=_days(row["days_granted"], "给予天数"), at=row["at"], url=url)
    elif step == "escalated":
        escalate_dispute(con, principal, found["id"], row["reason"], at=row["at"], url=url)
    else:
        withdraw_dispute(principal, found["id"], reason=row["reason"], at=row["at"], url=url)
    return "recorded", found["id"]


def load_dispute_steps(con, rows: list[dict], *, url: str | None = None) -> list[RowOutcome]:
    """Replay the rows (pipelines.dispute_file.read_dispute_steps) in order; one outcome per row. `con`: a read
    cursor on the warehouse (the items disputed, the working-day calendar)."""
    accounts = load_accounts(url)
    out = []
    for row in rows:
        try:
            outcome, dispute_id = _step(con, row, accounts, url)
            out.append(RowOutcome(row["line"], row["dispute_no"], row["step"], outcome, dispute_id))
        except (DisputeRefused, DisputeConflict, ValueError) as exc:
            out.append(RowOutcome(row["line"], row["dispute_no"], row["step"], "refused", message=str(exc)))
    return out
