"""What changed between a published bulletin and a recomputation of the same month at the same cut-off
(a corrected re-export arrived): every figure, old → new, with Chinese labels (the 更正 notice and the
correction's record). The bulletin JSON is compared leaf by leaf; rows of a list are matched by what
identifies them (a department, a department and JPC, an overdue event, a level), so a row that appears or
disappears is one change, and a moved row is not a change."""
from __future__ import annotations

from govdash.core.formatting import EMPTY, pct
from govdash.core.labels import DEPT_LABELS
from govdash.core.periods import month_label
from govdash.figures.bulletin import LATER_SECTIONS, SECTIONS

# sections that are not figures (how the bulletin was made or who reads it) are not compared; the settings are
# (a changed setting is listed); each section is named by its label, all as declared in the bulletin's sections
SKIPPED = {s.key for s in SECTIONS if not s.figures}
SECTION_LABELS = {s.key: s.label for s in SECTIONS}
FIELD_LABELS = {
    **DEPT_LABELS, "handled_in_time": "及时处置数", "satisfied": "满意数", "rated": "评价数",
    "red": "红榜", "black": "黑榜", "below_threshold": "低于阈值",
    "deadline": "办结期限", "working_days_overdue": "超期工作日", "community_id": "社区编号",
    "required_weeks": "应走访周数", "covered_weeks": "已走访周数", "visit_compliance": "走访达标率",
    "visits": "走访次数",
    "leader_led_visits": "市领导带队次数", "problems_raised": "发现问题", "problems_solved": "解决问题",
    "missed_weeks": "缺访周",
    "weeks_required": "应报周数", "on_time": "按时", "late": "迟报", "missing": "缺报", "pending": "未到期",
    "on_time_rate": "按时报送率", "late_weeks": "迟报周", "items": "负面事项数", "rectified_items": "已整改事项",
    "items_by_clause": "按条款事项数", "rectified_share": "整改占比", "reasons": "原因",
    "tasks_off_list": "清单外任务", "certificates_off_list": "清单外证明", "tasks_onto_communities": "下派社区任务",
    "tasks_off_list_ytd": "年内清单外任务", "certificates_off_list_ytd": "年内清单外证明",
    "levels": "层级", "entered": "进入", "resolved": "解决", "escalated": "上交", "withdrawn": "撤回", "open": "未结",
    "conversion": "上交率", "median_dwell_hours": "停留时长中位数（小时）", "p90_dwell_hours": "停留时长 P90（小时）",
    "community_resolution_share": "社区内解决占比", "by_community": "按社区", "by_category": "按类别",
    "city": "全市合计",
    "filed": "申诉数", "approved": "批准", "rejected": "驳回", "pending_ruling": "待裁定",
    "overdue_ruling": "超期未裁定", "cohort": "派单数（核减前）", "exempted_share": "核减占比",
    "item": "申诉事项", "ground": "申诉理由", "effect_text": "对统计的影响", "ruled_at": "批准时间",
}
RATE_FIELDS = {"handling_rate", "timely_handling_rate", "closure_rate", "on_time_closure_rate", "satisfaction_rate",
               "visit_compliance", "on_time_rate", "rectified_share", "conversion", "community_resolution_share",
               "exempted_share"}
# the fields that identify a row of a list, most specific first
IDENTITIES = (("dispute_id",),
              ("event_id", "dept_id"), ("dept_id", "jpc_id"), ("jpc_id",), ("dept_id",), ("level",), ("community_id",),
              ("category",), ("month",))


def _identity(rows: list) -> tuple | None:
    if not rows or not all(isinstance(r, dict) for r in rows):
        return None
    for fields in IDENTITIES:
        if all(all(f in r for f in fields) for r in rows):
            keys = [tuple(r[f] for f in fields) for r in rows]
            if len(set(keys)) == len(keys):
                return fields
    return None


def _flatten(value, path: tuple, out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, path + (k,), out)
        return
    if isinstance(value, list):
        fields = _identity(value)
        if fields is not None:
            for r in value:
                key = ("#", fields, tuple(r[f] for f in fields))
                out[path + (key, "@row")] = True  # the row itself: present or not
                for k, v in r.items():
                    if k not in fields:
                        _flatten(v, path + (key, k), out)
            return
        out[path] = tuple(value) if all(not isinstance(x, (dict, list)) for x in value) else repr(value)
        return
    out[path] = value


