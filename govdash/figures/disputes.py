"""The workflow of disputes (申诉核减, SPEC §9): what may be disputed and on which grounds, who files, rules,
escalates and withdraws, and within which windows. The records (the disputes, their insert-only steps, the
attachments) are govdash.records.disputes; this module decides, with the warehouse's facts, whether an action
stands, and hands the records the rows to insert inside their transaction (which re-reads the dispute's steps, so
two servers at once never both rule).

Items: `assignment:EVENT_ID/DEPT_ID` (the pair's latest assignment started at or before the filing, §3),
`rating:PERIOD/JPC_ID/DEPT_ID` (a two-way rating row), `burden:TASK_ID` (a burden-list entry, §5.3). Windows and
deadlines count working days on the working-day calendar (govdash.figures.cutoff.working_day_after) from the day
of the moment named, and end at the end of their last day. Settings: [disputes] in config/settings.toml.

Every refusal is a DisputeRefused whose message is one Chinese sentence naming the rule (and, for a window, its
last day).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from govdash.core.periods import TZ, day_label, moment_label, month_bounds
from govdash.core.principal import Principal
from govdash.core.settings import load_settings
from govdash.figures import query
from govdash.figures.cutoff import working_day_after
from govdash.figures.exemptions import EFFECTS, REMOVING_EFFECTS
from govdash.records import disputes as records
from warehouse.sql_files import metric_sql

ITEM_KINDS = ("assignment", "rating", "burden")
KIND_LABELS = {"assignment": "派单", "rating": "双向评价", "burden": "负担清单事项"}
STATE_LABELS = {"pending_first": "待初审", "pending_review": "待复核", "approved": "已批准", "rejected": "已驳回",
                "withdrawn": "已撤回"}
STEP_LABELS = {"filed": "提交申诉", "withdrawn": "撤回", "ruled": "初审", "escalated": "申请复核", "reviewed": "复核"}
DECISION_LABELS = {"approve": "批准", "reject": "驳回"}
# who rules at each level: the assessment office on 初审, the committee on 复核 (the committee's ruling is final)
RULING_ROLE = {"pending_first": "assessment", "pending_review": "committee"}
RULING_ROLE_LABEL = {"assessment": "考绩办", "committee": "基层治理委员会"}
# what each ground asks for besides the reason (SPEC §9.1); a ground of the settings not named here asks nothing more
EXTENSION, DUPLICATE, MISRATED, ADMITTED, BY_LAW = "客观原因延期", "重复件", "误评", "已准入", "依法出具"
END_OF_DAY = dt.time(23, 59, 59)
# attachments are known by their first bytes, never by their names
MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class DisputeRefused(ValueError):
    """An action the rules of §9 refuse; the message is one Chinese sentence for the user."""


class DisputeSettingsError(ValueError):
    """[disputes] of the settings is missing or holds a value out of its range; the message names the setting."""


# ---------------------------------------------------------------- settings

@dataclass(frozen=True)
class DisputeSettings:
    grounds: dict[str, tuple[str, ...]]
    filing_working_days: int
    ruling_working_days: int
    review_filing_working_days: int
    review_ruling_working_days: int
    attachment_max_mb: float
    attachment_max_count: int


def dispute_settings(settings: dict | None = None) -> DisputeSettings:
    """[disputes] of the settings, checked: a missing or wrong value is one Chinese line."""
    d = (settings or load_settings()).get("disputes")
    if not isinstance(d, dict):
        raise DisputeSettingsError("设置文件缺少 [disputes]（申诉核减的理由、期限与附件限制）")

    def whole(name: str, low: int, high: int) -> int:
        v = d.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            raise DisputeSettingsError(f"设置 [disputes] {name} 应为 {low} 到 {high} 之间的整数，当前为 {v}")
        return v

    grounds = d.get("grounds")
    if not isinstance(grounds, dict) or set(grounds) != set(ITEM_KINDS) or not all(
            isinstance(g, list) and all(isinstance(x, str) and x.strip() for x in g) for g in grounds.values()):
        raise DisputeSettingsError(
            "设置 [disputes] grounds 应为 assignment、rating、burden 三类事项各自可用的申诉理由列表")
    size = d.get("attachment_max_mb")
    if not isinstance(size, (int, float)) or isinstance(size, bool) or not 0 < size <= 1024:
        raise DisputeSettingsError(f"设置 [disputes] attachment_max_mb 应为 0 到 1024 之间的数，当前为 {size}")
    return DisputeSettings({k: tuple(v) for k, v in grounds.items()}, whole("filing_working_days", 1, 60),
                           whole("ruling_working_days", 1, 60), whole("review_filing_working_days", 1, 60),
                           whole("review_ruling_working_days", 1, 60), float(size),
                           whole("attachment_max_count", 0, 100))


# ---------------------------------------------------------------- items

@dataclass(frozen=True)
class Item:
    kind: str
    dept_id: str | None = None      # a burden entry's department comes from its task
    event_id: str | None = None
    rating_period: str | None = None
    jpc_id: str | None = None
    task_id: str | None = None

    @property
    def text(self) -> str:
        if self.kind == "assignment":
            return f"assignment:{self.event_id}/{self.dept_id}"
        if self.kind == "rating":
            return f"rating:{self.rating_period}/{self.jpc_id}/{self.dept_id}"
        return f"burden:{self.task_id}"


_ID = r"[A-Za-z0-9_\-]+"
ITEM_FORMS = "assignment:事件编号/部门编号、rating:期间/联合党委编号/部门编号 或 burden:任务编号"


def parse_item(text: str) -> Item:
    """`assignment:EVENT_ID/DEPT_ID`, `rating:PERIOD/JPC_ID/DEPT_ID` (PERIOD "YYYY" or "YYYY-MM") or
    `burden:TASK_ID`; anything else is refused."""
    text = (text or "").strip()
    if m := re.fullmatch(rf"assignment:({_ID})/({_ID})", text):
        return Item("assignment", dept_id=m[2], event_id=m[1])
    if m := re.fullmatch(rf"rating:(\d{{4}}(?:-\d{{2}})?)/({_ID})/({_ID})", text):
        if len(m[1]) == 7:
            month_bounds(m[1])      # a month that does not exist is refused with its message
        return Item("rating", dept_id=m[3], rating_period=m[1], jpc_id=m[2])
    if m := re.fullmatch(rf"burden:({_ID})", text):
        return Item("burden", task_id=m[1])
    raise DisputeRefused(f"无法识别的申诉事项“{text}”，应为 {ITEM_FORMS}")


@dataclass(frozen=True)
class Judged:
    """An item as the warehouse holds it at a moment: since when it exists, when it was judged (what the filing
    window counts from) and how that moment is named, and the assignment's start."""
    item: Item
    exists_from: dt.datetime
    judged_at: dt.datetime
    judged_as: str
    assigned_at: dt.datetime | None = None

    @property
    def key(self) -> str:
        """The item as one text: an assignment with its start, so a later assignment of the pair is another item."""
        if self.assigned_at is not None:
            return f"{self.item.text}@{self.assigned_at:%Y-%m-%d %H:%M:%S}"
        return self.item.text


