"""The monthly bulletin's content shaped for reading: the tables' columns and labels, the rows with names
instead of ids, the sentences of each section, the definitions and the settings as stated. Every document
(Word, Excel, PDF) and the bulletin page take them from here, so a figure reads the same everywhere.
"""
from __future__ import annotations

from govdash.core.formatting import pct
from govdash.core.periods import deadline_label, moment_label, month_label, week_range_label

DEPT_COLUMNS = [
    ("rank", "排名", "int"), ("dept_name", "部门", "text"), ("dispatched", "派单数", "int"),
    ("handled", "处置数", "int"), ("handling_rate", "处置率", "pct"), ("timely_handling_rate", "及时处置率", "pct"),
    ("closed_on_time", "按期办结", "int"), ("closed_late", "超期办结", "int"), ("open_overdue", "超期未办结", "int"),
    ("open_in_time", "未到期在办", "int"), ("closure_rate", "办结率", "pct"),
    ("on_time_closure_rate", "按期办结率", "pct"), ("satisfaction_rate", "满意率", "pct"),
    ("returned", "退单数", "int"), ("escalated", "升级数", "int"),
]
OVERDUE_COLUMNS = [("event_id", "事件编号", "text"), ("dept_name", "部门", "text"), ("community_name", "社区", "text"),
                   ("deadline", "办结期限", "text"), ("working_days_overdue", "超期工作日", "int")]
SETTING_LABELS = {
    "offsite_response_hours": "非现场类受理时限（小时）",
    "onsite_response_hours": "现场类到场时限（小时）",
    "offsite_closure_working_days": "非现场类结案反馈时限（工作日）",
    "onsite_closure_working_days": "现场类结案时限（工作日，0 = 当日）",
    "difficult_closure_working_days": "疑难问题结案反馈时限（工作日）",
    "negative_list_threshold": "负面清单阈值（处置率、办结率）",
    "red_black_list_size": "红黑榜名额",
}
VISIT_DEPT_COLUMNS = [
    ("dept_name", "部门", "text"), ("bindings", "捆绑联合党委数", "int"), ("required_weeks", "应走访周数", "int"),
    ("covered_weeks", "已走访周数", "int"), ("visit_compliance", "走访达标率", "pct"), ("visits", "走访次数", "int"),
    ("leader_led_visits", "市领导带队次数", "int"), ("problems_raised", "发现问题", "int"),
    ("problems_solved", "解决问题", "int"), ("missed", "缺访周次", "int"),
]
VISIT_BINDING_COLUMNS = [
    ("dept_name", "部门", "text"), ("jpc_name", "联合党委", "text"), ("required_weeks", "应走访周数", "int"),
    ("covered_weeks", "已走访周数", "int"), ("visit_compliance", "走访达标率", "pct"), ("visits", "走访次数", "int"),
    ("leader_led_visits", "市领导带队次数", "int"), ("problems_raised", "发现问题", "int"),
    ("problems_solved", "解决问题", "int"), ("missed_weeks_text", "缺访周", "text"),
]
REPORT_COLUMNS = [
    ("jpc_name", "联合党委", "text"), ("weeks_required", "应报周数", "int"), ("on_time", "按时", "int"),
    ("late", "迟报", "int"), ("missing", "漏报", "int"), ("pending", "未到期", "int"),
    ("on_time_rate", "按时上报率", "pct"),
    ("items", "负面事项数", "int"), ("rectified_share", "整改率", "pct"), ("clauses_text", "涉及条款", "text"),
    ("missing_weeks_text", "漏报周", "text"),
]
CLAUSE_COLUMNS = [("clause_code", "条款", "text"), ("items", "事项数", "int"), ("jpcs", "涉及联合党委数", "int"),
                  ("clause_text", "条款内容", "text")]
