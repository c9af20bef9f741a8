"""Scoring versions in the records database (SQLite and PostgreSQL): saved, listed, applied again, with their
history; the version files of earlier versions (config/scoring_versions/vNNNN.toml and history.jsonl) imported
once, every text byte for byte, then not read again."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.support.paths import REPO


@pytest.fixture
def scoring(records_env, tmp_path, monkeypatch):
    path = tmp_path / "config" / "scoring.toml"
    path.parent.mkdir()
    shutil.copyfile(REPO / "config" / "scoring.toml", path)
    monkeypatch.setenv("GOVDASH_SCORING", str(path))
    return path


def _weights(text: str, on_time: int, timely: int) -> str:
    import dataclasses

    from govdash.core.scoring import dump_scoring, parse_scoring

    s = parse_scoring(text)
    weights = {"on_time_closure": on_time, "timely_handling": timely}
    return dump_scoring(dataclasses.replace(s, components=tuple(
        dataclasses.replace(c, weight=weights.get(c.name, c.weight)) for c in s.components)))


def test_versions_saved_by_an_earlier_version_are_imported_once(scoring, records_env):
    from govdash.core import scoring_versions as files
    from govdash.records import scoring_versions as sv

    # what an earlier version left: two version files and their history, written as it wrote them
    folder = files.versions_dir()
    folder.mkdir()
    texts = {}
    for n, (on_time, timely, who) in enumerate(((40, 10, "office"), (30, 20, "office2")), 1):
        body = _weights(scoring.read_text(encoding="utf-8"), on_time, timely)
        texts[f"v{n:04d}"] = files.version_file_text(f"v{n:04d}", who, f"2024-12-0{n} 09:00:00", f"原因{n}",
                                                     "v0001" if n == 2 else "", body)
        (folder / f"v{n:04d}.toml").write_text(texts[f"v{n:04d}"], encoding="utf-8")
    history = [{"action": "save", "version": "v0001", "author": "office", "at": "2024-12-01 09:00:00",
                "reason": "原因1", "based_on": ""},
               {"action": "save", "version": "v0002", "author": "office2", "at": "2024-12-02 09:00:00",
                "reason": "原因2", "based_on": "v0001"},
               {"action": "apply", "version": "v0001", "author": "office", "at": "2024-12-03 09:00:00", "reason": ""}]
    (folder / "history.jsonl").write_text("".join(json.dumps(h, ensure_ascii=False) + "\n" for h in history),
                                          encoding="utf-8")

    assert [(v["id"], v["author"], v["reason"], v["based_on"], v["intact"]) for v in sv.list_versions()] == [
        ("v0001", "office", "原因1", "", True), ("v0002", "office2", "原因2", "v0001", True)]
    assert {vid: sv.version_text(vid) for vid in texts} == texts          # byte for byte
    assert sv.history() == history
    # the files are not read again: removed, nothing changes; the next save continues the numbering
    shutil.rmtree(folder)
    assert [v["id"] for v in sv.list_versions()] == ["v0001", "v0002"]
    v3 = sv.save_scoring_version(_weights(scoring.read_text(encoding="utf-8"), 35, 15), "office", "再调整")
    assert v3 == "v0003" and not folder.exists()
    assert [h["version"] for h in sv.history()] == ["v0001", "v0002", "v0001", "v0003"]


def test_save_view_and_apply_on_the_records(scoring, records_env):
    from govdash.core.scoring import ScoringSettingsError, load_scoring
    from govdash.records import scoring_versions as sv

    shipped = load_scoring()
    with pytest.raises(ValueError, match="请填写保存原因"):
        sv.save_scoring_version(_weights(scoring.read_text(encoding="utf-8"), 40, 10), "office", "  ")
    with pytest.raises(ScoringSettingsError, match="权重之和应为 100"):
        sv.save_scoring_version(_weights(scoring.read_text(encoding="utf-8"), 50, 10), "office", "试算")
    assert sv.list_versions() == []
    assert sv.save_scoring_version(_weights(scoring.read_text(encoding="utf-8"), 40, 10), "office", "突出") == "v0001"
    assert load_scoring().version == "v0001"
    assert sv.save_scoring_version(_weights(scoring.read_text(encoding="utf-8"), 30, 20), "o2", "恢复") == "v0002"
    first = sv.version_text("v0001")
    assert sv.apply_scoring_version("v0001", "office") == "v0001"
    assert scoring.read_text(encoding="utf-8") == first and load_scoring().version == "v0001"
    assert [v["based_on"] for v in sv.list_versions()] == [shipped.version, "v0001"]
    with pytest.raises(ValueError, match="没有评分设置版本"):
        sv.apply_scoring_version("v0009", "office")
