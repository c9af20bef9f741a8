"""The archive's seal chain (govdash.records.seal) against an attacker who holds the records database but not the
key: each tamper is done with SQLAlchemy on the database directly, as such an attacker would, and is found by
reading the publication (the command and the page refuse it, naming the month or period) and by `govdash verify`
(exit 1, naming the first broken link and what broke). On SQLite and on PostgreSQL.

One archive per engine is published by the product itself (three assessments with a correction, then a bulletin),
and each test works on a copy of it: the SQLite file copied, or a PostgreSQL database made from it as a template,
with the key and the head copied beside."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from govdash.cli.main import main as cli
from govdash.core.principal import Principal
from govdash.records import db, schema
from tests.support.paths import REPO

B, BF = schema.bulletin_publications, schema.bulletin_files
A, AF = schema.assessment_publications, schema.assessment_files
CHAIR = Principal("chair", "committee", display_name="张明")
OFFICE = Principal("office", "assessment", display_name="李考")
MONTH = "2024-10"


@dataclass
class Archive:
    url: str            # the records database (a copy of the published archive)
    folder: Path        # the warehouse, the key, the head, the scoring settings of this copy

    def attacker(self) -> sa.Engine:
        """A connection of the attacker's own: the database, no key."""
        return sa.create_engine(db.normalise_url(self.url))


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _environment(mp: pytest.MonkeyPatch, url: str, folder: Path) -> None:
    mp.setenv("GOVDASH_RECORDS_URL", url)
    mp.setenv("GOVDASH_DB", str(folder / "govdash.duckdb"))
    mp.setenv("GOVDASH_SEAL_KEY_FILE", str(folder / "seal.key"))
    mp.setenv("GOVDASH_SCORING", str(folder / "scoring.toml"))
    mp.setenv("GOVDASH_STATE_DIR", str(folder))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def published(request, tmp_path_factory, committed_sample_db) -> Archive:
    """The archive as the product publishes it, once per engine: 2024-Q3 (link 1), 2024-Q4 (2), its correction after
    a new scoring version (3), then the October bulletin (4, the newest)."""
    from govdash.documents.assessment_publication import publish_assessment
    from govdash.documents.publication import publish_month
    from govdash.records.accounts import set_user

    folder = tmp_path_factory.mktemp("sealed")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'records.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server").new_database()
    shutil.copyfile(committed_sample_db, folder / "govdash.duckdb")
    shutil.copyfile(REPO / "config" / "scoring.toml", folder / "scoring.toml")
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, url, folder)
        set_user("chair", "committee", "pw-long-enough-2")
        set_user("office", "assessment", "pw-long-enough-1")
        publish_assessment(2024, 3, OFFICE)
        publish_assessment(2024, 4, OFFICE)
        text = (folder / "scoring.toml").read_text(encoding="utf-8")
        changed = folder / "changed.toml"
        changed.write_text(text.replace("weight = 30", "weight = 40", 1).replace("weight = 20", "weight = 10", 1),
                           encoding="utf-8")
        saved = _cli("scoring", "save", "--file", str(changed), "--reason", "调整权重", "--user", "office")
        assert saved.exit_code == 0, saved.stderr
        publish_assessment(2024, 4, OFFICE, correction=True, reason="启用新评分设置")
        publish_month(MONTH, CHAIR)
        db.forget(url)
    return Archive(url, folder)


@pytest.fixture
def archive(published, tmp_path, monkeypatch) -> Archive:
    """A copy of the published archive of this test's own, set as every command and page finds it."""
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in ("govdash.duckdb", "seal.key", "seal.key.head", "scoring.toml"):
        shutil.copy2(published.folder / name, folder / name)
    if published.url.startswith("sqlite"):
        shutil.copyfile(published.folder / "records.sqlite3", folder / "records.sqlite3")
        url = f"sqlite:///{folder / 'records.sqlite3'}"
    else:
        import psycopg

        base, _, source = published.url.rpartition("/")
        name = f"{source}_{tmp_path.name}".lower()[:60]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
            con.execute(f'create database "{name}" template "{source}"')
        url = f"{base}/{name}"
    _environment(monkeypatch, url, folder)
    yield Archive(url, folder)
    db.forget(url)


