"""年度考核: department scores for a quarter or the year, each opening into components and records; what-if."""
import dataclasses

import plotly.express as px
import polars as pl
import streamlit as st

from govdash.core.formatting import pct, pct_entered
from govdash.core.labels import DEDUCTION_SETTING_LABELS, METRIC_UNITS, scoring_version_label, target_label
from govdash.core.periods import moment_label, parse_as_of
from govdash.core.scoring import ScoringSettingsError, dump_scoring, load_scoring, parse_scoring
from govdash.core.textsafe import md
from govdash.figures import catalogue
from govdash.figures.assessment import period_bounds
from govdash.records.scoring_versions import apply_scoring_version, list_versions, save_scoring_version, version_text
from govdash.web import assessment_publish, chrome, data, period, tables, widgets

chrome.start_page("assessment")
try:
    settings = load_scoring()
except ScoringSettingsError as exc:
    st.error(md(exc))
    st.stop()
# the year or quarter of the sidebar (the address's ?year=YYYY or ?quarter=YYYY-QN)
year, quarter = period.assessment_period()
scoring_key = data.scoring_key()
# published (定稿): the stored copy; else computed at the period's default cut-off (settings [cutoff])
view = assessment_publish.assessment_view(year, quarter, scoring_key)
as_of, result = view.as_of, view.result
widgets.cutoff_notice(result)
st.caption(f"{result['period']} · 截止 {moment_label(result['as_of'])} · 对比 {result['previous_period']} · "
           f"评分设置版本：{md(scoring_version_label(result['settings']['version']))}")
flash = st.session_state.pop("scoring_flash", None)
if flash:
    st.success(flash)
assessment_publish.download(view)


def with_unit(metric: str, value) -> str:
    """An actual or target in its unit: a rate as 95.0%, the two-way rating as 90.0 分."""
    if value is None:
        return "—"
    return f"{value:.1f} {METRIC_UNITS[metric]}" if metric in METRIC_UNITS else pct(value)


ranking = pl.DataFrame([{k: d[k] for k in ("rank", "dept_id", "dept_name", "score", "grade", "gross_points",
                                           "deduction_points",
                                           "previous_score", "change", "note")} for d in result["departments"]],
                       schema_overrides={"previous_score": pl.Float64, "change": pl.Float64, "note": pl.Utf8})
st.subheader("排名与等次")
tables.table(ranking.rename({"rank": "排名", "dept_id": "部门编号", "dept_name": "部门", "score": "得分",
                                 "grade": "等次", "gross_points": "考核项得分", "deduction_points": "扣分",
                                 "previous_score": "上期得分", "change": "较上期", "note": "说明"}))
with st.expander("评分设置（各项权重、目标与扣分）"):
    s = result["settings"]
    tables.table(pl.DataFrame([{"考核项": c["label"], "指标": c["metric"], "权重（分）": float(c["weight"]),
                            "目标值": target_label(c["metric"], c["target"])} for c in s["components"].values()]),
             hide_index=True)
    st.write("扣分："
             + "；".join(f"{md(DEDUCTION_SETTING_LABELS.get(k, k))} "
                        f"{pct_entered(v) if k == 'shared_penalty_share' else f'{v:g} 分'}"
                                 for k, v in s["deductions"].items()))
    st.write("等次：" + "；".join(f"{md(k)} ≥ {v:g}" for k, v in s["grades"].items()) + "；其余不合格")

st.subheader("部门得分明细")
names = {d["dept_id"]: d["dept_name"] for d in result["departments"]}
dept = st.selectbox("部门", list(names), format_func=names.get, key="assess_dept")
mine = next(d for d in result["departments"] if d["dept_id"] == dept)
m = st.columns(4)
m[0].metric("得分", "—" if mine["score"] is None else f"{mine['score']:.2f}",
            delta=None if mine["change"] is None else f"{mine['change']:+.2f}（对比{result['previous_period']}）")
m[1].metric("等次", md(mine["grade"]) if mine["grade"] else "—")
m[2].metric("排名", "—" if mine["rank"] is None else f"第 {mine['rank']} 名")
m[3].metric("扣分", f"{mine['deduction_points']:.2f}")
if mine["note"]:
    st.info(md(mine["note"]))
