"""SPEC §2: a city's canonical input files, read with the csv module.

Only what the figures need: types, header labels, encodings, and the contract rules that decide
which rows exist (a row breaking a contract is quarantined, i.e. absent from every figure):
required values, values that do not parse, exact duplicates (skipped), a key carried by rows with
different content (all of them quarantined), unknown foreign keys (a clause code not in Appendix E
included), a log row before its event was reported, and (§7) a rating from a JPC not bound to the
department in the rating's period. Enumerations and the appeal trail's level order are not
re-checked: the compared cities are clean in that respect.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from pathlib import Path

# Columns per table: name -> (type, required). Copied by hand from config/tables.toml.
COLUMNS = {
    "reference_items": {"list_id": ("str", True), "item_id": ("str", True), "item_name": ("str", True),
                        "category": ("str", False), "owner": ("str", False), "source": ("str", False)},
    "departments": {"dept_id": ("str", True), "dept_name": ("str", True), "dept_type": ("str", False)},
    "communities": {"community_id": ("str", True), "community_name": ("str", True), "jpc_id": ("str", True),
                    "jpc_name": ("str", False), "area": ("str", False)},
    "calendar_overrides": {"date": ("date", True), "is_workday": ("bool", True), "note": ("str", False)},
    "bindings": {"jpc_id": ("str", True), "role": ("str", True), "dept_id": ("str", False),
                 "leader_name": ("str", False), "valid_from": ("date", True), "valid_to": ("date", False)},
    "whistle_events": {"event_id": ("str", True), "community_id": ("str", True), "reported_at": ("datetime", True),
                       "handling_mode": ("str", True), "is_difficult": ("bool", True), "category": ("str", False),
                       "title": ("str", False), "one_thing_item": ("str", False), "admission_item": ("str", False)},
    "whistle_event_log": {"event_id": ("str", True), "ts": ("datetime", True), "action": ("str", True),
                          "dept_id": ("str", False), "value": ("str", False), "note": ("str", False)},
    "visits": {"visit_id": ("str", True), "visit_date": ("date", True), "dept_id": ("str", True),
               "jpc_id": ("str", True), "led_by_city_leader": ("bool", False), "team_leader_rank": ("str", False),
               "participants": ("int", False), "topics": ("str", False), "problems_raised": ("int", False),
               "problems_solved": ("int", False)},
    "negative_reports": {"report_id": ("str", True), "jpc_id": ("str", True), "week": ("str", True),
                         "submitted_at": ("datetime", True), "clause_code": ("str", False), "count": ("int", False),
                         "description": ("str", False), "rectified": ("bool", False)},
    "appeals": {"appeal_id": ("str", True), "community_id": ("str", True), "raised_at": ("datetime", True),
                "origin_level": ("int", True), "category": ("str", False)},
    "appeal_log": {"appeal_id": ("str", True), "level": ("int", True), "entered_at": ("datetime", True),
                   "exited_at": ("datetime", False), "outcome": ("str", True)},
    "tasks": {"task_id": ("str", True), "issued_at": ("datetime", True), "dept_id": ("str", True),
              "from_level": ("int", True), "to_level": ("int", True), "community_id": ("str", False),
              "category": ("str", False), "admission_item": ("str", False), "certificate_item": ("str", False),
              "completed_at": ("datetime", False)},
    "ratings": {"period": ("str", True), "jpc_id": ("str", True), "dept_id": ("str", True), "score": ("float", True)},
}

# Keys (SPEC §2 "duplicate key with different content"). Copied by hand from config/tables.toml.
KEYS = {
    "reference_items": ("list_id", "item_id"), "departments": ("dept_id",), "communities": ("community_id",),
    "calendar_overrides": ("date",), "bindings": ("jpc_id", "role", "dept_id", "leader_name", "valid_from"),
    "whistle_events": ("event_id",), "whistle_event_log": ("event_id", "ts", "action", "dept_id"),
    "visits": ("visit_id",), "negative_reports": ("report_id", "clause_code"), "appeals": ("appeal_id",),
    "appeal_log": ("appeal_id", "level"), "tasks": ("task_id",), "ratings": ("period", "jpc_id", "dept_id"),
}

# Chinese header labels → canonical names (SPEC §2: "headers may be ... their Chinese labels").
# Copied by hand from config/tables.toml (per table, since a label such as 部门 means different columns).
LABELS = {
    "reference_items": {"清单": "list_id", "清单类别": "list_id", "事项编号": "item_id", "条款编号": "item_id",
                        "事项名称": "item_name", "内容": "item_name", "事项分类": "category", "分类": "category",
                        "主管部门": "owner", "牵头单位": "owner", "出处": "source", "依据": "source"},
    "departments": {"部门编号": "dept_id", "部门代码": "dept_id", "部门id": "dept_id", "部门名称": "dept_name",
                    "部门": "dept_name", "部门类型": "dept_type", "单位类型": "dept_type"},
    "communities": {"社区编号": "community_id", "社区代码": "community_id", "社区id": "community_id",
                    "社区名称": "community_name", "社区": "community_name", "联合党委编号": "jpc_id",
                    "社区联合党委编号": "jpc_id", "联合党委名称": "jpc_name", "社区联合党委": "jpc_name",
                    "片区": "area"},
    "calendar_overrides": {"日期": "date", "是否工作日": "is_workday", "说明": "note", "备注": "note"},
    "bindings": {"联合党委编号": "jpc_id", "社区联合党委编号": "jpc_id", "角色": "role", "捆绑类型": "role",
                 "部门编号": "dept_id", "部门代码": "dept_id", "联系市领导": "leader_name", "市领导": "leader_name",
                 "生效日期": "valid_from", "开始日期": "valid_from", "失效日期": "valid_to", "结束日期": "valid_to"},
    "whistle_events": {"事件编号": "event_id", "哨单编号": "event_id", "社区编号": "community_id",
                       "社区代码": "community_id", "上报时间": "reported_at", "吹哨时间": "reported_at",
                       "处置方式": "handling_mode", "是否疑难": "is_difficult", "疑难": "is_difficult",
                       "事件类别": "category", "类别": "category", "事件标题": "title", "标题": "title",
                       "一件事事项": "one_thing_item", "一件事": "one_thing_item", "准入事项": "admission_item"},
    "whistle_event_log": {"事件编号": "event_id", "哨单编号": "event_id", "时间": "ts", "操作时间": "ts",
                          "动作": "action", "操作": "action", "部门编号": "dept_id", "部门代码": "dept_id",
                          "值": "value", "结果": "value", "备注": "note", "说明": "note"},
    "visits": {"走访编号": "visit_id", "走访日期": "visit_date", "部门编号": "dept_id", "部门代码": "dept_id",
               "联合党委编号": "jpc_id", "社区联合党委编号": "jpc_id", "市领导带队": "led_by_city_leader",
               "组长职级": "team_leader_rank", "参加人数": "participants", "走访内容": "topics", "调研内容": "topics",
               "发现问题数": "problems_raised", "解决问题数": "problems_solved"},
    "negative_reports": {"报告编号": "report_id", "联合党委编号": "jpc_id", "社区联合党委编号": "jpc_id",
                         "周次": "week", "上报时间": "submitted_at", "提交时间": "submitted_at",
                         "条款编号": "clause_code", "负面条款": "clause_code", "数量": "count", "件数": "count",
                         "情况描述": "description", "描述": "description", "是否整改": "rectified",
                         "已整改": "rectified"},
    "appeals": {"诉求编号": "appeal_id", "社区编号": "community_id", "社区代码": "community_id",
                "提出时间": "raised_at", "起始层级": "origin_level", "诉求类别": "category", "类别": "category"},
    "appeal_log": {"诉求编号": "appeal_id", "层级": "level", "进入时间": "entered_at", "离开时间": "exited_at",
                   "结果": "outcome"},
    "tasks": {"事项编号": "task_id", "下派时间": "issued_at", "部门编号": "dept_id", "部门代码": "dept_id",
              "下派层级": "from_level", "承接层级": "to_level", "社区编号": "community_id", "社区代码": "community_id",
              "事项类别": "category", "类别": "category", "准入事项": "admission_item", "证明事项": "certificate_item",
              "完成时间": "completed_at"},
    "ratings": {"评价期间": "period", "期间": "period", "联合党委编号": "jpc_id", "社区联合党委编号": "jpc_id",
                "部门编号": "dept_id", "部门代码": "dept_id", "评分": "score", "分数": "score"},
}

TRUE_WORDS = {"true", "t", "1", "1.0", "yes", "y", "是", "真", "对", "√"}
FALSE_WORDS = {"false", "f", "0", "0.0", "no", "n", "否", "假", "错", "×"}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


class Unparsable(ValueError):
    pass


def parse_value(text: str | None, kind: str):
    """One cell as its SPEC §2 type; empty → None; a value that does not parse raises Unparsable."""
    if text is None:
        return None
    text = text.strip()
    if text == "":
        return None
    if kind == "str":
        return text
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                raise Unparsable(text) from None
            if f != int(f):
                raise Unparsable(text) from None
            return int(f)
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise Unparsable(text) from None
    if kind == "bool":
        low = text.lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
        raise Unparsable(text)
    if kind == "date":
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                pass
        raise Unparsable(text)
    if kind == "datetime":
        for fmt in DATETIME_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                pass
        raise Unparsable(text)
    raise AssertionError(kind)


def decode(data: bytes) -> str:
    """SPEC §2: UTF-8, UTF-8 with BOM, or GBK/GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def canonical_header(table: str, header: str) -> str | None:
    h = header.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")
    if h in COLUMNS[table]:
        return h
    return LABELS[table].get(h)