def _verify() -> tuple[int, dict, str]:
    """(exit code, the --json result, the plain command's message) of `govdash verify`."""
    as_json = _cli("verify", "--json")
    plain = _cli("verify")
    assert plain.exit_code == as_json.exit_code
    return as_json.exit_code, json.loads(as_json.stdout), plain.stderr + plain.stdout


def _broken(expected_problem: str, sequence: int | None, period: str | None, version: int | None) -> dict:
    code, result, said = _verify()
    assert code == 1 and result["ok"] is False, result
    first = result["breaks"][0]
    assert (first["problem"], first["sequence"], first["period"], first["version"]) == (
        expected_problem, sequence, period, version), result["breaks"]
    assert result["first"] == first["message"] and first["message"] in said and "归档未通过校验" in said
    return first


def _bulletin_read(fmt: str = "json"):
    return _cli("report", "bulletin", "--month", MONTH, "--published", "--format", fmt, "--out",
                str(Path(db.seal_key_path()).parent / f"read.{fmt}"))


def _assessment_read(quarter: int):
    return _cli("report", "assessment", "--year", "2024", "--quarter", str(quarter), "--published")


def _page_bulletin():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.session_state["principal"] = CHAIR
    at.session_state["month"] = MONTH
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _page_assessment(quarter: int):
    from streamlit.testing.v1 import AppTest

    from tests.support.apptest import set_period

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.session_state["principal"] = OFFICE
    at.run()
    at.switch_page("pages/assessment.py").run()
    set_period(at, quarter=f"2024-Q{quarter}")
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------------------------------------------------------


def test_an_untouched_archive_verifies_after_publish_and_correction(archive):
    code, result, said = _verify()
    assert code == 0 and result["ok"] and result["breaks"] == [], result
    assert (result["links"], result["newest_sequence"], result["head_sequence"]) == (4, 4, 4)
    assert "归档校验通过：共 4 条发布记录" in said
    with archive.attacker().connect() as con:
        chain = sorted([(r.seal_sequence, "assessment", r.publication_id) for r in con.execute(sa.select(A))]
                       + [(r.seal_sequence, "bulletin", r.publication_id) for r in con.execute(sa.select(B))])
        first_previous = con.execute(sa.select(A.c.previous_seal).where(A.c.seal_sequence == 1)).scalar_one()
    # one chain over both kinds, in the order they were published
    assert chain == [(1, "assessment", "2024-Q3-v1"), (2, "assessment", "2024-Q4-v1"),
                     (3, "assessment", "2024-Q4-v2"), (4, "bulletin", "2024-10-v1")]
    assert first_previous == "0" * 64
    # every read is served
    assert _bulletin_read().exit_code == 0 and _assessment_read(4).exit_code == 0
    # and the chain goes on: a new publication is link 5, and the head follows it
    assert _cli("publish", "--month", "2024-11", "--user", "chair").exit_code == 0
    code, result, _ = _verify()
    assert code == 0 and (result["links"], result["head_sequence"]) == (5, 5)


def test_the_key_is_a_private_file_of_32_bytes_outside_both_databases(archive):
    key = db.seal_key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    head = json.loads(db.seal_head_path().read_text(encoding="utf-8"))
    assert head["sequence"] == 4
    secret = key.read_bytes()
    with archive.attacker().connect() as con:
        for table in schema.metadata.sorted_tables:
            for row in con.execute(sa.select(table)):
                for value in row:
                    raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    assert secret not in raw and secret.hex().encode() not in raw, table.name


