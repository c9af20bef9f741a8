"""The text lint's rules (tests/support/textlint.py), each on a text it must flag and on the Chinese a page shows
instead."""
import pytest

from tests.support.textlint import Names, Text, as_read, lint

NAMES = Names(codes={"D13": "住建局", "C014": "海新社区", "J01": "江滨社区联合党委", "E.2.4": "严禁违规收送礼品礼金"},
              tables={"raw_whistle_events", "stg_departments", "quarantine"})


def rules_of(text: str, row=()) -> set[str]:
    return {rule for rule, _, _ in lint([Text("页面", text, row=tuple(row))], NAMES)}


@pytest.mark.parametrize("bad, rule", [
    ("上期得分 None", "空值（None/nan/null/NaT）"), ("nan", "空值（None/nan/null/NaT）"),
    ("NaT", "空值（None/nan/null/NaT）"),
    ("状态：open_overdue", "英文状态词"), ("resolved", "英文状态词"), ("评价 basic", "英文状态词"),
    ("closed", "英文状态词"),
    ("count", "英文状态词"), ("指标 on_time_closure_rate", "snake_case 标识符"), ("数据表 stg_departments", "数据表名"),
    ("隔离区 quarantine", "数据表名"), ("评分设置：scoring.toml", ".toml 文件名"), ("模拟调整（what-if）", "what-if"),
    ("缺访周 2024-W49", "ISO 周（2024-W49）"), ("导入时间 2024-12-01T08:00:00Z", "UTC 时间"), ("03:00 UTC", "UTC 时间"),
    ("Jan 2024", "英文月份（Jan 2024）"), ("2024-01", "月份写成 2024-01"),
    ("部门 D13", "裸编号（有名称却只显示编号）"), ("社区 C014", "裸编号（有名称却只显示编号）"),
    ("J01", "裸编号（有名称却只显示编号）"), ("最多的条款是 E.2.4（6 项）", "裸编号（有名称却只显示编号）"),
])
def test_each_rule_flags_what_it_names(bad, rule):
    assert rule in rules_of(bad)


@pytest.mark.parametrize("good", [
    "上期得分 —", "超期未办结", "基本满意", "按期办结率 95.0%", "考核评分设置", "模拟调整", "第49周（12.2–12.8）",
    "2024年1月", "2024-12-01 16:00", "住建局", "E.2.4「严禁违规收送礼品礼金」", "NR-J01-2024-W49", "whistle_events.csv",
    "B19", "C04",
])
def test_the_chinese_a_page_shows_instead_passes(good):
    assert rules_of(good) == set()


def test_a_code_beside_its_name_in_the_same_row_passes_and_an_empty_cell_without_placeholder_fails():
    assert rules_of("E.2.4", row=["E.2.4", "严禁违规收送礼品礼金。"]) == set()
    assert rules_of("D13", row=["D13", "3"]) == {"裸编号（有名称却只显示编号）"}
    assert {r for r, _, _ in lint([Text("表", "", empty_cell=True)], NAMES)} == {"空值（None/nan/null/NaT）"}


def test_markdown_is_read_as_the_reader_sees_it():
    assert as_read(r"评分设置：scoring\.toml") == "评分设置：scoring.toml"
    assert as_read("率 96\\.6\\%\u2060") == "率 96.6%"
