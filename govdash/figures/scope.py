"""Scope rules: how a department user's view of a figure's whole-city result (or of one section of it) is cut.

The committee and the assessment office get every result whole; a department gets what its figure's rule
leaves. A rule never recomputes anything: ranks and lists are the city's, cut afterwards. Anything a rule
does not know is denied (fail closed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import polars as pl

from govdash.core.principal import AccessDenied, Principal

CITY_ONLY_MESSAGE = "部门账号无权查看全市汇总明细"


@dataclass(frozen=True)
class Rule:
    """How a department user's view of a result (or of one section of it) is cut."""
    # public | city_only | own_rows | bound_jpc_rows | own_ids | own_event | dispatched_to_own | sections | each
    kind: str
    column: str = ""         # own_rows / bound_jpc_rows: the column that names the department / JPC
    sections: Any = ()       # sections: ((key, Rule), …), or a function returning them (read when cutting)
    dept_arg: int | None = None   # the argument that is always the user's own department
    jpc_arg: int | None = None    # the argument that is always the user's bound JPCs (a tuple)

    def cut(self, result: Any, p: Principal, bound_jpcs: set[str]) -> Any:
        if self.kind == "public":
            return result
        if self.kind == "city_only":
            raise AccessDenied(CITY_ONLY_MESSAGE)
        if self.kind == "own_rows":
            return _rows(result, self.column, {p.dept_id})
        if self.kind == "bound_jpc_rows":
            return _rows(result, self.column, bound_jpcs)
        if self.kind == "own_ids":   # {list name: [dept_id, …]}: is the user's department on each list
            return {name: [i for i in ids if i == p.dept_id] for name, ids in result.items()}
        if self.kind == "dispatched_to_own":  # rows of events dispatched to the department
            return result.filter(pl.col("dispatched_to").list.contains(p.dept_id))
        if self.kind == "own_event":  # an event's trail, only for an event dispatched to the department
            if not (result["action"].eq("dispatched") & result["dept_id"].eq(p.dept_id)).any():
                return result.clear()
            return result.filter(pl.col("dept_id").is_null() | (pl.col("dept_id") == p.dept_id))
        if self.kind == "each":
            (rule,) = [r for _, r in self.sections]
            return tuple(rule.cut(part, p, bound_jpcs) for part in result)
        if self.kind == "sections":
            declared = dict(self.sections() if callable(self.sections) else self.sections)
            out = {}
            for key, value in result.items():
                rule = declared.get(key)
                if rule is None:
                    continue  # undeclared: left out of a department's view
                try:
                    out[key] = None if value is None else rule.cut(value, p, bound_jpcs)
                except AccessDenied:
                    out[key] = None
            return out
        raise AccessDenied("无权查看")


def _rows(result, column: str, allowed: set):
    """The rows (of a frame, or of a list of dicts) whose `column` is one of `allowed`; no such column: denied."""
    if isinstance(result, pl.DataFrame):
        if column not in result.columns:
            raise AccessDenied("无权查看")
        return result.filter(pl.col(column).is_in(sorted(allowed)))
    if isinstance(result, list):
        return [row for row in result if row[column] in allowed]
    raise AccessDenied("无权查看")


PUBLIC = Rule("public")
CITY_ONLY = Rule("city_only")
OWN_DEPARTMENT = Rule("own_rows", column="dept_id")
BOUND_JPCS = Rule("bound_jpc_rows", column="jpc_id")
OWN_IDS = Rule("own_ids")


def own_department_argument(index: int) -> Rule:
    """A figure of one department chosen by an argument: a department user always gets its own."""
    return Rule("public", dept_arg=index)


def bound_jpcs_argument(index: int) -> Rule:
    """A figure over the JPCs an argument names (None: every JPC): a department user always gets its bound
    JPCs (none bound: an empty tuple, which names no JPC)."""
    return Rule("public", jpc_arg=index)


def sections(**rules: Rule) -> Rule:
    return Rule("sections", sections=tuple(rules.items()))


def declared_sections(table: Callable[[], tuple]) -> Rule:
    """Sections whose rules are read from a table when a result is cut (a section added to it is cut by its rule)."""
    return Rule("sections", sections=table)


def each(rule: Rule) -> Rule:
    return Rule("each", sections=(("", rule),))
