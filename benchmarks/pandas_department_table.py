"""The bulletin's department counts written with plain pandas, as a user would by hand: the peer the
warehouse is compared with in the benchmark (same rules, default SLAs, official calendar)."""
from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["dept_id", "dispatched", "handled", "handled_in_time", "closed_on_time", "closed_late", "open_overdue",
           "open_in_time", "satisfied", "rated", "returned"]


def department_table(events: pd.DataFrame, log: pd.DataFrame, calendar: pd.DataFrame,
                     as_of: pd.Timestamp, month_start: pd.Timestamp, month_end: pd.Timestamp) -> pd.DataFrame:
    log = log[log["ts"] <= as_of].sort_values(["event_id", "ts", "_source_row"], kind="stable")
    log = log.assign(seq=log.groupby("event_id").cumcount() + 1)
    disp = log[log["action"] == "dispatched"][["event_id", "dept_id", "seq", "ts"]].rename(
        columns={"ts": "dispatched_at"})
    disp["next_seq"] = disp.groupby(["event_id", "dept_id"])["seq"].shift(-1)
    cohort = disp[(disp["dispatched_at"] >= month_start) & (disp["dispatched_at"] < month_end)]
    elog = log[log["event_id"].isin(cohort["event_id"].unique())]

    # the department's own rows between this dispatch and its next one
    w = cohort.merge(elog[elog["dept_id"].notna()], on=["event_id", "dept_id"], suffixes=("", "_l"))
    w = w[(w["seq_l"] > w["seq"]) & (w["next_seq"].isna() | (w["seq_l"] < w["next_seq"]))]
    key = ["event_id", "dept_id", "seq"]
    agg = pd.concat([
        w[w["action"] == "returned"].groupby(key)["seq_l"].min().rename("returned_seq"),
        w[w["action"] == "accepted"].groupby(key)["ts"].min().rename("accepted_at"),
        w[w["action"] == "arrived"].groupby(key)["ts"].min().rename("arrived_at"),
    ], axis=1)
    closes = w[w["action"] == "closed"].sort_values("seq_l").groupby(key).tail(1).set_index(key)
    agg = agg.join(closes[["seq_l", "ts"]].rename(columns={"seq_l": "close_seq", "ts": "closed_at"}), how="outer")
    own = cohort.set_index(key).join(agg).reset_index()

    # a reopen (of this department, or naming none) after the last closure voids it
    reopened = elog["action"] == "reopened"
    any_reopen = elog[reopened & elog["dept_id"].isna()].groupby("event_id")["seq"].max().rename("any_reopen")
    dept_reopen = elog[reopened & elog["dept_id"].notna()].groupby(["event_id", "dept_id"])["seq"].max().rename(
        "dept_reopen")
    own = own.join(any_reopen, on="event_id").join(dept_reopen, on=["event_id", "dept_id"])
    voided = (own["any_reopen"].fillna(0) > own["close_seq"]) | (own["dept_reopen"].fillna(0) > own["close_seq"])
    own["final_closed_at"] = own["closed_at"].where(~voided)

    # returned: a `returned` followed by a dispatch of the event to another department
    ret = own[own["returned_seq"].notna()][key + ["returned_seq"]].merge(
        disp[["event_id", "dept_id", "seq"]].rename(columns={"dept_id": "other", "seq": "dseq"}), on="event_id")
    ret = ret[(ret["other"] != ret["dept_id"]) & (ret["dseq"] > ret["returned_seq"])]
    own["is_returned"] = own.set_index(key).index.isin(ret.set_index(key).index)

    # latest rating naming the department, or naming none after a closure that stands
    rated = elog[elog["action"] == "rated"][["event_id", "dept_id", "seq", "value"]].rename(
        columns={"dept_id": "rdept", "seq": "rseq"})
    r = own[key + ["close_seq"]].assign(voided=voided.values).merge(rated, on="event_id")
    keep = (r["rseq"] > r["seq"]) & ((r["rdept"] == r["dept_id"]) | (
        r["rdept"].isna() & r["close_seq"].notna() & (r["rseq"] > r["close_seq"]) & ~r["voided"]))
    r = r[keep].sort_values("rseq").groupby(key).tail(1).set_index(key)["value"].rename("rating")
    own = own.join(r, on=key)

    # deadlines: response in wall-clock hours, closure at the end of WD(d, n)
    own = own.merge(events[["event_id", "handling_mode", "is_difficult"]], on="event_id")
    onsite = own["handling_mode"] == "onsite"
    own["response_deadline"] = own["dispatched_at"] + pd.to_timedelta(np.where(onsite, 2, 1), unit="h")
    own["responded_at"] = own["arrived_at"].where(onsite, own["accepted_at"])
    cal = calendar.sort_values("date")
    cal = cal.assign(wd=cal["is_workday"].astype(int).cumsum())
    by_date = cal.set_index("date")
    day = own["dispatched_at"].dt.normalize()
    wd0, work0 = by_date["wd"].reindex(day).to_numpy(), by_date["is_workday"].reindex(day).to_numpy().astype(bool)
    n = np.where(own["is_difficult"], 5, np.where(onsite, 1 - work0.astype(int), 2))
    target = wd0 + n
    workdays = cal[cal["is_workday"]].set_index("wd")["date"]
    deadline_end = pd.to_datetime(workdays.reindex(target).to_numpy()) + pd.Timedelta(days=1)
    closed = own["final_closed_at"]
    status = np.select(
        [own["is_returned"], closed.notna() & (closed < deadline_end), closed.notna(), deadline_end <= as_of],
        ["returned", "closed_on_time", "closed_late", "open_overdue"], "open_in_time")
    own["status"] = status
    live = own["status"] != "returned"
    out = pd.DataFrame({
        "dept_id": own["dept_id"],
        "dispatched": live,
        "handled": live & own["responded_at"].notna(),
        "handled_in_time": live & (own["responded_at"] <= own["response_deadline"]),
        "closed_on_time": own["status"] == "closed_on_time",
        "closed_late": own["status"] == "closed_late",
        "open_overdue": own["status"] == "open_overdue",
        "open_in_time": own["status"] == "open_in_time",
        "satisfied": live & own["rating"].isin(["satisfied", "basic"]),
        "rated": live & own["rating"].notna(),
        "returned": own["status"] == "returned",
    }).groupby("dept_id").sum().astype("int64").reset_index()
    return out[COLUMNS].sort_values("dept_id").reset_index(drop=True)
