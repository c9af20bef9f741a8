"""The assessment's scoring settings (config/scoring.toml): loaded, checked, explained.

Every problem names the file and the line it sits on, in Chinese. Settings that break SPEC §7's
rules for communities (a single-item veto; ranking on app check-ins or task counts) are refused.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from govdash.core.scoring_versions import scoring_path, version_label

# metric → (Chinese label, lowest allowed target, highest allowed target)
KNOWN_METRICS = {
    "on_time_closure_rate": ("按期办结率", 0.0, 1.0),
    "timely_handling_rate": ("及时处置率", 0.0, 1.0),
    "handling_rate": ("处置率", 0.0, 1.0),
    "closure_rate": ("办结率", 0.0, 1.0),
    "satisfaction_rate": ("满意率", 0.0, 1.0),
    "visit_compliance": ("走访达标率", 0.0, 1.0),
    "two_way_rating": ("联合党委双向评价", 0.0, 100.0),
}
# measures SPEC §7 (002 §三(二), 001) forbids scoring or ranking on
FORBIDDEN_METRICS = {
    "app_checkins": "不得对 APP 签到、打卡、刷分进行排名考核（黄石港 §三（二））",
    "checkins": "不得对 APP 签到、打卡、刷分进行排名考核（黄石港 §三（二））",
    "task_count": "不得对任务量、完成率进行排名考核（黄石港 §三（二））",
    "task_completion_rate": "不得对任务量、完成率进行排名考核（黄石港 §三（二））",
    "participation_rate": "不得对参与度进行排名考核（黄石港 §三（二））",
}
VETO_KEYS = {"veto", "one_vote_veto", "single_item_veto", "一票否决"}
DEDUCTION_KEYS = {"assessment_negative_list", "burden_negative_list", "jpc_negative_item_points",
                  "shared_penalty_share"}
# how the year's burden-list and 同奖同罚 deductions come from its quarters' (SPEC §7; default "mean")
ANNUAL_DEDUCTIONS = ("mean", "sum")
COMPONENT_LABELS = {
    "on_time_closure": "按期办结", "timely_handling": "及时处置", "satisfaction": "群众满意",
    "visit_compliance": "联系捆绑走访", "two_way_rating": "双向评价",
}


class ScoringSettingsError(ValueError):
    """A scoring settings problem, in Chinese, naming the file and line."""


@dataclass(frozen=True)
class Component:
    name: str
    metric: str
    weight: float
    target: float

    @property
    def label(self) -> str:
        return COMPONENT_LABELS.get(self.name, KNOWN_METRICS.get(self.metric, (self.name,))[0])


@dataclass(frozen=True)
class ScoringSettings:
    components: tuple[Component, ...]
    deductions: dict
    grades: tuple[tuple[str, float], ...]
    negative_list_threshold: float
    source: str
    annual_deductions: str = "mean"
    version: str = ""   # the version label (scoring_versions.version_label): every score and export names it

    def grade(self, score: float | None) -> str | None:
        if score is None:
            return None
        for name, low in self.grades:
            if score >= low - 1e-9:
                return name
        return "不合格"

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "version": self.version,
            "negative_list_threshold": self.negative_list_threshold,
            "annual_deductions": self.annual_deductions,
            "components": {c.name: {"label": c.label, "metric": c.metric, "weight": c.weight, "target": c.target}
                           for c in self.components},
            "deductions": dict(self.deductions),
            "grades": {name: low for name, low in self.grades},
            "readings": {
                "missing_component": "left out; its weight spread over the others in proportion",
                "score_floor": "a score is never below 0",
                "shared_penalty": "each negative item a JPC reports in a week the department is bound to it",
                "annual_deductions": ("the year's burden-list and 同奖同罚 deductions are the mean of its four "
                                      "quarters' (Σ / 4, quarters without records count as 0)"
                                      if self.annual_deductions == "mean"
                                      else "the year's burden-list and 同奖同罚 deductions are the sum of its "
                                           "quarters'"),
                "annual_negative_list": "the year's assessment negative-list deduction comes from the "
                                        "year's pooled rates",
                "rounding": "the score is the unrounded components minus the unrounded deductions, rounded once to 2 "
                            "decimals (half up); the shown 2-decimal components and deductions are apportioned "
                            "(largest remainder) so that they add up to the shown score; unrounded values are "
                            "kept as exact_points",
                "two_way_rating": "only from a JPC bound to the department on some day of the rating's period; other "
                                  "rating rows are quarantined at ingest",
            },
        }


def _line_of(text: str, section: str | None, key: str | None) -> int | None:
    """The 1-based line of `key` inside `[section]` (or of the section header when key is None)."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[")
    begin, stop = 0, len(lines)
    if section:
        parts = [re.escape(p) for p in section.split(".")]
        pattern = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(parts) + r"\s*\]")
        hit = next((i for i, ln in enumerate(lines) if pattern.match(ln)), None)
        if hit is None:
            return None
        if key is None:
            return hit + 1
        begin = hit + 1
        stop = next((i for i in range(begin, len(lines)) if header.match(lines[i])), len(lines))
    key_pattern = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
    return next((i + 1 for i in range(begin, stop) if key_pattern.match(lines[i])), None)