def test_a_new_key_is_made_with_o_excl_0600_on_first_use(tmp_path, monkeypatch, records_env):
    from govdash.records import seal

    monkeypatch.setenv("GOVDASH_SEAL_KEY_FILE", str(tmp_path / "keys" / "seal.key"))
    result = seal.verify()
    key = tmp_path / "keys" / "seal.key"
    assert result["ok"] and stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    first = key.read_bytes()
    assert seal.verify()["ok"] and key.read_bytes() == first     # made once, then read


def test_a_forged_figure_in_the_content_and_its_digest_is_refused_on_read_and_by_verify(archive):
    with archive.attacker().begin() as con:
        text = con.execute(sa.select(B.c.bulletin_json).where(B.c.publication_id == "2024-10-v1")).scalar_one()
        dispatched = json.loads(text)["city"]["dispatched"]
        forged = re.sub(rf'"dispatched": {dispatched}\b', f'"dispatched": {dispatched + 100}', text, count=1)
        assert forged != text
        digest = hashlib.sha256(forged.encode("utf-8")).hexdigest()
        con.execute(sa.update(B).where(B.c.publication_id == "2024-10-v1")
                    .values(bulletin_json=forged, bulletin_sha256=digest))
        con.execute(sa.update(BF).where((BF.c.publication_id == "2024-10-v1") & (BF.c.kind == "json"))
                    .values(content=forged.encode("utf-8"), sha256=digest, size=len(forged.encode("utf-8"))))
    read = _bulletin_read()
    assert read.exit_code == 1
    assert "归档未通过校验" in read.stderr and "2024年10月通报" in read.stderr and "内容或文件被改动" in read.stderr
    assert not (db.seal_key_path().parent / "read.json").exists()
    first = _broken("content", 4, MONTH, 1)
    assert first["problem_label"] == "内容或文件被改动" and first["publication_id"] == "2024-10-v1"
    # the page shows the message in place of the figures
    at = _page_bulletin()
    errors = [e.value for e in at.error]
    assert any("归档未通过校验" in e and "2024年10月通报" in e and "内容或文件被改动" in e for e in errors), errors
    assert not at.metric and not at.dataframe
    shown = " ".join(str(m.value) for m in at.markdown)
    assert str(dispatched + 100) not in shown


@pytest.mark.parametrize("column, forged", [("published_by", "王五"), ("published_at", "2024-11-08 09:00:00"),
                                            ("as_of", "2024-11-30 23:59:59")])
def test_edited_publication_information_is_refused(archive, column, forged):
    import datetime as dt

    value = dt.datetime.fromisoformat(forged) if column != "published_by" else forged
    with archive.attacker().begin() as con:
        original = con.execute(sa.select(A.c[column]).where(A.c.publication_id == "2024-Q4-v2")).scalar_one()
        con.execute(sa.update(A).where(A.c.publication_id == "2024-Q4-v2").values({column: value}))
    read = _assessment_read(4)
    assert read.exit_code == 1
    assert "归档未通过校验" in read.stderr and "2024年第4季度考核第 2 版" in read.stderr
    assert "发布信息被改动" in read.stderr
    _broken("info", 3, "2024-Q4", 2)
    at = _page_assessment(4)
    assert any("归档未通过校验" in e.value and "2024年第4季度考核" in e.value for e in at.error)
    assert not at.dataframe
    # the value put back as it was: the archive holds again
    with archive.attacker().begin() as con:
        con.execute(sa.update(A).where(A.c.publication_id == "2024-Q4-v2").values({column: original}))
    assert _verify()[0] == 0 and _assessment_read(4).exit_code == 0