ASSESSMENT_NEGATIVE_COLUMNS = [
    ("dept_name", "部门", "text"), ("dispatched", "年度累计派单", "int"), ("handling_rate", "年度处置率", "pct"),
    ("closure_rate", "年度办结率", "pct"), ("reasons_text", "列入原因", "text"),
]
BURDEN_COLUMNS = [
    ("dept_name", "部门", "text"), ("tasks_onto_communities", "当月下派社区事项", "int"),
    ("tasks_off_list", "当月清单外事项", "int"), ("certificates_off_list", "当月清单外证明", "int"),
    ("tasks_off_list_ytd", "年度累计清单外事项", "int"), ("certificates_off_list_ytd", "年度累计清单外证明", "int"),
]
FUNNEL_COLUMNS = [
    ("level", "层级", "int"), ("label", "层级名称", "text"), ("entered", "进入", "int"), ("resolved", "解决", "int"),
    ("escalated", "上交", "int"), ("withdrawn", "撤回", "int"), ("open", "在办", "int"),
    ("conversion", "上交率", "pct"),
    ("median_dwell_hours", "停留时长中位数（小时）", "float"), ("p90_dwell_hours", "停留时长 90 分位（小时）", "float"),
]
FUNNEL_GROUP_COLUMNS = [("group", "社区/类别", "text")] + FUNNEL_COLUMNS + [
    ("community_resolution_share", "社区内解决占比", "pct")]
SECTION_SETTING_LABELS = {
    ("visits", "exempt_weeks"): "走访豁免周",
    ("negative_reports", "due_weekday"): "负面清单周报截止：周后第几天（1 = 周一）",
    ("negative_reports", "due_time"): "负面清单周报截止时间",
    ("appeals", "level_labels"): "五级层级名称",
}

DEFINITIONS = [
    ("派单数", "当月派出、未被退回的部门任务数（一件事多部门派单，每个部门各计一次）"),
    ("处置数 / 处置率", "截止时点前已受理（非现场）或已到场（现场）的任务 / 派单数"),
    ("及时处置率", "在受理或到场时限内响应的任务 / 派单数"),
    ("办结率", "（按期办结 + 超期办结）/ 派单数；以最后一次未被退回重办的结案为准"),
    ("按期办结率", "按期办结 / （派单数 − 未到期在办）"),
    ("满意率", "（满意 + 基本满意）/ 已评价任务数"),
    ("退单数", "部门退回且已改派其他部门的任务数，不计入该部门分母"),
    ("升级数", "在办期间被提交日调度、周协调或市委市政府协调的任务数"),
    ("走访达标率",
     "已走访周数 / 应走访周数；每周（周一至周日）归属其周四所在的月份，捆绑关系在该周任一天有效即应走访，"
     "该周内该部门到该联合党委走访一次即达标"),
    ("按时上报率", "按时上报周数 / 已到期周数；周报截止为该周结束后的周一 12:00（设置），截止时点前未报且已到期为漏报"),
    ("整改率", "标记已整改的负面事项数 / 负面事项数（按每行数量计）"),
    ("考核负面清单", "1 月至本月累计处置率或办结率低于阈值的部门"),
    ("减负负面清单",
     "下派到社区（层级 ≤ 3）且准入事项为空或不在附录 B 准入清单的事项，及不在附录 C 证明清单的证明事项，按部门计"),
    ("五级诉求漏斗",
     "当月提出的居民诉求在各层级的进入、解决、上交、撤回、在办数；上交率 = 上交 / 进入；"
     "停留时长按截止时点前已离开该层级的记录计算（插值分位数）"),
    ("社区内解决占比", "在第 1–3 级（居民、居民小组、社区）解决的诉求 / 全部已解决诉求"),
    ("“—”", "无数据或分母为零，无法计算（各文件一律如此表示）"),
]


def _dept_names(b: dict) -> dict:
    return {d["dept_id"]: d["dept_name"] for d in b["departments"]}


def _listed(b: dict, key: str) -> list[dict]:
    """The rows of a bulletin list (computed on the whole city, see figures.honour_lists) that this bulletin shows."""
    by_id = {d["dept_id"]: d for d in b["departments"]}
    return [by_id[i] for i in b["lists"][key] if i in by_id]


def red_black_lists(b: dict) -> tuple[list[dict], list[dict]]:
    return _listed(b, "red"), _listed(b, "black")


def below_threshold(b: dict) -> list[dict]:
    return _listed(b, "below_threshold")


