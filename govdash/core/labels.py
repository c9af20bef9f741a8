"""Chinese labels: the figures' columns, and every status, rating, outcome, action, record kind and setting a
user can meet, mapped once here (pages, the case view and downloads all use these). `label_expr` maps a whole
polars column (expressions only, no Python per row); a value with no label is shown as it is."""
from __future__ import annotations

import datetime as dt
import re

import polars as pl

DEPT_LABELS = {
    "rank": "排名", "dept_id": "部门编号", "dept_name": "部门", "dispatched": "派单数", "handled": "处置数",
    "handling_rate": "处置率", "timely_handling_rate": "及时处置率", "closed_on_time": "按期办结",
    "closed_late": "超期办结", "open_overdue": "超期未办结", "open_in_time": "未到期在办", "closure_rate": "办结率",
    "on_time_closure_rate": "按期办结率", "satisfaction_rate": "满意率", "returned": "退单数", "escalated": "升级数",
    "exempted": "核减数",
}
RATE_LABELS = ["处置率", "及时处置率", "办结率", "按期办结率", "满意率"]
# a whistle assignment's status at the cut-off
STATUS_LABELS = {"closed_on_time": "按期办结", "closed_late": "超期办结", "open_overdue": "超期未办结",
                 "open_in_time": "未到期在办", "returned": "已退回", "exempted": "已核减"}
# a resident's rating of a closed assignment
RATING_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意", "dissatisfied": "不满意"}
# an appeal's outcome at a level
OUTCOME_LABELS = {"resolved": "解决", "escalated": "上交", "withdrawn": "撤回", "open": "在办"}
# a whistle event's log actions
ACTION_LABELS = {"dispatched": "派单", "accepted": "受理", "arrived": "到场", "returned": "退回", "closed": "结案反馈",
                 "reopened": "重办", "escalated": "升级协调", "rated": "评价"}
# the level an escalation went to (the log's value of an "escalated" row)
ESCALATION_LABELS = {"daily": "日调度", "weekly": "周协调", "city": "市委市政府协调"}
HANDLING_MODE_LABELS = {"onsite": "现场", "offsite": "非现场"}
# a JPC's weekly negative-report status
REPORT_STATUS_LABELS = {"on_time": "按时", "late": "迟报", "missing": "漏报", "pending": "未到期"}
# the kinds of assessment deduction records
RECORD_KIND_LABELS = {"assessment_negative_list": "考核负面清单", "burden_negative_list": "减负负面清单",
                      "shared_negative": "同奖同罚"}
# the assessment components' metrics (as config/scoring.toml names them)
METRIC_LABELS = {"on_time_closure_rate": "按期办结率", "timely_handling_rate": "及时处置率", "handling_rate": "处置率",
                 "closure_rate": "办结率", "satisfaction_rate": "满意率", "visit_compliance": "走访达标率",
                 "two_way_rating": "联合党委双向评价"}
# a metric's unit: rates are shares (shown as %), the two-way rating is points out of 100
METRIC_UNITS = {"two_way_rating": "分"}
# the settings files, described to a reader instead of named
SETTINGS_FILE_LABELS = {"scoring.toml": "考核评分设置", "settings.toml": "时限与口径设置",
                        "limits.toml": "导入限制设置"}
# the assessment's deduction settings ([deductions] of config/scoring.toml)
DEDUCTION_SETTING_LABELS = {"assessment_negative_list": "列入考核负面清单（每次扣分）",
                            "burden_negative_list": "列入减负负面清单（每月扣分）",
                            "jpc_negative_item_points": "联合党委每项负面事项扣分",
                            "shared_penalty_share": "同奖同罚：捆绑部门分担比例"}
YES_NO = {True: "是", False: "否"}


def label_expr(column: str | pl.Expr, mapping: dict) -> pl.Expr:
    """A column's codes as their Chinese labels (a value without a label stays as it is, nulls stay null)."""
    col = pl.col(column) if isinstance(column, str) else column
    return col.cast(pl.Utf8).replace_strict({str(k): v for k, v in mapping.items()}, default=col.cast(pl.Utf8),
                                            return_dtype=pl.Utf8)


def yes_no_expr(column: str | pl.Expr) -> pl.Expr:
    """A true/false column as 是/否 (empty stays empty)."""
    col = pl.col(column) if isinstance(column, str) else column
    return pl.when(col.is_null()).then(pl.lit(None, pl.Utf8)).when(col).then(pl.lit("是")).otherwise(pl.lit("否"))


def settings_source_label(source: str) -> str:
    """A settings source as a reader reads it: every settings file named by what it holds ("config/scoring.toml" →
    "考核评分设置"; "scoring.toml（未登记版本 8d3569a5）" → "考核评分设置（未登记版本 8d3569a5）"); other text stays."""
    def named(m: re.Match) -> str:
        return SETTINGS_FILE_LABELS.get(m.group(1), "系统设置")
    return re.sub(r"(?:[\w.:\\/-]*[\\/])?([\w-]+\.toml)", named, str(source))


def clause_label(code: str, text: str) -> str:
    """An Appendix E clause named in running text: its code and the first words of its text, "E03「不得…」"."""
    return f"{code}「{text[:12]}{'…' if len(text) > 12 else ''}」"


def code_text_mapping(names: dict[str, str], clauses: dict[str, str], years) -> dict[str, str]:
    """Every code free text may carry, with the label a reader needs (departments, JPCs, communities by name,
    clauses by `clause_label`, ISO weeks as 第49周（12.2–12.8）, months as 2024年1月, around `years`), the
    longest code first where two overlap: the one mapping the pages and the documents replace codes with."""
    from govdash.core.periods import month_label, week_range_label

    mapping = dict(names)
    mapping.update({code: clause_label(code, text) for code, text in clauses.items()})
    years = sorted(set(years))
    for y in range(years[0] - 1, years[-1] + 2) if years else ():
        for w in range(1, dt.date(y, 12, 28).isocalendar()[1] + 1):
            mapping[f"{y}-W{w:02d}"] = week_range_label(f"{y}-W{w:02d}")
        for m in range(1, 13):
            mapping[f"{y}-{m:02d}"] = month_label(f"{y}-{m:02d}")
    return dict(sorted(mapping.items(), key=lambda kv: -len(kv[0])))


def readable_codes(text: str | None, mapping: dict[str, str]) -> str | None:
    """`text` with every code of `mapping` (code_text_mapping) replaced by its label, leftmost and longest first
    (as the pages' polars replace_many does)."""
    if not text or not mapping:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in mapping))  # longest first: the mapping's own order
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def target_label(metric: str, target) -> str:
    """An assessment target as entered, in its metric's unit: a rate as 95% (0.875 as 87.5%), the two-way rating
    as 90 分."""
    from govdash.core.formatting import EMPTY, pct_entered

    if target is None:
        return EMPTY
    return f"{float(target):g} {METRIC_UNITS[metric]}" if metric in METRIC_UNITS else pct_entered(target)


def scoring_version_label(version: str) -> str:
    """A scoring version as a reader reads it: a saved version by its number (v0003); settings nobody saved
    (the shipped file, a hand edit: labelled by their digest) as 未保存的设置."""
    from govdash.core.scoring_versions import is_saved_version

    return version if is_saved_version(version) else "未保存的设置"