def test_deleting_the_newest_publication_is_found_by_the_head_and_the_month_cannot_be_published_again(archive):
    with archive.attacker().begin() as con:
        con.execute(sa.delete(BF).where(BF.c.publication_id == "2024-10-v1"))
        con.execute(sa.delete(B).where(B.c.publication_id == "2024-10-v1"))
    # the month reads as never published …
    unpublished = _bulletin_read()
    assert unpublished.exit_code == 1 and "尚未定稿发布" in unpublished.stderr
    # … and every other publication's read is refused: the head names link 4, which is gone
    other = _assessment_read(4)
    assert other.exit_code == 1 and "归档未通过校验" in other.stderr and "链头与最新记录不符" in other.stderr
    first = _broken("head", 4, None, None)
    assert "链头与最新记录不符（最新记录被删除）" in first["message"] and "2024年第4季度考核第 2 版" in first["message"]
    again = _cli("publish", "--month", MONTH, "--user", "chair")
    assert again.exit_code == 1
    assert "归档未通过校验" in again.stderr and "链头与最新记录不符" in again.stderr and "不能发布" in again.stderr
    assessment = _cli("publish", "--year", "2024", "--quarter", "2", "--user", "office")
    assert assessment.exit_code == 1 and "链头与最新记录不符" in assessment.stderr
    with archive.attacker().connect() as con:   # no new link on the broken chain
        assert con.execute(sa.select(sa.func.count()).select_from(B)).scalar_one() == 0
        assert con.execute(sa.select(sa.func.count()).select_from(A)).scalar_one() == 3
    assert json.loads(db.seal_head_path().read_text(encoding="utf-8"))["sequence"] == 4


def test_deleting_a_publication_in_the_middle_is_found(archive):
    with archive.attacker().begin() as con:
        con.execute(sa.delete(AF).where(AF.c.publication_id == "2024-Q4-v1"))
        con.execute(sa.delete(A).where(A.c.publication_id == "2024-Q4-v1"))
    first = _broken("missing", 2, "2024-Q4", 2)
    assert first["message"].startswith("归档未通过校验：缺少第2号记录（被删除）")
    read = _assessment_read(4)   # the correction in force is link 3: the link before it is gone
    assert read.exit_code == 1 and "缺少第2号记录（被删除）" in read.stderr
    assert _assessment_read(3).exit_code == 0   # link 1 and its own link hold
    assert _cli("publish", "--month", "2024-11", "--user", "chair").exit_code == 1


def _copy_row(con, table: sa.Table, files: sa.Table, source: str, **changes) -> None:
    """Insert a copy of publication `source` and its files, with `changes` (its id among them)."""
    row = dict(con.execute(sa.select(table).where(table.c.publication_id == source)).mappings().one())
    new_id = changes["publication_id"]
    con.execute(sa.insert(table).values({**row, **changes}))
    for f in con.execute(sa.select(files).where(files.c.publication_id == source)).mappings().all():
        con.execute(sa.insert(files).values({**f, "publication_id": new_id}))


def test_a_superseded_publication_reinserted_as_the_newest_version_is_found(archive):
    """The attacker copies the first version of 2024-Q4, seals and all, as a third version at the chain's end, so
    the scores before the correction would be in force again."""
    with archive.attacker().begin() as con:
        last = con.execute(sa.select(B.c.seal).where(B.c.seal_sequence == 4)).scalar_one()
        _copy_row(con, A, AF, "2024-Q4-v1", publication_id="2024-Q4-v3", version=3, seal_sequence=5,
                  previous_seal=last, supersedes="2024-Q4-v2")
    read = _assessment_read(4)
    assert read.exit_code == 1
    assert "2024年第4季度考核第 3 版" in read.stderr and "记录被重新插入或顺序被打乱" in read.stderr
    first = _broken("order", 5, "2024-Q4", 3)
    assert "副本" in first["message"]
    at = _page_assessment(4)
    assert any("归档未通过校验" in e.value and "第 3 版" in e.value for e in at.error)