def _period_end(period: str) -> dt.datetime:
    """The last moment of a ratings period ("YYYY" or "YYYY-MM")."""
    end = month_bounds(period)[1] if len(period) == 7 else dt.datetime(int(period) + 1, 1, 1)
    return end - dt.timedelta(seconds=1)


def _period_start(period: str) -> dt.datetime:
    return month_bounds(period)[0] if len(period) == 7 else dt.datetime(int(period), 1, 1)


def judge_item(con, item: Item, ground: str, at: dt.datetime) -> Judged:
    """The item at moment `at` from the warehouse, or refused: no such item then, or (误评 on an assignment) no
    rating to contest."""
    if item.kind == "assignment":
        rows = con.execute(metric_sql("dispute_assignment"), {
            "event_id": item.event_id, "dept_id": item.dept_id, "at": at,
            **query.assignment_params(con, at)}).fetchall()
        if not rows:
            raise DisputeRefused(f"申诉事项不存在：在 {moment_label(at)} 之前，事件 {item.event_id} 没有派给部门 "
                                 f"{item.dept_id} 的派单")
        _, _, dispatched_at, closure_deadline, _, _, rated_at = rows[0]
        if ground == MISRATED:
            if rated_at is None:
                raise DisputeRefused(f"该派单在 {moment_label(at)} 尚无评价，不能以“误评”申诉")
            return Judged(item, dispatched_at, rated_at, f"评价时间 {moment_label(rated_at)}", dispatched_at)
        return Judged(item, dispatched_at, closure_deadline, f"办结期限 {day_label(closure_deadline)}", dispatched_at)
    if item.kind == "rating":
        rows = con.execute(metric_sql("dispute_rating_row"), {
            "period": item.rating_period, "jpc_id": item.jpc_id, "dept_id": item.dept_id}).fetchall()
        if not rows:
            raise DisputeRefused(f"申诉事项不存在：没有联合党委 {item.jpc_id} 对部门 {item.dept_id} 在 "
                                 f"{item.rating_period} 的评价记录")
        end = _period_end(item.rating_period)
        return Judged(item, _period_start(item.rating_period), end, f"评价期末 {day_label(end)}")
    rows = con.execute(metric_sql("dispute_burden_task"), {"task_id": item.task_id}).fetchall()
    if not rows:
        raise DisputeRefused(f"申诉事项不存在：没有编号为 {item.task_id} 的任务")
    _, dept_id, issued_at, _, _, off_list, certificate_off_list = rows[0]
    if not (off_list or certificate_off_list):
        raise DisputeRefused(f"任务 {item.task_id} 不在负担负面清单上（已在准入清单和证明清单内），无需申诉")
    month_end = month_bounds(issued_at.strftime("%Y-%m"))[1] - dt.timedelta(seconds=1)
    return Judged(Item("burden", dept_id=dept_id, task_id=item.task_id), issued_at, month_end,
                  f"任务所在月末 {day_label(month_end)}")