def _names(b: dict) -> dict:
    depts = {d["dept_id"]: d.get("dept_name") for d in b.get("departments") or [] if d.get("dept_name")}
    for section in ("assessment_negative_list", "burden_negative_list"):
        depts.update({d["dept_id"]: d["dept_name"] for d in b.get(section) or [] if d.get("dept_name")})
    jpcs = (b.get("reference") or {}).get("jpc_names") or {}
    return {"dept_id": depts, "jpc_id": jpcs}


def _show(field: str, value, names: dict) -> str:
    if value is None:
        return EMPTY
    if field in RATE_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return pct(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        if field in ("red", "black", "below_threshold"):
            value = tuple(names["dept_id"].get(x, x) for x in value)
        return "、".join(map(str, value)) or "无"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _describe(path: tuple, names: dict) -> tuple[str, str, str]:
    """(section, item, figure) in Chinese for a flattened path."""
    section = SECTION_LABELS.get(path[0], path[0])
    items, figure = [], []
    for part in path[1:]:
        if isinstance(part, tuple) and part and part[0] == "#":
            _, fields, values = part
            for f, v in zip(fields, values):
                if f == "dept_id":
                    items.append(f"部门 {names['dept_id'].get(v, v)}")
                elif f == "jpc_id":
                    items.append(f"联合党委 {names['jpc_id'].get(v, v)}")
                elif f == "event_id":
                    items.append(f"事件 {v}")
                elif f == "level":
                    items.append(f"第 {v} 级")
                elif f == "month":
                    items.append(month_label(v))
                elif f == "community_id":
                    items.append(f"社区 {v}")
                else:
                    items.append(str(v))
        elif part == "@row":
            figure.append("（整行）")
        else:
            figure.append(FIELD_LABELS.get(part, part))
    return section, "，".join(items), " · ".join(figure)


def changed_figures(old: dict, new: dict) -> list[dict]:
    """Every figure of the bulletin that differs: section, item, figure (Chinese), old and new as shown
    (rates as percentages, "—" for empty, "无" / "列入" for a row that is absent / present), and the path."""
    a, b = {}, {}
    for key in old:
        if key not in SKIPPED:
            _flatten(old[key], (key,), a)
    for key in new:
        # a bulletin published before it stored what it was compared with, or its disputes, is compared on the
        # figures it holds
        if key not in SKIPPED and (key in old or key not in LATER_SECTIONS):
            _flatten(new[key], (key,), b)
    names_old, names_new = _names(old), _names(new)
    names = {k: {**names_old[k], **names_new[k]} for k in names_old}
    out = []
    for path in list(a) + [p for p in b if p not in a]:
        before, after = a.get(path), b.get(path)
        if path in a and path in b and before == after:
            continue
        # a row's own fields are listed only when the row is in both (else the row's line says it all)
        rows = [i for i, part in enumerate(path) if isinstance(part, tuple) and part and part[0] == "#"]
        if path[-1] != "@row" and any((path[:i + 1] + ("@row",) in a) != (path[:i + 1] + ("@row",) in b) for i in rows):
            continue
        field = path[-1] if isinstance(path[-1], str) else ""
        section, item, figure = _describe(path, names)
        if field == "@row":
            shown_old, shown_new = ("列入" if path in a else "无"), ("列入" if path in b else "无")
        else:
            shown_old = _show(field, before, names) if path in a else "无"
            shown_new = _show(field, after, names) if path in b else "无"
        out.append({"order": _SECTION_ORDER.get(path[0], len(_SECTION_ORDER)), "section": section, "item": item,
                    "figure": figure, "old": shown_old, "new": shown_new,
                    "path": "/".join(_path_text(p) for p in path)})
    out.sort(key=lambda c: c["order"])  # stable: within a section, in the bulletin's own order
    for c in out:
        del c["order"]
    return out


_SECTION_ORDER = {key: i for i, key in enumerate((
    "city", "comparison", "trend", "department_count", "departments", "lists", "overdue", "visits", "negative_reports",
    "assessment_negative_list", "burden_negative_list", "funnel", "settings", "calendar_provisional"))}


def _path_text(part) -> str:
    if isinstance(part, tuple) and part and part[0] == "#":
        return ",".join(f"{f}={v}" for f, v in zip(part[1], part[2]))
    return str(part)