def test_a_deleted_row_put_back_at_another_place_is_found(archive):
    with archive.attacker().begin() as con:
        row = dict(con.execute(sa.select(A).where(A.c.publication_id == "2024-Q3-v1")).mappings().one())
        files = [dict(f) for f in con.execute(sa.select(AF).where(AF.c.publication_id == "2024-Q3-v1")).mappings()]
        con.execute(sa.delete(AF).where(AF.c.publication_id == "2024-Q3-v1"))
        con.execute(sa.delete(A).where(A.c.publication_id == "2024-Q3-v1"))
        last = con.execute(sa.select(B.c.seal).where(B.c.seal_sequence == 4)).scalar_one()
        con.execute(sa.insert(A).values({**row, "seal_sequence": 5, "previous_seal": last}))
        for f in files:
            con.execute(sa.insert(AF).values(f))
    code, result, _ = _verify()
    assert code == 1
    problems = [(b["problem"], b["sequence"], b["publication_id"]) for b in result["breaks"]]
    assert problems[0] == ("missing", 1, "2024-Q4-v1")
    assert ("order", 5, "2024-Q3-v1") in problems
    assert _assessment_read(3).exit_code == 1


def test_swapped_order_is_found(archive):
    with archive.attacker().begin() as con:   # through a free number: the sequence is unique
        con.execute(sa.update(A).where(A.c.seal_sequence == 1).values(seal_sequence=-1))
        con.execute(sa.update(A).where(A.c.seal_sequence == 2).values(seal_sequence=1))
        con.execute(sa.update(A).where(A.c.seal_sequence == -1).values(seal_sequence=2))
    first = _broken("order", 1, "2024-Q4", 1)
    assert first["problem_label"] == "记录被重新插入或顺序被打乱"
    assert _assessment_read(3).exit_code == 1


def test_a_replaced_file_is_found(archive):
    with archive.attacker().begin() as con:
        content = con.execute(sa.select(BF.c.content).where((BF.c.publication_id == "2024-10-v1")
                                                            & (BF.c.kind == "docx"))).scalar_one()
        forged = bytes(content).replace(b"word/", b"word/", 1) + b"\0"
        con.execute(sa.update(BF).where((BF.c.publication_id == "2024-10-v1") & (BF.c.kind == "docx")).values(
            content=forged, sha256=hashlib.sha256(forged).hexdigest(), size=len(forged)))
    read = _bulletin_read("docx")
    assert read.exit_code == 1 and "2024年10月通报第 1 版" in read.stderr and "内容或文件被改动" in read.stderr
    assert _bulletin_read("xlsx").exit_code == 1    # the publication is refused, whichever of its files
    _broken("content", 4, MONTH, 1)


def test_a_missing_key_is_reported_and_never_made_anew_over_sealed_publications(archive):
    key = db.seal_key_path()
    key.unlink()
    code, result, said = _verify()
    assert code == 1 and result["breaks"][0]["problem"] == "key" and "密钥缺失" in said
    assert not key.exists()
    read = _bulletin_read()
    assert read.exit_code == 1 and "归档未通过校验：密钥缺失" in read.stderr
    again = _cli("publish", "--month", "2024-11", "--user", "chair")
    assert again.exit_code == 1 and "密钥缺失" in again.stderr
    assert not key.exists()
    # another key (a wrong backup) verifies nothing
    key.write_bytes(b"\x01" * 32)
    key.chmod(0o600)
    _broken("content", 1, "2024-Q3", 1)