# ---------------------------------------------------------------- moments and windows

def now() -> dt.datetime:
    """The current local (China) time, to the second, as the records keep their moments."""
    return dt.datetime.now(TZ).replace(tzinfo=None, microsecond=0)


def parse_moment(text: str | dt.datetime | None, current: dt.datetime) -> dt.datetime:
    """The moment an action happened: now when not given; one in the future is refused."""
    if text is None or text == "":
        return current
    moment = text if isinstance(text, dt.datetime) else None
    for fmt in TIME_FORMATS if moment is None else ():
        try:
            moment = dt.datetime.strptime(str(text).strip(), fmt)
            break
        except ValueError:
            continue
    if moment is None:
        raise DisputeRefused(f"无法识别的时间“{text}”，应为 YYYY-MM-DD HH:MM[:SS]")
    if moment > current:
        raise DisputeRefused(f"时间 {moment_label(moment)} 晚于现在（{moment_label(current)}），不能记录将来的操作")
    return moment


def window_end(con, moment: dt.datetime, working_days: int) -> dt.datetime:
    """The end of the `working_days`-th working day after the day of `moment`."""
    return dt.datetime.combine(working_day_after(con, moment.date(), working_days), END_OF_DAY)


def _not_before(at: dt.datetime, steps: list[dict]) -> None:
    """An action cannot be dated before the dispute's (or the item's disputes') latest step."""
    if steps:
        last = max(s["at"] for s in steps)
        if at < last:
            raise DisputeRefused(f"时间 {moment_label(at)} 早于该申诉的上一步（{moment_label(last)}），不能倒记")