def parse_scoring(text: str, source: str = "scoring.toml", cite_lines: bool = True) -> ScoringSettings:
    """Parse and check settings text; raise ScoringSettingsError naming the line of the first problem (a file's;
    `cite_lines` False for settings made from a page's inputs, whose lines no reader has seen)."""
    def fail(msg: str, section: str | None = None, key: str | None = None):
        line = _line_of(text, section, key) if cite_lines else None
        where = f"{source} 第 {line} 行" if line else source
        raise ScoringSettingsError(f"评分设置有误（{where}）：{msg}")

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScoringSettingsError(f"评分设置无法解析（{source}）：{exc}") from None

    for sec_name, sec in raw.items():
        if isinstance(sec, dict):
            for key in sec:
                if key in VETO_KEYS:
                    fail("不得设置“一票否决”事项（黄石港 §三（六）、长治 §三（三））", sec_name, key)
            for sub_name, sub in sec.items():
                if isinstance(sub, dict):
                    for key in sub:
                        if key in VETO_KEYS:
                            fail("不得设置“一票否决”事项（黄石港 §三（六）、长治 §三（三））", f"{sec_name}.{sub_name}",
                                 key)

    scoring = raw.get("scoring", {})
    subject = scoring.get("subject", "department")
    if subject != "department":
        fail(f"考核对象只能是部门（department），不对社区排名考核（长治 §三（三）、黄石港 §三），当前为“{subject}”",
             "scoring", "subject")
    threshold = scoring.get("negative_list_threshold", 0.9)
    if not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        fail(f"negative_list_threshold 应在 0 到 1 之间，当前为 {threshold}", "scoring", "negative_list_threshold")

    annual = scoring.get("annual_deductions", "mean")
    if annual not in ANNUAL_DEDUCTIONS:
        fail("annual_deductions 应为 \"mean\"（年度扣分取四个季度扣分的平均）或 "
             f"\"sum\"（四个季度之和），当前为“{annual}”",
             "scoring", "annual_deductions")

    comps = raw.get("components")
    if not isinstance(comps, dict) or not comps:
        fail("缺少 [components.*] 考核项")
    components = []
    for name, c in comps.items():
        section = f"components.{name}"
        metric = c.get("metric")
        if metric in FORBIDDEN_METRICS:
            fail(f"考核项“{name}”使用了 {metric}：{FORBIDDEN_METRICS[metric]}", section, "metric")
        if metric not in KNOWN_METRICS:
            fail(f"考核项“{name}”的指标“{metric}”未知，可用：{', '.join(KNOWN_METRICS)}", section,
                 "metric" if metric else None)
        weight, target = c.get("weight"), c.get("target")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            fail(f"考核项“{name}”的权重应为非负数，当前为 {weight}", section, "weight")
        _, low, high = KNOWN_METRICS[metric]
        if not isinstance(target, (int, float)) or isinstance(target, bool) or not low < target <= high:
            fail(f"考核项“{name}”的目标值应大于 {low:g} 且不超过 {high:g}，当前为 {target}", section, "target")
        unknown = set(c) - {"metric", "weight", "target"}
        if unknown:
            fail(f"考核项“{name}”有未知设置：{', '.join(sorted(unknown))}", section, sorted(unknown)[0])
        components.append(Component(name, metric, float(weight), float(target)))
    total = sum(c.weight for c in components)
    if abs(total - 100) > 1e-6:
        weights = "、".join(f"{c.label} {c.weight:g}" for c in components)
        fail(f"各考核项权重之和应为 100，当前为 {total:g}（{weights}）",
             f"components.{components[0].name}", "weight")

    deductions = raw.get("deductions", {})
    for key, value in deductions.items():
        if key not in DEDUCTION_KEYS:
            fail(f"未知的扣分设置“{key}”，可用：{', '.join(sorted(DEDUCTION_KEYS))}", "deductions", key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            fail(f"扣分设置“{key}”应为非负数，当前为 {value}", "deductions", key)
    share = deductions.get("shared_penalty_share", 0)
    if share > 1:
        fail(f"同奖同罚分担比例应在 0 到 1 之间，当前为 {share}", "deductions", "shared_penalty_share")
    deductions = {k: float(deductions.get(k, 0.0)) for k in sorted(DEDUCTION_KEYS)}

    grades_raw = raw.get("grades", {"优秀": 90, "良好": 80, "合格": 60})
    grades = sorted(((str(k), float(v)) for k, v in grades_raw.items()), key=lambda kv: -kv[1])
    for name, low in grades:
        if not 0 <= low <= 100:
            fail(f"等次“{name}”的分数线应在 0 到 100 之间，当前为 {low:g}", "grades", name)
    version = version_label(text)
    # the file's name with its version: the Excel sheet's 设置文件 line and every caption name the version
    return ScoringSettings(tuple(components), deductions, tuple(grades), float(threshold), f"{source}（{version}）",
                           annual, version)


def load_scoring(path: Path | None = None) -> ScoringSettings:
    path = Path(path) if path else scoring_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScoringSettingsError(f"无法读取评分设置 {path}：{exc.strerror}") from None
    return parse_scoring(text, path.name)


def dump_scoring(s: ScoringSettings) -> str:
    """TOML text for settings (used by the what-if panel's save)."""
    out = ["[scoring]", 'subject = "department"', f"negative_list_threshold = {s.negative_list_threshold}",
           f'annual_deductions = "{s.annual_deductions}"', ""]
    for c in s.components:
        out += [f"[components.{c.name}]", f'metric = "{c.metric}"', f"weight = {c.weight:g}", f"target = {c.target:g}",
                ""]
    out.append("[deductions]")
    out += [f"{k} = {v:g}" for k, v in s.deductions.items()]
    out += ["", "[grades]"] + [f'"{k}" = {v:g}' for k, v in s.grades]
    return "\n".join(out) + "\n"
