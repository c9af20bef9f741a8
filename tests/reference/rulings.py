"""SPEC §9.4 — approved disputes (申诉核减) and their effect on the figures, as of a cut-off.

An approval is a dict in the records' shape: dispute_id, item_kind ("assignment" | "rating" | "burden"),
event_id, dept_id, assigned_at (the dispatch that started the assignment), rating_period, jpc_id, task_id,
ground (Chinese name), days_granted (客观原因延期 only), ruled_at. "A ruling counts from the moment it is made":
figures as of T read the approvals with ruled_at ≤ T (READINGS "ruling_cutoff").
"""
from __future__ import annotations

import datetime as dt

# §9.1/§9.4: what each ground does when approved
OUT_OF_COHORT = ("派错部门", "重复件", "无效诉求")   # the assignment leaves the cohort: 核减
EXTENSION = "客观原因延期"                           # the closure deadline moves by the working days granted
MISRATED = "误评"                                    # the rating is removed
ADMITTED = "已准入"                                  # the burden entry's off-list task is removed
REQUIRED_BY_LAW = "依法出具"                         # the burden entry's off-list certificate is removed


def in_force(approvals, as_of: dt.datetime) -> list[dict]:
    """§9.4: the approvals made at or before the cut-off."""
    return [a for a in approvals or () if a["ruled_at"] <= as_of]


def assignment_rulings(approvals, as_of: dt.datetime) -> dict[tuple, dict]:
    """Per assignment (event, department, dispatch that started it): whether it left the cohort, the working days
    its closure deadline moved (every approved 延期 summed), whether its rating is removed."""
    out: dict[tuple, dict] = {}
    for a in in_force(approvals, as_of):
        if a["item_kind"] != "assignment":
            continue
        r = out.setdefault((a["event_id"], a["dept_id"], a["assigned_at"]),
                           {"exempted": False, "extension": 0, "misrated": False})
        r["exempted"] |= a["ground"] in OUT_OF_COHORT
        r["extension"] += int(a["days_granted"] or 0) if a["ground"] == EXTENSION else 0
        r["misrated"] |= a["ground"] == MISRATED
    return out


def removed_ratings(approvals, as_of: dt.datetime) -> set[tuple]:
    """§9.4: the two-way rating rows (period, JPC, department) an approved 误评 removes."""
    return {(a["rating_period"], a["jpc_id"], a["dept_id"]) for a in in_force(approvals, as_of)
            if a["item_kind"] == "rating" and a["ground"] == MISRATED}


def burden_rulings(approvals, as_of: dt.datetime) -> dict[str, set[str]]:
    """§9.4: per task, the grounds approved for its burden entry (已准入 clears its off-list task, 依法出具 its
    off-list certificate)."""
    out: dict[str, set[str]] = {}
    for a in in_force(approvals, as_of):
        if a["item_kind"] == "burden":
            out.setdefault(a["task_id"], set()).add(a["ground"])
    return out