metrics = {name: c["metric"] for name, c in result["settings"]["components"].items()}
tables.table(pl.DataFrame([{"考核项": c["label"], "实际值": with_unit(metrics.get(name, ""), c["actual"]),
                        "目标值": target_label(metrics.get(name, ""), c["target"]), "权重": c["weight"],
                        "实际计分权重": c["effective_weight"], "得分": c["points"]} for name,
                       c in mine["components"].items()],
                      schema_overrides={"权重": pl.Float64, "实际计分权重": pl.Float64, "得分": pl.Float64}))
if mine["deductions"]:
    tables.table(pl.DataFrame(mine["deductions"]).select(tables.readable_codes_expr("reason").alias("扣分原因"),
                                                     pl.col("points").alias("扣分"),
                                                     pl.col("source").alias("依据记录")))

p = period_bounds(year, quarter)
view = st.radio("查看考核项背后的记录", ["吹哨派单", "缺访周", "负面清单与扣分记录"], horizontal=True,
                key="assess_records")
if view == "吹哨派单":
    a = data.figure(catalogue.assignments, p["date_from"], p["date_to"], as_of).filter(pl.col("dept_id") == dept)
    tables.table(a.select("event_id", "community_id", "dispatched_at", "responded_at", "response_deadline", "closed_at",
                          "closure_deadline", "rating", "status")
                 .rename({"event_id": "事件编号", "community_id": "社区编号", "dispatched_at": "派单时间",
                          "responded_at": "响应时间",
                          "response_deadline": "响应时限", "closed_at": "结案时间", "closure_deadline": "办结期限",
                          "rating": "评价", "status": "状态"}))
elif view == "缺访周":
    tables.table(data.figure(catalogue.missed_visit_weeks, dept, p["month_from"], p["month_to"]).select(
        pl.col("jpc_id").alias("联合党委编号"), pl.col("week_id").alias("周"), pl.col("month").alias("所属月份")))
else:
    _, records = data.figure(catalogue.assessment_inputs, year, quarter, as_of)
    tables.table(records.filter(pl.col("dept_id") == dept).select(
        pl.col("kind").alias("类别"), tables.readable_codes_expr("detail").alias("说明"),
        pl.col("source").alias("依据记录"), pl.col("units").alias("数量")))

st.subheader("模拟调整")
st.caption("改变权重或目标值，先看排名如何变化，再决定是否保存为新的评分设置版本。")


def _change_scoring(change, flash: str, confirm_key: str) -> None:
    """Save or re-apply a scoring version; on success the inputs start again from the live settings and the
    page reruns with the new ranking and a notice that names the version."""
    try:
        vid = change()
    except (ScoringSettingsError, ValueError, OSError) as exc:
        st.error(md(exc))
        return
    for key in [k for k in st.session_state if str(k).startswith(("w_", "t_"))]:
        del st.session_state[key]
    st.session_state["scoring_flash"] = flash.format(version=vid)
    st.session_state.pop(confirm_key, None)
    st.rerun()


cols = st.columns(len(settings.components))
new_components = []
for col, c in zip(cols, settings.components):
    col.markdown(f"**{md(c.label)}**")
    w = col.number_input("权重（分）", 0.0, 100.0, float(c.weight), 1.0, key=f"w_{c.name}")
    if c.metric in METRIC_UNITS:   # the two-way rating, in points
        t = col.number_input(f"目标值（{METRIC_UNITS[c.metric]}）", 0.01, 100.0, float(c.target), 1.0,
                             key=f"t_{c.name}")
    else:   # a rate, entered and shown in percent as entered (95 for 0.95)
        t = round(col.number_input("目标值（%）", 0.01, 100.0, round(c.target * 100, 8), 1.0, format="%g",
                                   key=f"t_{c.name}") / 100, 10)
    new_components.append(dataclasses.replace(c, weight=w, target=t))
total = sum(c.weight for c in new_components)
(st.success if abs(total - 100) < 1e-6 else st.warning)(f"权重合计：{total:g} / 100"
                                                        + ("" if abs(total - 100) < 1e-6 else "（应为 100）"))
candidate_text = dump_scoring(dataclasses.replace(settings, components=tuple(new_components)))
try:
    candidate = parse_scoring(candidate_text, "模拟设置", cite_lines=False)