def test_publications_of_an_earlier_version_are_sealed_once_in_order_on_the_keys_first_use(request, tmp_path,
                                                                                         monkeypatch, archive):
    """Publications stored before the chain (the records at revision 0004, no seal columns) are sealed when the key
    is first made, in order of publication, and that is recorded; after that an unsealed row is an insertion."""
    from alembic import command
    from alembic.config import Config

    from govdash.records import seal

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    legacy = {t: [c.name for c in t.columns if c.name not in seal.SEAL_COLUMNS] for t in (A, AF, B, BF)}
    with archive.attacker().connect() as src:
        rows = {t: [dict(r) for r in src.execute(sa.select(*[t.c[c] for c in legacy[t]])).mappings()]
                for t in legacy}
    db.forget(archive.url)
    if archive.url.startswith("sqlite"):   # a new database on the same engine
        records_env = f"sqlite:///{tmp_path / 'earlier.sqlite3'}"
    else:
        records_env = request.getfixturevalue("postgres_server").new_database()
    target = sa.create_engine(db.normalise_url(records_env))
    with target.begin() as con:
        cfg.attributes["connection"] = con
        command.upgrade(cfg, "0004")
    old = sa.MetaData()
    with target.begin() as con:
        for t in (A, AF, B, BF):   # the tables as revision 0004 made them
            table = sa.Table(t.name, old, autoload_with=con)
            assert not set(seal.SEAL_COLUMNS) & set(table.columns.keys())
            for r in rows[t]:
                con.execute(sa.insert(table).values(r))
    target.dispose()
    monkeypatch.setenv("GOVDASH_RECORDS_URL", records_env)
    key = tmp_path / "new" / "seal.key"
    monkeypatch.setenv("GOVDASH_SEAL_KEY_FILE", str(key))
    result = seal.verify()   # the first use: migration 0005, the key, the four publications sealed
    assert result["ok"] and result["links"] == 4, result
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with db.engine(records_env).connect() as con:
        order = sorted([(r.seal_sequence, r.published_at, r.publication_id) for r in con.execute(sa.select(A))]
                       + [(r.seal_sequence, r.published_at, r.publication_id) for r in con.execute(sa.select(B))])
        recorded = con.execute(sa.select(schema.record_imports).where(
            schema.record_imports.c.name == seal.SEALED_EXISTING)).mappings().one()
    assert [pid for _, _, pid in order] == ["2024-Q3-v1", "2024-Q4-v1", "2024-Q4-v2", "2024-10-v1"]
    assert [at for _, at, _ in order] == sorted(at for _, at, _ in order)
    assert (recorded["rows"], recorded["source"]) == (4, str(key))
    assert seal.verify()["ok"]
    # a row inserted afterwards without a seal is never sealed for the attacker
    with db.engine(records_env).begin() as con:
        _copy_row(con, A, AF, "2024-Q3-v1", publication_id="2024-Q3-v2", version=2, seal_sequence=None,
                  previous_seal=None, content_seal=None, info_seal=None, seal=None)
    result = seal.verify()
    assert not result["ok"] and result["breaks"][0]["problem"] == "order"
    assert "没有封印" in result["first"]
    db.forget(records_env)


def test_a_head_left_one_link_behind_by_an_interrupted_write_still_verifies_and_moves_on(archive):
    """A server stopped between a publication's commit and the head's write: the link after the head is sealed with
    the key, so nothing is missing; verify says so and passes, and the next publication brings the head forward."""
    with archive.attacker().connect() as con:
        third = con.execute(sa.select(A.c.seal).where(A.c.seal_sequence == 3)).scalar_one()
    db.seal_head_path().write_text(json.dumps({"sequence": 3, "seal": third}), encoding="utf-8")
    code, result, said = _verify()
    assert code == 0 and result["head_behind"] and (result["head_sequence"], result["newest_sequence"]) == (3, 4)
    assert "链头文件停在第 3 号，最新记录为第 4 号" in said
    assert _cli("publish", "--year", "2024", "--quarter", "2", "--user", "office").exit_code == 0
    assert json.loads(db.seal_head_path().read_text(encoding="utf-8"))["sequence"] == 5
    code, result, _ = _verify()
    assert code == 0 and not result["head_behind"]
    # a head whose seal is not the link's it names is no lag
    db.seal_head_path().write_text(json.dumps({"sequence": 3, "seal": "f" * 64}), encoding="utf-8")
    _broken("head", 3, None, None)
