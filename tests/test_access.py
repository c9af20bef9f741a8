"""Who may see what: hashed accounts, sign-in, deny by default, and a department confined to its own rows."""
import io
import subprocess
import sys

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from govdash import access
from govdash.figures import bulletin
from govdash.reports import bulletin_xlsx
from tests.conftest import REPO
from tests.test_pages import run_app
from warehouse.db import connect_read, read_cursor

DEPARTMENT_PAGE_FILES = {
    "bulletin": "pages/monthly_bulletin.py", "whistle": "pages/whistle_analysis.py", "self-check": "pages/department_self_check.py",
    "visits": "pages/visits.py", "negative-lists": "pages/negative_lists.py", "assessment": "pages/assessment.py",
}


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    path = tmp_path / "accounts.toml"
    monkeypatch.setenv("GOVDASH_ACCOUNTS", str(path))
    access.set_user("chair", "committee", "chair-password-1")
    access.set_user("d13", "department:D13", "d13-password-1")
    access.set_user("mayor", "committee", "mayor-password-1")
    users = access.load_accounts()
    users["mayor"]["role"] = "mayor"   # a role that matches nothing
    access.save_accounts(users)
    return path


def test_passwords_are_hashed_never_plain(accounts):
    text = accounts.read_text(encoding="utf-8")
    assert "chair-password-1" not in text and "scrypt$" in text
    assert access.authenticate("chair", "chair-password-1") == access.Principal("chair", "committee")
    assert access.authenticate("chair", "wrong") is None and access.authenticate("nobody", "x") is None
    assert access.authenticate("d13", "d13-password-1").dept_id == "D13"
    # the command line creates and resets accounts
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", "office", "--role", "assessment"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    generated = out.stdout.split("初始密码：")[1].strip()
    assert access.authenticate("office", generated).role == "assessment"
    assert generated not in accounts.read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "reset", "office", "--password", "another-pass-9"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and access.authenticate("office", generated) is None
    assert access.authenticate("office", "another-pass-9").role == "assessment"
    bad = subprocess.run([sys.executable, "-m", "govdash.cli", "user", "add", "x", "--role", "king"],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and "未知角色" in bad.stderr


def test_sign_in_form_and_deny_by_default(sample_warehouse, accounts):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    assert at.title[0].value == "登录" and not at.metric   # nothing is shown before signing in
    at.text_input(key="username").set_value("chair")
    at.text_input(key="password").set_value("wrong")
    at.button[0].click().run()
    assert any("不正确" in e.value for e in at.error) and at.title[0].value == "登录"
    at.text_input(key="password").set_value("chair-password-1")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "月度通报"
    # a signed-in account whose role matches nothing sees nothing
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.text_input(key="username").set_value("mayor")
    at.text_input(key="password").set_value("mayor-password-1")
    at.button[0].click().run()
    assert at.title[0].value == "登录" and not at.metric and not at.dataframe
    assert any("没有可用的角色" in e.value for e in at.error)


def _all_text(at) -> str:
    # the reference lists (Appendix B names the departments that own each item) are public reference data
    frames = [df.value for df in at.dataframe if "出处" not in df.value.columns]
    parts = [f.to_pandas().to_string() if hasattr(f, "to_pandas") else f.to_string() for f in frames]
    parts += [m.value for m in at.markdown] + [m.label + str(m.value) for m in at.metric]
    for kind in ("selectbox", "multiselect"):
        for w in at.get(kind):
            parts += [str(o) for o in w.options]
    return "\n".join(parts)


def test_department_sees_only_its_own_rows_on_every_page(sample_warehouse):
    cur = read_cursor(connect_read(sample_warehouse))
    names = dict(cur.execute("select dept_id, dept_name from stg_departments").fetchall())
    others = {i: n for i, n in names.items() if i != "D13"}
    d13 = access.Principal("d13", "department", "D13")
    for url, page in DEPARTMENT_PAGE_FILES.items():
        at = run_app(page, principal=d13)
        assert at.title[0].value, url
        text = _all_text(at)
        leaked = [f"{i} {n}" for i, n in others.items() if n in text or f"'{i}'" in text]
        assert not leaked, (url, leaked)
    # the choosers offer only its own department
    at = run_app("pages/department_self_check.py", principal=d13)
    assert at.selectbox(key="self_dept").options == [names["D13"]]
    at = run_app("pages/whistle_analysis.py", principal=d13)
    assert at.multiselect(key="depts").options == [names["D13"]]
    at = run_app("pages/assessment.py", principal=d13)
    assert at.selectbox(key="assess_dept").options == [names["D13"]]
    assert not any(b.label == "保存为新的评分设置" for b in at.button)


def test_department_cannot_open_city_pages_by_url(sample_warehouse):
    d13 = access.Principal("d13", "department", "D13")
    for page in ("pages/data_quality.py", "pages/five_level.py"):
        # not routed for the role: the navigation has no such page
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        at.session_state["principal"] = d13
        at.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
        # and the page file run on its own (a legacy pages/ URL) refuses before showing anything
        direct = AppTest.from_file(str(REPO / page), default_timeout=120)
        direct.session_state["principal"] = d13
        direct.run()
        assert not direct.exception
        assert [e.value for e in direct.error] == ["无权查看此页面，请先登录或联系管理员。"]
        assert not direct.metric and not direct.dataframe


def test_department_downloads_and_figures_are_scoped(sample_db):
    cur = read_cursor(connect_read(sample_db))
    b = bulletin(cur, "2024-10", "2024-12-31 00:00")
    jpcs = {r[0] for r in cur.execute("select distinct jpc_id from stg_bindings where dept_id = 'D13'").fetchall()}
    p = access.Principal("d13", "department", "D13")
    scoped = access.scope_bulletin(b, p, jpcs)
    buf = io.BytesIO()
    bulletin_xlsx(scoped, buf)
    wb = openpyxl.load_workbook(buf)
    ranking = wb["部门排名"]
    assert [ranking.cell(i, 2).value for i in range(2, ranking.max_row + 1)] == ["住建局"]
    visits = wb["走访明细（捆绑关系）"]
    assert {visits.cell(i, 1).value for i in range(2, visits.max_row + 1)} == {"住建局"}
    assert {r["jpc_id"] for r in scoped["negative_reports"]} <= jpcs and scoped["funnel"] is None
    # frames: own rows, bound JPCs, or denied
    import polars as pl

    frame = pl.DataFrame({"dept_id": ["D01", "D13"], "x": [1, 2]})
    assert access.scope_frame(frame, p, jpcs)["dept_id"].to_list() == ["D13"]
    with pytest.raises(access.AccessDenied):
        access.scope_frame(pl.DataFrame({"community_id": ["C1"]}), p, jpcs)
    with pytest.raises(access.AccessDenied):
        access.scope_result("funnel_section", {}, p, jpcs)
    with pytest.raises(access.AccessDenied):
        access.scope_frame(frame, access.NOBODY, set())
    # monthly_rates is always its own department's, whatever the page asks for
    assert access.scoped_args("monthly_rates", ("2024-01", "2024-12", None, None), p)[3] == "D13"


def test_accounts_file_and_its_folder_are_private(tmp_path, monkeypatch):
    """The accounts file holds password hashes: mode 0600 whatever the umask, in a 0700 folder it
    creates, and never written through a file planted at a predictable temporary name."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        folder = tmp_path / "data"
        path = folder / "accounts.toml"
        planted = tmp_path / "elsewhere.txt"
        planted.write_text("", encoding="utf-8")
        folder.mkdir(mode=0o755)
        (folder / "accounts.tmp").symlink_to(planted)
        access.set_user("chair", "committee", "chair-password-1", path=path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert planted.read_text(encoding="utf-8") == ""      # nothing went through the planted link
        assert not [p for p in folder.iterdir() if p.name not in ("accounts.toml", "accounts.tmp")]
        # a file an operator copied in with 0644 is 0600 after the next change
        os.chmod(path, 0o644)
        access.reset_password("chair", "another-pass-9", path=path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # a folder the accounts file creates is 0700
        fresh = tmp_path / "new" / "accounts.toml"
        access.set_user("x", "committee", "x-password-1", path=fresh)
        assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    finally:
        os.umask(old)