def summary_text(b: dict, previous: dict | None) -> str:
    c = b["city"]
    title = month_label(b["month"])
    if c["dispatched"] == 0:
        return f"{title}，全市无吹哨派单。"
    text = (f"{title}，全市共派出吹哨任务 {c['dispatched']} 件，处置 {c['handled']} 件，处置率 "
            f"{pct(c['handling_rate'])}，及时处置率 {pct(c['timely_handling_rate'])}；办结 "
            f"{c['closed_on_time'] + c['closed_late']} 件，办结率 {pct(c['closure_rate'])}，按期办结率 "
            f"{pct(c['on_time_closure_rate'])}，满意率 {pct(c['satisfaction_rate'])}；部门退单 {c['returned']} 件，"
            f"升级协调 {c['escalated']} 件，截至 {moment_label(b['as_of'])} 仍有 {c['open_overdue']} 件超期未办结。")
    if previous and previous["city"]["dispatched"]:
        p = previous["city"]
        diff = c["dispatched"] - p["dispatched"]
        text += f"派单数较上月{'增加' if diff >= 0 else '减少'} {abs(diff)} 件"
        if c["on_time_closure_rate"] is not None and p["on_time_closure_rate"] is not None:
            d = (c["on_time_closure_rate"] - p["on_time_closure_rate"]) * 100
            text += f"，按期办结率{'上升' if d >= 0 else '下降'} {abs(d):.1f} 个百分点"
        text += "。"
    red, black = red_black_lists(b)
    extremes = ([f"最高的是{red[0]['dept_name']}（{pct(red[0]['on_time_closure_rate'])}）"] if red else []) + (
        [f"最低的是{black[0]['dept_name']}（{pct(black[0]['on_time_closure_rate'])}）"] if black else [])
    if extremes:   # one sentence, whichever of the two there is
        text += "按期办结率" + "，".join(extremes) + "。"
    low = below_threshold(b)
    if low:
        text += (f"处置率或办结率低于 {pct(b['settings']['whistle']['negative_list_threshold'])} "
                 f"的部门有 {len(low)} 个。")
    if b.get("calendar_provisional"):
        text += "注意：部分期限所在年份尚无官方节假日安排，按周一至周五暂定计算。"
    return text


# ---------------------------------------------------------------- visits and negative lists, shaped for tables

def visit_rows(b: dict) -> tuple[list[dict], list[dict]]:
    """(per department, per binding) rows of the visit section, with names; the departments' compliance as
    the bulletin computed it (section visit_departments)."""
    names, jpcs = _dept_names(b), b.get("reference", {}).get("jpc_names", {})
    bindings = [{**v, "dept_name": names.get(v["dept_id"], v["dept_id"]),
                 "jpc_name": jpcs.get(v["jpc_id"], v["jpc_id"]),
                 "missed_weeks_text": "、".join(v["missed_weeks"])} for v in b.get("visits", [])]
    if not bindings:
        return [], []
    depts = [{**d, "dept_name": names.get(d["dept_id"], d["dept_id"])} for d in b.get("visit_departments", [])]
    return depts, bindings


def report_rows(b: dict) -> tuple[list[dict], list[dict]]:
    """(per JPC, per clause) rows of the weekly negative-report section."""
    jpcs = b.get("reference", {}).get("jpc_names", {})
    texts = b.get("reference", {}).get("clause_texts", {})
    per_jpc, per_clause = [], {}
    for r in b.get("negative_reports", []):
        per_jpc.append({**r, "jpc_name": jpcs.get(r["jpc_id"], r["jpc_id"]),
                        "clauses_text": "、".join(f"{k}×{v}" for k, v in r["items_by_clause"].items()),
                        "missing_weeks_text": "、".join(r["missing_weeks"])})
        for code, n in r["items_by_clause"].items():
            c = per_clause.setdefault(code, {"clause_code": code, "items": 0, "jpcs": 0,
                                             "clause_text": texts.get(code, "")})
            c["items"] += n
            c["jpcs"] += 1
    return per_jpc, [per_clause[k] for k in sorted(per_clause, key=lambda c: [int(x) for x in c[2:].split(".")])]