def read_table(path: Path, table: str) -> list[dict]:
    """The rows of one CSV file that keep their place (see the module docstring), in file order.
    Each row also carries `_row` (its position in the file)."""
    text = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    names = [canonical_header(table, h) for h in header]
    columns = COLUMNS[table]
    rows, seen = [], set()
    for i, cells in enumerate(reader):
        if not any(c.strip() for c in cells):
            continue
        raw = {n: (cells[j] if j < len(cells) else None) for j, n in enumerate(names) if n}
        row, ok = {}, True
        for name, (kind, required) in columns.items():
            try:
                row[name] = parse_value(raw.get(name), kind)
            except Unparsable:
                ok = False
                break
            if required and row[name] is None:
                ok = False
                break
        if not ok:
            continue
        content = tuple(row[c] for c in columns)
        if content in seen:  # an exact duplicate is skipped
            continue
        seen.add(content)
        row["_row"] = i
        rows.append(row)
    # a key carried by two different contents: every row of that key is quarantined
    by_key: dict[tuple, int] = {}
    for r in rows:
        k = tuple(r[c] for c in KEYS[table])
        by_key[k] = by_key.get(k, 0) + 1
    return [r for r in rows if by_key[tuple(r[c] for c in KEYS[table])] == 1]


# The reference lists transcribed from the seeds (Appendices B, C, E, Table A.1, 002 §三) travel with the product
# as data; a city without its own reference_items.csv is checked against them (as the product's ingest does).
BUNDLED_LISTS = Path(__file__).resolve().parents[2] / "reference" / "reference_items.csv"