except ScoringSettingsError as exc:
    st.error(md(exc))
    candidate = None
if candidate is not None and candidate.components != settings.components:
    # scored and ranked on the whole city, then cut to what the user may see (a department: its own row)
    moved = data.figure(catalogue.assessment_what_if, year, quarter, as_of, candidate_text, scoring_key).select(
        pl.col("dept_name").alias("部门"), pl.col("rank").alias("现排名"), pl.col("score").alias("现得分"),
        pl.col("simulated_rank").alias("模拟排名"), pl.col("simulated_score").alias("模拟得分"),
        pl.col("simulated_grade").alias("模拟等次"), pl.col("rank_change").alias("名次变化（正数为上升）"))
    tables.table(moved)
    if data.can_edit_scoring():
        reason = st.text_input("保存原因（记入版本记录）", key="scoring_reason")
        confirmed = st.checkbox("确认以上权重和目标值保存为新的评分设置版本"
                                f"（替代当前 {md(scoring_version_label(settings.version))}），"
                                "此后的得分、页面和导出均按新版本计算", key="scoring_confirm")
        if st.button("保存为新的评分设置", key="save_scoring", disabled=not (confirmed and reason.strip())):
            _change_scoring(lambda: save_scoring_version(candidate_text, data.principal().name, reason),
                            "已保存评分设置版本 {version}，以下排名已按新版本重新计算。", "scoring_confirm")
    else:
        st.caption("只有考绩办账号可以保存评分设置。")
elif candidate is not None:
    st.caption("权重和目标值与当前设置相同。")

with st.expander("评分设置版本（查看、重新应用）"):
    versions = list_versions()
    if not versions:
        st.caption(f"尚无保存的版本；当前设置为{md(scoring_version_label(settings.version))}。")
    else:
        tables.table(pl.DataFrame([{"版本": v["id"], "保存人": v["author"],
                                    "保存时间": moment_label(parse_as_of(v["saved_at"])), "原因": v["reason"],
                                "基于": scoring_version_label(v["based_on"]) if v["based_on"] else "",
                                "当前": "是" if v["id"] == settings.version else "",
                                "完整": "是" if v["intact"] else "否（内容与校验值不符）"} for v in versions]))
        ids = [v["id"] for v in versions]
        chosen = st.selectbox("查看版本", ids, index=len(ids) - 1, key="scoring_version_view")
        try:
            viewed = parse_scoring(version_text(chosen), f"{chosen}.toml")
        except (ScoringSettingsError, ValueError) as exc:
            st.error(md(exc))
            viewed = None
        if viewed is not None:
            tables.table(pl.DataFrame([{"考核项": c.label, "权重": c.weight, "目标值": target_label(c.metric, c.target)}
                                  for c in viewed.components]))
            if data.can_edit_scoring() and chosen != settings.version:
                ok = st.checkbox(f"确认重新应用版本 {chosen}（替代当前 {md(scoring_version_label(settings.version))}）",
                                 key="scoring_apply_confirm")
                if st.button(f"重新应用 {chosen}", key="apply_scoring", disabled=not ok):
                    def apply(version=chosen):
                        apply_scoring_version(version, data.principal().name)
                        return version

                    _change_scoring(apply, "已重新应用评分设置版本 {version}，以下排名已按该版本重新计算。",
                                    "scoring_apply_confirm")

st.subheader("与上年对比")
if quarter is None:
    previous = data.figure(catalogue.assessment_result, year - 1, None, as_of, scoring_key)
    prev_scores = {d["dept_id"]: d["score"] for d in previous["departments"]}
    yoy = pl.DataFrame([{"部门": d["dept_name"], f"{year}年": d["score"],
                         f"{year - 1}年": prev_scores.get(d["dept_id"])}
                        for d in result["departments"]])
    fig = px.bar(yoy.unpivot(index="部门", variable_name="年度", value_name="得分"), x="部门", y="得分",
                 color="年度", barmode="group")
    tables.plot(fig)
    if all(v is None for v in prev_scores.values()):
        st.info(f"{year - 1}年没有考核数据，无法对比。")
else:
    st.caption("选择“全年”查看与上年的对比。")