def negative_list_rows(b: dict) -> tuple[list[dict], list[dict]]:
    assessment = [{**r, "reasons_text": "；".join(r["reasons"])} for r in b.get("assessment_negative_list", [])]
    return assessment, list(b.get("burden_negative_list", []))


def funnel_group_rows(b: dict) -> list[dict]:
    """The funnel per community (named by its name, as every reader knows it) and per category, one row per
    (group, level)."""
    f = b.get("funnel") or {}
    communities = b.get("reference", {}).get("community_names", {})
    out = []
    for kind, key, prefix in (("by_community", "community_id", "社区 "), ("by_category", "category", "类别 ")):
        for g in f.get(kind, []):
            value = str(g[key])
            group = (communities.get(value, prefix + value) if kind == "by_community" else prefix + value)
            for lv in g["levels"]:
                if lv["entered"]:
                    out.append({**lv, "group": group,
                                "community_resolution_share": g["community_resolution_share"]})
    return out


def funnel_text(b: dict) -> str:
    f = b.get("funnel") or {}
    levels = f.get("levels", [])
    if not levels or not any(lv["entered"] for lv in levels):
        return "本月没有新提出的居民诉求。"
    resolved = sum(lv["resolved"] for lv in levels)
    parts = "，".join(f"{lv['label']} {lv['resolved']} 件" for lv in levels if lv["resolved"])
    text = (f"本月提出的居民诉求共解决 {resolved} 件（{parts}），撤回 {sum(lv['withdrawn'] for lv in levels)} 件，"
            f"仍在办 {sum(lv['open'] for lv in levels)} 件；社区内（第 1–3 级）解决占比 "
            f"{pct(f['community_resolution_share'])}。")
    top = levels[4]
    if top["open"]:
        text += f"有 {top['open']} 件诉求已上交至{top['label']}仍未办结。"
    return text


# a bulletin published before its totals were sections is shown as published: its totals are not
# recomputed here, the published file states them
NOT_IN_ARCHIVE = "本期通报发布时未单列{what}，见已发布的通报文件。"


def visits_text(b: dict) -> str:
    if "visit_totals" not in b:
        return NOT_IN_ARCHIVE.format(what="全市走访合计")
    depts, _ = visit_rows(b)
    t = b["visit_totals"] or {}
    if not t.get("required_weeks"):
        return "本月无应走访的捆绑关系。"
    low = [f"{d['dept_name']}（{pct(d['visit_compliance'])}）" for d in depts
           if d["visit_compliance"] is not None and d["visit_compliance"] < 1]
    text = (f"本月各捆绑部门应走访 {t['required_weeks']} 个联合党委周次，实际走访 {t['covered_weeks']} 个，"
            f"走访达标率 {pct(t['visit_compliance'])}；共走访 {t['visits']} 次，其中市领导带队 "
            f"{t['leader_led_visits']} 次，发现问题 {t['problems_raised']} 个，解决 {t['problems_solved']} 个。")
    if t["departments_full"]:
        text += f"全部达标的部门 {t['departments_full']} 个。"
    if low:
        text += "未全部达标：" + "、".join(low) + "。"
    return text


def reports_text(b: dict) -> str:
    if "negative_report_totals" not in b:
        return NOT_IN_ARCHIVE.format(what="全市负面清单周报合计")
    t = b["negative_report_totals"] or {}
    if not t.get("jpcs"):
        return "本月无负面清单周报数据。"
    text = (f"{t['jpcs']} 个联合党委本月应报周报 {t['weeks_due']} 份（已到期），按时 {t['on_time']} 份，迟报 "
            f"{t['late']} 份，漏报 {t['missing']} 份，按时上报率 {pct(t['on_time_rate'])}；"
            f"报告负面事项 {t['items']} 项")
    if t.get("top_clause_code"):
        code = t["top_clause_code"]
        clause_text = b.get("reference", {}).get("clause_texts", {}).get(code, "")
        name = f"“{clause_text}”" if clause_text else code
        text += f"，最多的是{name}（{t['top_clause_items']} 项），整改率 {pct(t['rectified_share'])}"
    return text + "。"


# ---------------------------------------------------------------- rows and settings shaped for the documents