def _reason(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise DisputeRefused(f"请填写{what}（--reason），不能为空")
    return text


def _actor(principal: Principal) -> dict:
    return {"by_user": principal.username, "by_role": principal.role, "by_dept": principal.dept_id}


def _own_department(principal: Principal, dept_id: str, doing: str) -> None:
    """Only the department concerned files, escalates and withdraws, for its own items (fail closed: an account
    without a department is refused)."""
    if principal.role != "department" or not principal.dept_id:
        raise DisputeRefused(f"只有被评价的部门本身可以{doing}；账号 {principal.username} 不是部门账号")
    if principal.dept_id != dept_id:
        raise DisputeRefused(f"部门只能为本部门的事项{doing}：该事项属于部门 {dept_id}，账号 {principal.username} "
                             f"属于部门 {principal.dept_id}")


# ---------------------------------------------------------------- attachments

def check_attachment(filename: str, content: bytes, settings: DisputeSettings) -> dict:
    """An attachment as stored (filename, media_type, size, sha256, content), or refused: not a PDF, JPG or PNG by
    its bytes (whatever its name says), empty, or larger than the setting."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1] or "附件"
    limit = int(settings.attachment_max_mb * 1024 * 1024)
    if len(content) > limit:
        raise DisputeRefused(f"附件“{name}”有 {len(content) / 1024 / 1024:.1f} MB，超过每个附件 "
                             f"{settings.attachment_max_mb:g} MB 的上限")
    media = next((m for magic, m in MAGIC if content.startswith(magic)), None)
    if media is None:
        raise DisputeRefused(f"附件“{name}”不是 PDF、JPG 或 PNG 文件（按文件内容判断，与文件名无关），未接受")
    return {"filename": name, "media_type": media, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(), "content": content}


# ---------------------------------------------------------------- actions

def file_dispute(con, principal: Principal, item_text: str, ground: str, reason: str | None, *,
                 days: int | None = None, duplicate_of: str | None = None, contact: str | None = None,
                 ref: str | None = None, attachments: list[tuple[str, bytes]] = (), at=None,
                 current: dt.datetime | None = None, settings: dict | None = None, url: str | None = None,
                 external_id: str | None = None) -> int:
    """File a dispute for `principal`'s department (§9.1–9.2) and return its id, or refuse. `con`: a warehouse
    cursor; `at`: when it was filed (now when None; not in the future, not before the item existed);
    `external_id`: the number a file of dispute steps gives it (govdash dispute load), kept unique."""
    s = dispute_settings(settings)
    current = current or now()
    at = parse_moment(at, current)
    item = parse_item(item_text)
    if item.dept_id is not None:
        _own_department(principal, item.dept_id, "申诉")
    allowed = s.grounds[item.kind]
    if ground not in allowed:
        raise DisputeRefused(f"{KIND_LABELS[item.kind]}不能以“{ground}”申诉，可用的理由：{'、'.join(allowed)}")
    reason = _reason(reason, "申诉理由")
    _check_ground_fields(ground, days, duplicate_of, contact, ref, item)
    judged = judge_item(con, item, ground, at)
    _own_department(principal, judged.item.dept_id, "申诉")
    if at < judged.exists_from:
        raise DisputeRefused(f"时间 {moment_label(at)} 早于该事项产生的时间（{moment_label(judged.exists_from)}），"
                             "不能在事项产生之前申诉")
    last = window_end(con, judged.judged_at, s.filing_working_days)
    if at > last:
        raise DisputeRefused(f"申诉期限已过：该事项的申诉截止于 {day_label(last)}（{judged.judged_as}后第 "
                             f"{s.filing_working_days} 个工作日）")
    if duplicate_of is not None:
        if not con.execute(metric_sql("dispute_event"), {"event_id": duplicate_of}).fetchall():
            raise DisputeRefused(f"“重复件”所指的事件 {duplicate_of} 不存在")
    if len(attachments) > s.attachment_max_count:
        raise DisputeRefused(f"附件最多 {s.attachment_max_count} 个，本次有 {len(attachments)} 个")
    stored = [check_attachment(name, content, s) for name, content in attachments]
    ruling_deadline = window_end(con, at, s.ruling_working_days)
    it = judged.item

    def decide(same_item: list[dict]) -> tuple[dict, dict, list[dict]]:
        for d in same_item:
            if d["state"] in records.PENDING:
                raise DisputeRefused(f"该事项已有未办结的申诉（编号 {d['id']}，{STATE_LABELS[d['state']]}），"
                                     "同一事项同时只能有一件申诉")
            if d["state"] == "rejected":
                raise DisputeRefused(f"该事项的申诉（编号 {d['id']}）已被驳回，不能再次申诉"
                                     + ("；复核裁定为最终裁定" if any(x["step"] == "reviewed" for x in d["steps"])
                                        else "，只能对其申请复核（govdash dispute escalate）"))
            # a rejection at 初审 stands when the 复核 asked for is withdrawn: the item is not filed afresh
            if d["state"] == "withdrawn" and any(x["step"] == "ruled" and x["decision"] == "reject"
                                                 for x in d["steps"]):
                raise DisputeRefused(f"该事项的申诉（编号 {d['id']}）已被驳回，其复核申请已撤回，不能再次申诉")
            if d["state"] == "approved" and d["ground"] == ground:
                raise DisputeRefused(f"该事项以“{ground}”提出的申诉（编号 {d['id']}）已获批准，无需再次申诉")
            # an approval that took the item out of the figures (核减, or off the burden list) leaves nothing to
            # dispute: a second ground approved would count the one item twice
            if d["state"] == "approved" and EFFECTS[d["ground"]] in REMOVING_EFFECTS:
                raise DisputeRefused(f"该事项已以“{d['ground']}”获批准核减（编号 {d['id']}），不再计入，无需再次申诉")
        _not_before(at, [x for d in same_item for x in d["steps"]])
        row = {"item_kind": it.kind, "event_id": it.event_id, "dept_id": it.dept_id,
               "assigned_at": judged.assigned_at, "rating_period": it.rating_period, "jpc_id": it.jpc_id,
               "task_id": it.task_id, "ground": ground, "days_asked": days, "duplicate_of": duplicate_of,
               "contact": contact, "ref": ref, "filed_by": principal.username, "filed_at": at,
               "external_id": external_id}
        step = {"decision": None, "days_granted": None, "reason": reason, **_actor(principal), "at": at,
                "recorded_at": now(), "deadline": ruling_deadline}
        return row, step, stored

    return records.file(judged.key, decide, url=url)


def _check_ground_fields(ground: str, days, duplicate_of, contact, ref, item: Item) -> None:
    """What each ground asks for (§9.1), and nothing a ground does not take."""
    if ground == EXTENSION:
        if days is None or not isinstance(days, int) or days < 1:
            raise DisputeRefused("以“客观原因延期”申诉须写明申请延长的工作日数（--days，至少 1）")
    elif days is not None:
        raise DisputeRefused(f"只有“客观原因延期”可申请延长工作日（--days），“{ground}”不适用")
    if ground == DUPLICATE:
        if not (duplicate_of or "").strip():
            raise DisputeRefused("以“重复件”申诉须写明所重复的事件编号（--duplicate-of）")
        if duplicate_of == item.event_id:
            raise DisputeRefused("“重复件”所指的事件不能是被申诉的事件本身")
    elif duplicate_of is not None:
        raise DisputeRefused(f"只有“重复件”可填写所重复的事件（--duplicate-of），“{ground}”不适用")
    if ground == MISRATED:
        if not (contact or "").strip():
            raise DisputeRefused("以“误评”申诉须附回访记录（--contact：何时、联系何人、结果）")
    elif contact is not None:
        raise DisputeRefused(f"只有“误评”需填写回访记录（--contact），“{ground}”不适用")
    if ground in (ADMITTED, BY_LAW):
        if not (ref or "").strip():
            raise DisputeRefused("以“已准入”申诉须写明准入清单中的事项名称（--ref）" if ground == ADMITTED
                                 else "以“依法出具”申诉须写明所依据的法律法规（--ref）")
    elif ref is not None:
        raise DisputeRefused(f"只有“已准入”“依法出具”需填写依据（--ref），“{ground}”不适用")


def _found(dispute_id: int, decide, url: str | None) -> dict:
    try:
        return records.act(dispute_id, decide, url=url)
    except LookupError:
        raise DisputeRefused(f"没有编号为 {dispute_id} 的申诉") from None


def rule_dispute(con, principal: Principal, dispute_id: int, approve: bool, reason: str | None, *,
                 days: int | None = None, at=None, current: dt.datetime | None = None,
                 settings: dict | None = None, url: str | None = None) -> dict:
    """Rule on a pending dispute (§9.3): 初审 by the assessment office, 复核 by the committee, never by the
    dispute's own department; approve (客观原因延期: the days granted, at most those asked — all of them when
    not given) or reject, always with a reason. A ruling after its deadline is still recorded (until then the
    dispute counts as overdue for a ruling). Returns the step recorded."""
    s = dispute_settings(settings)
    current = current or now()
    at = parse_moment(at, current)
    reason = _reason(reason, "裁定理由")
    if days is not None and not approve:
        raise DisputeRefused("驳回时不能给出延长的工作日数（--days 只用于批准“客观原因延期”）")
    escalation_deadline = window_end(con, at, s.review_filing_working_days)

    def decide(d: dict) -> dict:
        state = d["state"]
        if state not in RULING_ROLE:
            raise DisputeRefused(f"申诉 {d['id']} 当前为“{STATE_LABELS[state]}”，没有待裁定的申请")
        role = RULING_ROLE[state]
        level = "初审" if state == "pending_first" else "复核"
        if principal.role != role:
            raise DisputeRefused(f"{level}由{RULING_ROLE_LABEL[role]}裁定；账号 {principal.username} 无权裁定")
        if principal.dept_id is not None and principal.dept_id == d["dept_id"]:
            raise DisputeRefused(f"任何人不得裁定本部门的申诉：申诉 {d['id']} 属于部门 {d['dept_id']}")
        granted = None
        if approve and d["ground"] == EXTENSION:
            granted = d["days_asked"] if days is None else days
            if not isinstance(granted, int) or not 1 <= granted <= d["days_asked"]:
                raise DisputeRefused(f"批准延长的工作日数应在 1 到申请的 {d['days_asked']} 个之间，当前为 {days}")
        elif days is not None:
            raise DisputeRefused(f"只有“客观原因延期”的批准可给出延长的工作日数，该申诉的理由为“{d['ground']}”")
        _not_before(at, d["steps"])
        return {"step": "ruled" if state == "pending_first" else "reviewed",
                "decision": "approve" if approve else "reject", "days_granted": granted, "reason": reason,
                **_actor(principal), "at": at, "recorded_at": now(),
                "deadline": escalation_deadline if state == "pending_first" and not approve else None}

    return _found(dispute_id, decide, url)


def escalate_dispute(con, principal: Principal, dispute_id: int, reason: str | None, *, at=None,
                     current: dt.datetime | None = None, settings: dict | None = None,
                     url: str | None = None) -> dict:
    """Take a dispute rejected at 初审 to the committee's 复核 (§9.3): once, by the filing department, within the
    review window after the rejection. Returns the step recorded."""
    s = dispute_settings(settings)
    current = current or now()
    at = parse_moment(at, current)
    reason = _reason(reason, "复核申请理由")
    review_deadline = window_end(con, at, s.review_ruling_working_days)

    def decide(d: dict) -> dict:
        _own_department(principal, d["dept_id"], "申请复核")
        steps = {x["step"]: x for x in d["steps"]}
        if "escalated" in steps:
            raise DisputeRefused(f"申诉 {d['id']} 已申请过复核，复核只能申请一次，复核裁定为最终裁定")
        if d["state"] != "rejected":
            raise DisputeRefused(f"只有初审被驳回的申诉可以申请复核；申诉 {d['id']} 当前为“{STATE_LABELS[d['state']]}”")
        _not_before(at, d["steps"])
        last = steps["ruled"]["deadline"]
        if last is not None and at > last:
            raise DisputeRefused(f"复核申请期限已过：申诉 {d['id']} 的复核申请截止于 {day_label(last)}（驳回后第 "
                                 f"{s.review_filing_working_days} 个工作日）")
        return {"step": "escalated", "decision": None, "days_granted": None, "reason": reason, **_actor(principal),
                "at": at, "recorded_at": now(), "deadline": review_deadline}

    return _found(dispute_id, decide, url)


def withdraw_dispute(principal: Principal, dispute_id: int, *, reason: str | None = None, at=None,
                     current: dt.datetime | None = None, url: str | None = None) -> dict:
    """Withdraw a pending dispute (§9.3): by the filing department, while it waits for 初审 or 复核."""
    current = current or now()
    at = parse_moment(at, current)

    def decide(d: dict) -> dict:
        _own_department(principal, d["dept_id"], "撤回申诉")
        if d["state"] not in records.PENDING:
            raise DisputeRefused(f"只有待裁定的申诉可以撤回；申诉 {d['id']} 当前为“{STATE_LABELS[d['state']]}”")
        _not_before(at, d["steps"])
        return {"step": "withdrawn", "decision": None, "days_granted": None, "reason": reason, **_actor(principal),
                "at": at, "recorded_at": now(), "deadline": None}

    return _found(dispute_id, decide, url)


# ---------------------------------------------------------------- reading

def visible_disputes(principal: Principal | None, *, state: str | None = None, month: str | None = None,
                     url: str | None = None) -> list[dict]:
    """The disputes an account may see, each with its steps and state now: a department its own, the committee
    and the assessment office all of them, nobody else any (fail closed); None (the operator at the command line)
    all. Optionally those in one state, or filed in one month ("YYYY-MM")."""
    if state is not None and state not in STATE_LABELS:
        raise DisputeRefused(f"未知的申诉状态“{state}”，应为 {'、'.join(STATE_LABELS)} 之一")
    if principal is not None and not principal.sees_all and not (principal.is_department and principal.dept_id):
        raise DisputeRefused(f"账号 {principal.username} 无权查看申诉")
    start, end = month_bounds(month) if month else (None, None)
    dept = principal.dept_id if principal is not None and principal.is_department else None
    rows = records.list_disputes(dept_id=dept, filed_from=start, filed_to=end, url=url)
    return [r for r in rows if state is None or r["state"] == state]
