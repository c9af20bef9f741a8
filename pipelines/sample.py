"""A synthetic city shaped after Longgang: every input file of SPEC §2, deterministic for a seed.

All generation is vectorised with numpy over whole arrays (no loop per event); the year is written
month by month so `--scale 100` (about 3 million whistle events) stays within memory.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.dispute_file import FILE_NAME
from warehouse.calendar import official_calendar

YEAR = 2024
EVENTS_PER_YEAR = 30_000

# dept_id, name, type, quality (0..1: how well it answers), visit diligence (0..1)
DEPARTMENTS = [
    ("D01", "公安局", "市直部门", 0.93, 0.95),
    ("D02", "执法局", "市直部门", 0.80, 0.85),
    ("D03", "市监局", "市直部门", 0.90, 0.90),
    ("D04", "消防救援大队", "市直部门", 0.96, 0.97),
    ("D05", "资规局", "市直部门", 0.70, 0.72),
    ("D06", "农业农村局", "市直部门", 0.84, 0.80),
    ("D07", "应急局", "市直部门", 0.92, 0.93),
    ("D08", "社会事业局", "市直部门", 0.88, 0.88),
    ("D09", "经发局", "市直部门", 0.82, 0.65),
    ("D10", "市委宣统部", "市直部门", 0.95, 0.90),
    ("D11", "供电局", "公共服务单位", 0.97, 0.92),
    ("D12", "水务公司", "公共服务单位", 0.86, 0.78),
    ("D13", "住建局", "市直部门", 0.62, 0.60),
    ("D14", "生态环境分局", "市直部门", 0.89, 0.86),
    ("D15", "交通运输局", "市直部门", 0.78, 0.75),
    ("D16", "人力社保局", "市直部门", 0.91, 0.89),
    ("D17", "卫生健康局", "市直部门", 0.94, 0.91),
    ("D18", "燃气公司", "公共服务单位", 0.75, 0.70),
]
DEPT_INDEX = {d[0]: i for i, d in enumerate(DEPARTMENTS)}

# category, weight, primary dept, alternative dept
CATEGORIES = [
    ("治安隐患", 10, "D01", "D02"),
    ("违章建筑", 12, "D02", "D05"),
    ("占道经营", 9, "D02", "D03"),
    ("环境卫生", 11, "D02", "D14"),
    ("食品安全", 6, "D03", "D17"),
    ("市场秩序", 5, "D03", "D02"),
    ("消防隐患", 7, "D04", "D07"),
    ("土地规划", 5, "D05", "D13"),
    ("农田水利", 3, "D06", "D12"),
    ("安全生产", 5, "D07", "D04"),
    ("社会救助", 4, "D08", "D16"),
    ("企业服务", 3, "D09", "D16"),
    ("文明创建", 2, "D10", "D08"),
    ("供电故障", 5, "D11", "D11"),
    ("供水排水", 6, "D12", "D13"),
    ("房屋安全", 4, "D13", "D05"),
    ("噪音扰民", 5, "D14", "D02"),
    ("道路交通", 4, "D15", "D01"),
    ("劳资纠纷", 3, "D16", "D01"),
    ("卫生防疫", 2, "D17", "D08"),
    ("燃气安全", 3, "D18", "D07"),
]
# Table A.1 "一件事" items and the departments that act on them
ONE_THINGS = [
    ("A01", "园区外规下限下企业安全生产 消防安全", ["D07", "D04", "D03", "D11"]),
    ("A02", "合用场所消防安全整治", ["D04", "D01", "D07"]),
    ("A03", "城乡环境综合整治", ["D02", "D05", "D06"]),
    ("A04", "违章建筑处置", ["D05", "D02", "D06"]),
    ("A05", "农贸市场经营管理", ["D03", "D02", "D05"]),
    ("A06", "农民建房监管", ["D02", "D05", "D06"]),
    ("A07", "生活噪音处置", ["D02", "D01", "D10"]),
    ("A08", "渔业安全监管", ["D06", "D05", "D07"]),
    ("A09", "畜禽养殖污染处置", ["D06", "D14", "D07"]),
    ("A10", "烟花爆竹安全监管", ["D07", "D01", "D03"]),
]
ADMISSION_ITEMS = [f"B{i:02d}" for i in range(1, 31)]
CERTIFICATE_ITEMS = [f"C{i:02d}" for i in range(1, 12)]
OFF_LIST_TASKS = ["创建文明城市入户调查", "招商引资任务分解", "APP 下载推广", "问卷填报", "工作群打卡截图"]
OFF_LIST_CERTS = ["无犯罪记录证明", "亲属关系证明", "居住证明（非本辖区）", "健在证明"]
CLAUSES = [f"E.1.{i}" for i in range(1, 6)] + [f"E.2.{i}" for i in range(1, 11)]
AREAS = ["龙港中心片", "江山片", "舥艚片", "湖前片", "芦浦片", "平等片", "云岩片", "白沙片", "海城片"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗")
GIVEN = ["建国", "海峰", "志强", "丽华", "晓东", "国庆", "明辉", "春燕", "立新", "文杰", "秀英", "卫东"]
NAME_A = list("江湖海河港湾城镇东西南北新华兴安宁和平康福瑞祥金银")
NAME_B = list("滨湾苑岭岙浦桥塘埠园坊里庄村屿")


def _opt(keep: np.ndarray, values) -> pl.Series:
    """Text values where keep is true, null elsewhere."""
    vals = values if isinstance(values, pl.Series) else pl.Series(np.asarray(values).astype(str))
    return pl.select(pl.when(pl.lit(pl.Series(np.asarray(keep,
                                                         bool)))).then(pl.lit(vals)).otherwise(None)).to_series().cast(pl.Utf8)


def _ts_str(arr: np.ndarray) -> pl.Series:
    return pl.Series(arr.astype("datetime64[ms]")).dt.strftime("%Y-%m-%d %H:%M:%S")


class _City:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        n_jpc = 25
        jpc_area = np.sort(rng.integers(0, len(AREAS), n_jpc))
        jpc_area[: len(AREAS)] = np.arange(len(AREAS))  # every area has a JPC
        jpc_area.sort()
        self.jpcs = [f"J{i + 1:02d}" for i in range(n_jpc)]
        names = set()
        rows = []
        counts = np.full(n_jpc, 4)
        counts[: 102 - 4 * n_jpc] += 1  # 102 communities over 25 JPCs
        c = 0
        for j, jid in enumerate(self.jpcs):
            jname = f"{NAME_A[(j * 7) % len(NAME_A)]}{NAME_B[j % len(NAME_B)]}社区联合党委"
            for _ in range(counts[j]):
                while True:
                    nm = NAME_A[rng.integers(len(NAME_A))] + NAME_A[rng.integers(len(NAME_A))] + "社区"
                    if nm not in names:
                        names.add(nm)
                        break
                rows.append((f"C{c + 1:03d}", nm, jid, jname, AREAS[jpc_area[j]]))
                c += 1
        self.communities = pl.DataFrame(rows, schema=["community_id", "community_name", "jpc_id", "jpc_name", "area"],
                                        orient="row")
        self.comm_jpc = np.array([self.jpcs.index(r[2]) for r in rows])
        # some communities whistle far more than others
        self.comm_weight = rng.gamma(2.0, 1.0, len(rows))
        self.comm_weight /= self.comm_weight.sum()

        # bindings: one city leader and 2-4 departments per JPC; some change on 2024-07-01
        brow = []
        self.binding_spans = []  # (jpc index, dept index, from, to)
        for j, jid in enumerate(self.jpcs):
            brow.append((jid, "leader", None, f"{SURNAMES[j % len(SURNAMES)]}{GIVEN[(j * 5) % len(GIVEN)]}",
                         f"{YEAR}-01-01", None))
            k = int(rng.integers(2, 5))
            depts = rng.choice(len(DEPARTMENTS), k, replace=False)
            for n, d in enumerate(depts):
                start, end = dt.date(YEAR, 1, 1), None
                if n == 0 and rng.random() < 0.2:
                    end = dt.date(YEAR, 6, 30)
                    others = [x for x in range(len(DEPARTMENTS)) if x not in depts]
                    newd = int(rng.choice(others))
                    brow.append((jid, "department", DEPARTMENTS[newd][0], None, f"{YEAR}-07-01", None))
                    self.binding_spans.append((j, newd, dt.date(YEAR, 7, 1), dt.date(YEAR, 12, 31)))
                brow.append((jid, "department", DEPARTMENTS[d][0], None, start.isoformat(),
                             end.isoformat() if end else None))
                self.binding_spans.append((j, int(d), start, end or dt.date(YEAR, 12, 31)))
        self.bindings = pl.DataFrame(brow, schema=["jpc_id", "role", "dept_id", "leader_name", "valid_from",
                                                   "valid_to"], orient="row")


def _day_weights(cal: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    days = cal.filter(pl.col("date").dt.year() == YEAR)
    dates = days["date"].to_numpy().astype("datetime64[D]")
    work = days["is_workday"].to_numpy()
    dow = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    w = np.where(work, 1.2, 0.45) * np.where(dow == 0, 1.15, 1.0)
    month = dates.astype("datetime64[M]").astype(int) % 12
    w = w * (1.0 + 0.15 * np.sin((month - 3) / 12 * 2 * np.pi))  # busier in summer
    return dates, w / w.sum()


def _events_and_logs(rng, city: _City, dates: np.ndarray, day_p: np.ndarray, n_events: int, month_mask: np.ndarray,
                     start_no: int, workday: dict):
    """Events of the days in month_mask, with their full logs."""
    p = np.where(month_mask, day_p, 0.0)
    share = p.sum()
    n = rng.poisson(n_events * share)
    if n == 0:
        return None, None
    p = p / share
    day = rng.choice(len(dates), n, p=p)
    hour_mix = rng.random(n)
    seconds = np.where(hour_mix < 0.85, rng.integers(8 * 3600, 18 * 3600, n), rng.integers(0, 24 * 3600, n))
    reported = dates[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    order = np.argsort(reported, kind="stable")
    reported = reported[order]
    comm = rng.choice(len(city.comm_weight), n, p=city.comm_weight)
    cat_w = np.array([c[1] for c in CATEGORIES], dtype=float)
    cat = rng.choice(len(CATEGORIES), n, p=cat_w / cat_w.sum())
    onsite = rng.random(n) < 0.45
    difficult = rng.random(n) < 0.12
    one_thing = rng.random(n) < 0.04
    ot_item = rng.integers(0, len(ONE_THINGS), n)
    event_ids = np.array([f"E{YEAR}{i:07d}" for i in range(start_no, start_no + n)])
    admission = _opt(rng.random(n) < 0.9, np.array(ADMISSION_ITEMS)[rng.integers(0, len(ADMISSION_ITEMS), n)])

    events = pl.DataFrame({
        "event_id": event_ids,
        "community_id": city.communities["community_id"].to_numpy()[comm],
        "reported_at": _ts_str(reported),
        "handling_mode": np.where(onsite, "onsite", "offsite"),
        "is_difficult": np.where(difficult, "true", "false"),
        "category": np.array([c[0] for c in CATEGORIES])[cat],
        "title": np.char.add(np.array([c[0] for c in CATEGORIES])[cat], "问题"),
        "one_thing_item": _opt(one_thing, np.array([o[0] for o in ONE_THINGS])[ot_item]),
        "admission_item": admission,
    })

    # assignments: one per event, plus co-departments of "一件事" events
    primary = np.array([DEPT_INDEX[c[2]] for c in CATEGORIES])[cat]
    alt = np.array([DEPT_INDEX[c[3]] for c in CATEGORIES])[cat]
    dept = np.where(rng.random(n) < 0.1, alt, primary)
    ot_idx = np.flatnonzero(one_thing)
    co_ev, co_dept = [], []
    for k in range(1, 3):  # up to two co-departments per "一件事" event (a loop over 2, not over events)
        members = np.array([DEPT_INDEX[o[2][k]] for o in ONE_THINGS])[ot_item[ot_idx]]
        take = (members != dept[ot_idx]) & (rng.random(len(ot_idx)) < 0.9)
        co_ev.append(ot_idx[take])
        co_dept.append(members[take])
    a_ev = np.concatenate([np.arange(n)] + co_ev)
    a_dept = np.concatenate([dept] + co_dept)
    m = len(a_ev)
    q = np.array([d[3] for d in DEPARTMENTS])[a_dept]
    dispatch = reported[a_ev] + rng.integers(2 * 60, 40 * 60, m).astype("timedelta64[s]")

    logs = []

    def add(ev, ts, action, dept_idx=None, value=None):
        k = len(ev)
        logs.append(pl.DataFrame({
            "event_id": event_ids[ev],
            "ts": ts.astype("datetime64[ms]"),
            "action": np.full(k, action),
            "dept_id": np.array([d[0] for d in DEPARTMENTS])[dept_idx] if dept_idx is not None
            else pl.Series([None] * k, dtype=pl.Utf8),
            "value": value if value is not None else pl.Series([None] * k, dtype=pl.Utf8),
        }, schema={"event_id": pl.Utf8, "ts": pl.Datetime("ms"), "action": pl.Utf8, "dept_id": pl.Utf8,
                   "value": pl.Utf8}))

    add(a_ev, dispatch, "dispatched", a_dept)

    # returns: the department sends it back, the committee re-dispatches to the alternative
    ret = (rng.random(m) < (1.0 - q) * 0.25) & (a_ev < n) & (alt[a_ev] != a_dept)
    ret_ts = dispatch + rng.integers(1800, 20 * 3600, m).astype("timedelta64[s]")
    add(a_ev[ret], ret_ts[ret], "returned", a_dept[ret])
    re_dispatch = ret_ts + rng.integers(1800, 4 * 3600, m).astype("timedelta64[s]")
    add(a_ev[ret], re_dispatch[ret], "dispatched", alt[a_ev][ret])
    # the working assignments: the non-returned ones and the re-dispatched ones
    w_ev = np.concatenate([a_ev[~ret], a_ev[ret]])
    w_dept = np.concatenate([a_dept[~ret], alt[a_ev][ret]])
    w_start = np.concatenate([dispatch[~ret], re_dispatch[ret]])
    k = len(w_ev)
    wq = np.array([d[3] for d in DEPARTMENTS])[w_dept]
    w_onsite, w_diff = onsite[w_ev], difficult[w_ev]

    never = rng.random(k) < (1 - wq) ** 2 * 0.8  # the weakest departments fall below the 90% threshold
    good_resp = rng.random(k) < wq
    resp_delay = np.where(
        w_onsite,
        np.where(good_resp, rng.integers(15 * 60, 115 * 60, k), rng.integers(125 * 60, 8 * 3600, k)),
        np.where(good_resp, rng.integers(3 * 60, 58 * 60, k), rng.integers(62 * 60, 10 * 3600, k)),
    )
    resp_ts = w_start + resp_delay.astype("timedelta64[s]")
    has_resp = ~never
    add(w_ev[has_resp & ~w_onsite], resp_ts[has_resp & ~w_onsite], "accepted", w_dept[has_resp & ~w_onsite])
    add(w_ev[has_resp & w_onsite], resp_ts[has_resp & w_onsite], "arrived", w_dept[has_resp & w_onsite])

    # closure: on time with a probability set by the department's quality
    good_close = rng.random(k) < wq
    start_day = w_start.astype("datetime64[D]")
    n_wd = np.where(w_diff, 5, np.where(w_onsite, 0, 2))
    deadline_day = _wd_vectorised(start_day, n_wd, workday)
    deadline_end = deadline_day.astype("datetime64[s]") + np.timedelta64(86399, "s")
    span = (deadline_end - resp_ts).astype("int64")
    on_time_close = resp_ts + (np.maximum(span, 600) * rng.uniform(0.05, 0.95, k)).astype("timedelta64[s]")
    late_close = deadline_end + rng.integers(3600, 12 * 86400, k).astype("timedelta64[s]")
    close_ts = np.where(good_close, on_time_close, late_close)
    closes = has_resp & (rng.random(k) > 0.01)
    year_end = np.datetime64(f"{YEAR + 1}-01-01T00:00:00")
    closes &= close_ts < year_end
    add(w_ev[closes], close_ts[closes], "closed", w_dept[closes])

    # reopen: the JPC rejects the closure, the department closes again later
    reopen = closes & (rng.random(k) < (1 - wq) * 0.3)
    reopen_ts = close_ts + rng.integers(3600, 48 * 3600, k).astype("timedelta64[s]")
    reclose_ts = reopen_ts + rng.integers(4 * 3600, 6 * 86400, k).astype("timedelta64[s]")
    reopen &= reopen_ts < year_end
    add(w_ev[reopen], reopen_ts[reopen], "reopened", w_dept[reopen])
    reclosed = reopen & (reclose_ts < year_end)
    add(w_ev[reclosed], reclose_ts[reclosed], "closed", w_dept[reclosed])
    final_close = np.where(reopen, reclose_ts, close_ts)
    final_closed = np.where(reopen, reclosed, closes)

    # escalation while still open
    esc = (rng.random(k) < np.where(w_diff, 0.12, 0.02) + (1 - wq) * 0.05)
    esc_ts = w_start + rng.integers(12 * 3600, 5 * 86400, k).astype("timedelta64[s]")
    esc &= (~final_closed | (esc_ts < final_close)) & (esc_ts < year_end)
    level = np.array(["daily", "weekly", "city"])[rng.choice(3, k, p=[0.7, 0.25, 0.05])]
    add(w_ev[esc], esc_ts[esc], "escalated", None, level[esc])

    # ratings by the JPC, after the final closure
    rated = final_closed & (rng.random(k) < 0.85)
    rate_ts = final_close + rng.integers(1800, 72 * 3600, k).astype("timedelta64[s]")
    rated &= rate_ts < year_end
    u = rng.random(k)
    value = np.where(u < wq * 0.9, "satisfied", np.where(u < wq * 0.9 + 0.12, "basic", "unsatisfied"))
    add(w_ev[rated], rate_ts[rated], "rated", w_dept[rated], value[rated])

    log = pl.concat(logs).sort(["ts", "event_id"]).with_columns(
        pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.lit(None, dtype=pl.Utf8).alias("note"),
    )
    return events, log


def _wd_vectorised(days: np.ndarray, n: np.ndarray, workday: dict) -> np.ndarray:
    """WD(d, n) for arrays, via the working-day index (same definition as the warehouse)."""
    idx_of, day_of_idx, is_work = workday["idx_of"], workday["day_of_idx"], workday["is_work"]
    off = (days - workday["first"]).astype(int)
    base = idx_of[off]
    target = np.where(n == 0, base + (1 - is_work[off]), base + n)
    return day_of_idx[target]


def _workday_table() -> dict:
    cal = official_calendar().filter(pl.col("date").dt.year().is_between(YEAR, YEAR + 1))
    is_work = cal["is_workday"].to_numpy().astype(int)
    idx_of = np.cumsum(is_work)
    dates = cal["date"].to_numpy().astype("datetime64[D]")
    day_of_idx = np.empty(idx_of.max() + 1, dtype="datetime64[D]")
    day_of_idx[idx_of[is_work == 1]] = dates[is_work == 1]
    return {"first": dates[0], "is_work": is_work, "idx_of": idx_of, "day_of_idx": day_of_idx}


def _visits(rng, city: _City, scale: float) -> pl.DataFrame:
    rows_j, rows_d, rows_day = [], [], []
    mondays = np.arange(np.datetime64(f"{YEAR}-01-01"), np.datetime64(f"{YEAR}-12-30"), 7)  # 2024-01-01 is a Monday
    for j, d, start, end in city.binding_spans:
        wk = mondays[(mondays + 6 >= np.datetime64(start)) & (mondays <= np.datetime64(end))]
        diligence = DEPARTMENTS[d][4]
        n_vis = (rng.random(len(wk)) < diligence).astype(int) + (rng.random(len(wk)) < 0.08 * max(scale, 1) ** 0)
        w = np.repeat(wk, n_vis)
        off = np.where(rng.random(len(w)) < 0.95, rng.integers(0, 5, len(w)), rng.integers(5, 7, len(w)))
        day = w + off.astype("timedelta64[D]")
        keep = (day >= np.datetime64(start)) & (day <= np.datetime64(end))
        rows_j.append(np.full(keep.sum(), j))
        rows_d.append(np.full(keep.sum(), d))
        rows_day.append(day[keep])
    j = np.concatenate(rows_j)
    d = np.concatenate(rows_d)
    day = np.concatenate(rows_day)
    order = np.lexsort((j, d, day))
    j, d, day = j[order], d[order], day[order]
    n = len(j)
    raised = rng.poisson(1.4, n)
    solved = np.minimum(raised, rng.binomial(raised, np.array([x[3] for x in DEPARTMENTS])[d]))
    return pl.DataFrame({
        "visit_id": [f"V{YEAR}{i:06d}" for i in range(1, n + 1)],
        "visit_date": pl.Series(day).dt.strftime("%Y-%m-%d"),
        "dept_id": np.array([x[0] for x in DEPARTMENTS])[d],
        "jpc_id": np.array(city.jpcs)[j],
        "led_by_city_leader": np.where(rng.random(n) < 0.2, "true", "false"),
        "team_leader_rank": np.array(["副科级", "正科级", "副处级"])[rng.choice(3, n, p=[0.55, 0.35, 0.10])],
        "participants": rng.integers(2, 8, n),
        "topics": np.array(["安全生产检查", "信访维稳", "环境整治", "重点工程推进", "党建指导",
                            "消防安全"])[rng.integers(0, 6, n)],
        "problems_raised": raised,
        "problems_solved": solved,
    })


def _negative_reports(rng, city: _City) -> pl.DataFrame:
    weeks = [f"{YEAR}-W{w:02d}" for w in range(1, 53)]
    rows = []
    for j, jid in enumerate(city.jpcs):
        diligence = 0.75 + 0.2 * ((j * 37) % 10) / 10
        u = rng.random(len(weeks))
        for w_i, week in enumerate(weeks):
            if u[w_i] > diligence + 0.12:
                continue  # missing
            monday_after = dt.date.fromisocalendar(YEAR, w_i + 1, 1) + dt.timedelta(days=7)
            if u[w_i] > diligence:
                sub = dt.datetime.combine(monday_after,
                                          dt.time(12)) + dt.timedelta(minutes=int(rng.integers(1, 3 * 24 * 60)))
            else:
                sub = dt.datetime.combine(monday_after,
                                          dt.time(8)) - dt.timedelta(minutes=int(rng.integers(0, 4 * 24 * 60)))
            rid = f"NR-{jid}-{week}"
            n_items = int(rng.choice(3, p=[0.9, 0.08, 0.02]))  # integrity negatives are rare
            if n_items == 0:
                rows.append((rid, jid, week, sub.strftime("%Y-%m-%d %H:%M:%S"), None, None, "本周无负面情况", None))
            for code in rng.choice(CLAUSES, n_items, replace=False):
                rows.append((rid, jid, week, sub.strftime("%Y-%m-%d %H:%M:%S"), str(code), int(rng.integers(1, 4)),
                             "发现相关情况并已登记", "true" if rng.random() < 0.7 else "false"))
    return pl.DataFrame(rows, schema=["report_id", "jpc_id", "week", "submitted_at", "clause_code", "count",
                                      "description", "rectified"], orient="row")


def _appeals(rng, city: _City, dates, day_p, n: int, start_no: int, month_mask) -> tuple[pl.DataFrame, pl.DataFrame]:
    p = np.where(month_mask, day_p, 0.0)
    share = p.sum()
    n = rng.poisson(n * share)
    p = p / share
    day = rng.choice(len(dates), n, p=p)
    raised = dates[day].astype("datetime64[s]") + rng.integers(7 * 3600, 21 * 3600, n).astype("timedelta64[s]")
    comm = rng.choice(len(city.comm_weight), n, p=city.comm_weight)
    origin = rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2])
    ids = np.array([f"AP{YEAR}{i:07d}" for i in range(start_no, start_no + n)])
    comm_push = 0.6 + 0.8 * (np.arange(len(city.comm_weight)) % 7) / 6  # some communities push upward more
    resolve_p = np.array([0.45, 0.5, 0.55, 0.6, 0.85])
    mean_hours = np.array([24, 48, 72, 120, 240])
    year_end = np.datetime64(f"{YEAR + 1}-01-01T00:00:00")
    logs = []
    level = origin.copy()
    entered = raised.copy()
    alive = np.ones(n, bool)
    for lv in range(1, 6):  # a loop over the five levels, each over all appeals at once
        at = alive & (level == lv)
        if not at.any():
            continue
        idx = np.flatnonzero(at)
        dwell = rng.exponential(mean_hours[lv - 1], len(idx)) * 3600
        exit_ts = entered[idx] + dwell.astype("timedelta64[s]")
        u = rng.random(len(idx))
        rp = np.clip(resolve_p[lv - 1] / comm_push[comm[idx]] if lv <= 3 else resolve_p[lv - 1], 0.05, 0.95)
        outcome = np.where(u < rp, "resolved", np.where(u < rp + 0.05, "withdrawn", "escalated"))
        if lv == 5:
            outcome = np.where(outcome == "escalated", "open", outcome)
        still_open = exit_ts >= year_end
        outcome = np.where(still_open, "open", outcome)
        logs.append(pl.DataFrame({
            "appeal_id": ids[idx],
            "level": np.full(len(idx), lv),
            "entered_at": _ts_str(entered[idx]),
            "exited_at": _opt(outcome != "open", _ts_str(exit_ts)),
            "outcome": outcome,
        }))
        go = outcome == "escalated"
        level[idx[go]] = lv + 1
        entered[idx[go]] = exit_ts[go]
        alive[idx[~go]] = False
    appeals = pl.DataFrame({
        "appeal_id": ids,
        "community_id": city.communities["community_id"].to_numpy()[comm],
        "raised_at": _ts_str(raised),
        "origin_level": origin,
        "category": np.array(["物业纠纷", "邻里纠纷", "环境卫生", "停车管理", "社会保障",
                              "房屋安全"])[rng.integers(0, 6, n)],
    })
    return appeals, pl.concat(logs).sort(["appeal_id", "level"])


def _tasks(rng, city: _City, n: int) -> pl.DataFrame:
    issued = np.datetime64(f"{YEAR}-01-02T09:00:00") + rng.integers(0, 360 * 86400, n).astype("timedelta64[s]")
    dept = rng.integers(0, len(DEPARTMENTS), n)
    sloppy = 1 - np.array([d[3] for d in DEPARTMENTS])[dept]
    u = rng.random(n)
    admission = _opt(u >= sloppy * 0.6,
                     np.where(u < sloppy * 0.9, np.array(OFF_LIST_TASKS)[rng.integers(0, len(OFF_LIST_TASKS), n)],
                              np.array(ADMISSION_ITEMS)[rng.integers(0, len(ADMISSION_ITEMS), n)]))
    v = rng.random(n)
    cert = _opt(v >= 0.7, np.where(v < 0.7 + sloppy * 0.4,
                                   np.array(OFF_LIST_CERTS)[rng.integers(0, len(OFF_LIST_CERTS), n)],
                                   np.array(CERTIFICATE_ITEMS)[rng.integers(0, len(CERTIFICATE_ITEMS), n)]))
    done = issued + rng.integers(86400, 30 * 86400, n).astype("timedelta64[s]")
    finished = rng.random(n) < 0.9
    order = np.argsort(issued)
    from_level = rng.choice([5, 4], n, p=[0.6, 0.4])
    return pl.DataFrame({
        "task_id": [f"T{YEAR}{i:06d}" for i in range(1, n + 1)],
        "issued_at": _ts_str(issued[order]),
        "dept_id": np.array([d[0] for d in DEPARTMENTS])[dept[order]],
        "from_level": from_level,
        "to_level": np.full(n, 3),
        "community_id": city.communities["community_id"].to_numpy()[rng.integers(0, city.communities.height, n)],
        "category": np.array(["报表填报", "检查迎检", "宣传动员", "信息采集", "证明开具"])[rng.integers(0, 5, n)],
        "admission_item": admission.gather(order),
        "certificate_item": cert.gather(order),
        "completed_at": _opt(finished[order], _ts_str(done[order])),
    })


def _ratings(rng, city: _City) -> pl.DataFrame:
    rows = []
    for j, d, start, end in city.binding_spans:
        for m in range(start.month, end.month + 1):
            q = DEPARTMENTS[d][3]
            score = float(np.clip(rng.normal(70 + 28 * q, 4), 0, 100))
            rows.append((f"{YEAR}-{m:02d}", city.jpcs[j], DEPARTMENTS[d][0], round(score, 1)))
    return pl.DataFrame(rows, schema=["period", "jpc_id", "dept_id", "score"], orient="row").unique(
        subset=["period", "jpc_id", "dept_id"], keep="first", maintain_order=True)


CHINESE_HEADERS_DEPARTMENTS = {"dept_id": "部门编号", "dept_name": "部门名称", "dept_type": "部门类型"}


def generate(out: Path | str, seed: int = 2024, scale: float = 1.0, progress=None) -> dict[str, int]:
    """Write every input file for one city-year into `out`; returns rows written per file."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    city = _City(rng)
    counts: dict[str, int] = {}

    # the reference lists travel with the data they are checked against
    from pipelines.ingest import BUNDLED_REFERENCE
    (out / "reference_items.csv").write_bytes(BUNDLED_REFERENCE.read_bytes())
    counts["reference_items"] = BUNDLED_REFERENCE.read_text(encoding="utf-8").count("\n") - 1

    # departments: a GBK export with Chinese headers, as government systems produce
    dep = pl.DataFrame([d[:3] for d in DEPARTMENTS], schema=["dept_id", "dept_name", "dept_type"], orient="row")
    (out / "departments.csv").write_bytes(dep.rename(CHINESE_HEADERS_DEPARTMENTS).write_csv().encode("gb18030"))
    counts["departments"] = dep.height
    city.communities.write_csv(out / "communities.csv")
    counts["communities"] = city.communities.height
    city.bindings.write_csv(out / "bindings.csv")
    counts["bindings"] = city.bindings.height
    overrides = pl.DataFrame({"date": ["2027-01-01", "2027-01-04"], "is_workday": ["false", "true"],
                              "note": ["元旦放假（示例：录入新公布年度的安排）", "示例：工作日"]})
    overrides.write_csv(out / "calendar_overrides.csv")
    counts["calendar_overrides"] = overrides.height

    cal = official_calendar()
    dates, day_p = _day_weights(cal)
    workday = _workday_table()
    n_events = int(EVENTS_PER_YEAR * scale)
    months = dates.astype("datetime64[M]").astype(int) % 12
    ev_no, ap_no = 1, 1
    counts.update({"whistle_events": 0, "whistle_event_log": 0, "appeals": 0, "appeal_log": 0})
    files = {name: open(out / f"{name}.csv", "wb") for name in ("whistle_events", "whistle_event_log", "appeals",
                                                                "appeal_log")}
    try:
        for m in range(12):
            if progress:
                progress(m + 1, 12)
            mask = months == m
            events, log = _events_and_logs(rng, city, dates, day_p, n_events, mask, ev_no, workday)
            appeals, alog = _appeals(rng, city, dates, day_p, int(6000 * scale), ap_no, mask)
            for name, frame in (("whistle_events", events), ("whistle_event_log", log), ("appeals", appeals),
                                ("appeal_log", alog)):
                frame.write_csv(files[name], include_header=(m == 0))
                counts[name] += frame.height
            ev_no += events.height
            ap_no += appeals.height
    finally:
        for fh in files.values():
            fh.close()
    visits = _visits(rng, city, scale)
    visits.write_csv(out / "visits.csv")
    counts["visits"] = visits.height
    reports = _negative_reports(rng, city)
    reports.write_csv(out / "negative_reports.csv")
    counts["negative_reports"] = reports.height
    tasks = _tasks(rng, city, int(3000 * max(scale, 0.05)))
    tasks.write_csv(out / "tasks.csv")
    counts["tasks"] = tasks.height
    ratings = _ratings(rng, city)
    ratings.write_csv(out / "ratings.csv")
    counts["ratings"] = ratings.height
    # the disputes come last, from a generator of their own, so every file above is the same with or without them
    disputes = _disputes(np.random.default_rng([seed, 9]), pl.read_csv(out / "whistle_event_log.csv",
                                                                       infer_schema_length=0))
    (out / FILE_NAME).write_bytes(b"\xef\xbb\xbf" + disputes.write_csv().encode("utf-8"))
    counts["disputes"] = disputes.height
    return counts