def overdue_rows(b: dict) -> list[dict]:
    names, communities = _dept_names(b), b.get("reference", {}).get("community_names", {})
    return [{**o, "dept_name": names.get(o["dept_id"], o["dept_id"]),
             "community_name": communities.get(o["community_id"], o["community_id"]),
             "deadline": deadline_label(o["deadline"])} for o in b["overdue"]]


def named_weeks(bindings: list[dict]) -> list[dict]:
    return [{**v, "missed_weeks_text": "、".join(week_range_label(w) for w in v["missed_weeks"])} for v in bindings]


def section_settings(b: dict) -> list[tuple[str, str]]:
    out = []
    for (section, key), label in SECTION_SETTING_LABELS.items():
        v = b["settings"].get(section, {}).get(key)
        if v is not None:
            if key == "exempt_weeks":
                v = [week_range_label(w) for w in v]
            out.append((label, "、".join(v) if isinstance(v, list) and v
                        else ("无" if isinstance(v, list) else str(v))))
    return out


# ---------------------------------------------------------------- 申诉核减 (SPEC §9.5)

APPROVED_DISPUTE_COLUMNS = [
    ("dispute_id", "申诉编号", "int"), ("dept_name", "部门", "text"), ("item", "申诉事项", "text"),
    ("ground", "申诉理由", "text"), ("effect_text", "对统计的影响", "text"), ("ruled_at", "批准时间", "text"),
]
NO_APPROVED_DISPUTES = "本月无批准的申诉核减事项。"
DISPUTE_COLUMNS = [
    ("dept_name", "部门", "text"), ("filed", "申诉数", "int"), ("approved", "批准", "int"), ("rejected", "驳回", "int"),
    ("pending_ruling", "待裁定", "int"), ("overdue_ruling", "超期未裁定", "int"), ("withdrawn", "撤回", "int"),
    ("exempted", "核减数", "int"), ("cohort", "派单数（核减前）", "int"), ("exempted_share", "核减占比", "pct"),
]


def dispute_rows(b: dict) -> list[dict]:
    names = _dept_names(b)
    return [{**r, "dept_name": r.get("dept_name") or names.get(r["dept_id"], r["dept_id"])}
            for r in b.get("disputes") or []]


def _disputed_item(r: dict, jpc_names: dict) -> str:
    """The disputed item as a reader names it: a rating row by its period in Chinese and its JPC's name."""
    if r["item_kind"] != "rating":
        return r["item"]
    period = month_label(r["rating_period"]) if len(r["rating_period"]) == 7 else f"{r['rating_period']}年"
    return f"双向评价 {period} · {jpc_names.get(r['jpc_id'], r['jpc_id'])}"


def approved_dispute_rows(b: dict) -> list[dict]:
    names, jpcs = _dept_names(b), b.get("reference", {}).get("jpc_names", {})
    return [{**r, "dept_name": r.get("dept_name") or names.get(r["dept_id"], r["dept_id"]),
             "item": _disputed_item(r, jpcs), "ruled_at": moment_label(r["ruled_at"])}
            for r in b.get("approved_disputes") or []]


def disputes_text(b: dict) -> str:
    """One sentence of the month's disputes by their state at the cut-off (the departments' rows summed)."""
    if "disputes" not in b:
        return NOT_IN_ARCHIVE.format(what="申诉核减情况")
    rows = b["disputes"] or []
    if not rows:
        return NO_APPROVED_DISPUTES
    n = {k: sum(r[k] for r in rows) for k in ("filed", "approved", "exempted", "rejected", "pending_ruling",
                                              "overdue_ruling", "withdrawn")}
    text = (f"截至 {moment_label(b['as_of'])}，本月事项（派单按派出月份、双向评价按评价期、负担清单按任务所在月）"
            f"共有 {len(rows)} 个部门提出申诉 {n['filed']} 件：批准 {n['approved']} 件（其中核减 {n['exempted']} 件），"
            f"驳回 {n['rejected']} 件，待裁定 {n['pending_ruling']} 件")
    if n["overdue_ruling"]:
        text += f"（其中超过裁定期限 {n['overdue_ruling']} 件）"
    text += f"，撤回 {n['withdrawn']} 件。"
    if not n["approved"]:
        text += NO_APPROVED_DISPUTES
    return text