# (table, column, referenced table, referenced column, which referenced rows count), in load order
FOREIGN_KEYS = [
    ("bindings", "jpc_id", "communities", "jpc_id", lambda r: True),
    ("bindings", "dept_id", "departments", "dept_id", lambda r: True),
    ("whistle_events", "community_id", "communities", "community_id", lambda r: True),
    ("whistle_event_log", "event_id", "whistle_events", "event_id", lambda r: True),
    ("whistle_event_log", "dept_id", "departments", "dept_id", lambda r: True),
    ("visits", "dept_id", "departments", "dept_id", lambda r: True),
    ("visits", "jpc_id", "communities", "jpc_id", lambda r: True),
    ("negative_reports", "jpc_id", "communities", "jpc_id", lambda r: True),
    # Appendix E: a clause code must be one of its integrity clauses
    ("negative_reports", "clause_code", "reference_items", "item_id", lambda r: r["list_id"] == "integrity_clause"),
    ("appeals", "community_id", "communities", "community_id", lambda r: True),
    ("appeal_log", "appeal_id", "appeals", "appeal_id", lambda r: True),
    ("tasks", "dept_id", "departments", "dept_id", lambda r: True),
    ("tasks", "community_id", "communities", "community_id", lambda r: True),
    ("ratings", "jpc_id", "communities", "jpc_id", lambda r: True),
    ("ratings", "dept_id", "departments", "dept_id", lambda r: True),
]