# the demo accounts (govdash user demo) act in the sample's dispute steps: the two departments' own accounts file,
# the assessment office rules at 初审 and the committee at 复核
SAMPLE_DEPT_ACCOUNTS = {"D13": "dept-d13", "D04": "dept-d04"}
# (number, department, ground, what happens): every state of SPEC §9 once, and one filed after its window
SAMPLE_DISPUTES = (
    ("SS001", "D13", "派错部门", "approve"),
    ("SS002", "D13", "客观原因延期", "approve_fewer_days"),
    ("SS003", "D04", "无效诉求", "reject"),
    ("SS004", "D13", "重复件", "reject_then_approve"),
    ("SS005", "D04", "派错部门", "reject_then_reject"),
    ("SS006", "D04", "无效诉求", "withdraw"),
    ("SS007", "D13", "无效诉求", "pending_overdue"),
    ("SS008", "D04", "派错部门", "approve"),
    ("SS009", "D13", "派错部门", "too_late"),
    ("SS010", "D04", "客观原因延期", "pending_last"),
)


def _disputes(rng, log: pl.DataFrame) -> pl.DataFrame:
    """The file of dispute steps (pipelines.dispute_file) for the city just written: each dispute of
    SAMPLE_DISPUTES on a distinct assignment of its department drawn from the event log, filed two hours after the
    dispatch (always inside its window: before the closure deadline) — or, for the late one, 90 days after (always
    past the closure deadline's 5 working days, so the load refuses it) —, ruled, escalated, reviewed or withdrawn
    a day apart each (inside the 3 working days for 复核). The last pending one is the department's last dispatch
    of the year; the other pending one is early in the year, long past its ruling deadline."""
    day, fmt = dt.timedelta(days=1), "%Y-%m-%d %H:%M:%S"
    dispatched = log.filter(pl.col("action") == "dispatched").unique(["event_id", "dept_id"], keep="first",
                                                                       maintain_order=True)
    used: set[str] = set()
    rows = []

    def row(no, step, at, user, **cells):
        rows.append({"申诉编号": no, "步骤": step, "时间": at.strftime(fmt), "账号": user, "申诉事项": None,
                     "申诉理由": None, "说明": None, "申请天数": None, "重复事件": None, "裁定": None,
                     "给予天数": None, **cells})

    for no, dept, ground, course in SAMPLE_DISPUTES:
        mine = dispatched.filter((pl.col("dept_id") == dept) & ~pl.col("event_id").is_in(sorted(used))
                                 & (pl.col("ts") < "2024-10-01"))
        if course == "pending_last":
            pick = dispatched.filter(pl.col("dept_id") == dept).sort("ts")[-1]
        elif course == "pending_overdue":
            early = mine.filter(pl.col("ts") < "2024-03-01")
            early = early if early.height else mine
            pick = early[int(rng.integers(0, min(20, early.height)))]
        else:
            pick = mine[int(rng.integers(0, mine.height))]
        event, dispatched_at = pick["event_id"][0], dt.datetime.strptime(pick["ts"][0], fmt)
        used.add(event)
        filed = dispatched_at + (dt.timedelta(days=90) if course == "too_late" else dt.timedelta(hours=2))
        extra = {}
        if ground == "客观原因延期":
            extra["申请天数"] = "3"
        if ground == "重复件":
            extra["重复事件"] = dispatched.filter(~pl.col("event_id").is_in(sorted(used)))["event_id"][0]
        user = SAMPLE_DEPT_ACCOUNTS[dept]
        row(no, "提交申诉", filed, user, 申诉事项=f"assignment:{event}/{dept}", 申诉理由=ground,
            说明="经核实，该事项" + {"派错部门": "不属于本部门职责", "客观原因延期": "因施工许可延迟无法按期办结",
                               "无效诉求": "诉求人无法联系且现场无此问题", "重复件": "与另一事件为同一诉求"}[ground],
            **extra)
        first = filed + day
        if course == "approve":
            row(no, "初审", first, "assessment", 说明="核实属实，予以核减", 裁定="批准")
        elif course == "approve_fewer_days":
            row(no, "初审", first, "assessment", 说明="延误属实，按实际影响给予 2 个工作日", 裁定="批准", 给予天数="2")
        elif course.startswith("reject"):
            row(no, "初审", first, "assessment", 说明="证明材料不足", 裁定="驳回")
            if course != "reject":
                row(no, "申请复核", first + day, user, 说明="已补充现场照片和派单记录")
                good = course == "reject_then_approve"
                row(no, "复核", first + 2 * day, "committee", 说明="补充材料证明属实" if good else "维持初审意见",
                    裁定="批准" if good else "驳回")
        elif course == "withdraw":
            row(no, "撤回", first, user, 说明="已与社区沟通，撤回申诉")
    frame = pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]}, orient="row")
    return frame.with_row_index("_n").sort(["时间", "_n"]).drop("_n")