class City:
    """All tables of one city directory (files named <table>.csv), with the contract rules applied."""

    def __init__(self, directory: Path):
        directory = Path(directory)
        self.tables: dict[str, list[dict]] = {}
        for table in COLUMNS:
            path = directory / f"{table}.csv"
            if table == "reference_items" and not path.exists():
                path = BUNDLED_LISTS
            self.tables[table] = read_table(path, table) if path.exists() else []
        # SPEC §2: a row naming an unknown key of another table is quarantined (in table load order: a
        # quarantined row is not there to be referred to)
        for table, column, ref_table, ref_column, condition in FOREIGN_KEYS:
            known = {r[ref_column] for r in self.tables[ref_table] if condition(r)}
            self.tables[table] = [r for r in self.tables[table] if r[column] is None or r[column] in known]
        # SPEC §2: a log row before its event was reported is quarantined
        reported = {e["event_id"]: e["reported_at"] for e in self.tables["whistle_events"]}
        self.tables["whistle_event_log"] = [r for r in self.tables["whistle_event_log"]
                                            if r["event_id"] in reported and r["ts"] >= reported[r["event_id"]]]
        # SPEC §7 (amended): a rating counts only from a JPC bound to that department in that period;
        # any other rating row is quarantined at ingest
        self.tables["ratings"] = [r for r in self.tables["ratings"] if self.bound_in_period(r)]

    def __getitem__(self, table: str) -> list[dict]:
        return self.tables[table]

    def department_bindings(self) -> list[dict]:
        return [b for b in self.tables["bindings"] if b["role"] == "department" and b["dept_id"]]

    def bound_in_period(self, rating: dict) -> bool:
        """A department binding of (jpc, dept) active on at least one day of the rating's period ('YYYY' or
        'YYYY-MM')."""
        period = rating["period"]
        if len(period) == 4:
            first, last = dt.date(int(period), 1, 1), dt.date(int(period), 12, 31)
        else:
            y, m = int(period[:4]), int(period[5:7])
            first = dt.date(y, m, 1)
            last = (dt.date(y + (m == 12), m % 12 + 1, 1)) - dt.timedelta(days=1)
        return any(b["jpc_id"] == rating["jpc_id"] and b["dept_id"] == rating["dept_id"]
                   and b["valid_from"] <= last and (b["valid_to"] is None or b["valid_to"] >= first)
                   for b in self.department_bindings())

    def jpc_ids(self) -> list[str]:
        return sorted({c["jpc_id"] for c in self.tables["communities"]})

    def community(self, community_id: str) -> dict | None:
        return next((c for c in self.tables["communities"] if c["community_id"] == community_id), None)


def load_toml(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)
