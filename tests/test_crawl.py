"""Every role × every page × every month of the committed sample city, as its users open them.

A department user once crashed 负面清单 in 12 of 12 months; a page that works for the committee in the
default month says little. Each case signs in as the role, picks the month in the sidebar, opens the
page and asserts: no exception, no error box, the page's own heading, and no traceback text.

`pytest --crawl=full` runs the whole cross-product; by default (and in CI) a seeded random sample of
`--crawl-size` cases runs. The seed is fixed per commit (derived from `git rev-parse HEAD`, so a run of the same
commit crawls the same cases) and printed; `--crawl-seed` or $GOVDASH_CRAWL_SEED sets another.
"""
from __future__ import annotations

import random
import time

from streamlit.testing.v1 import AppTest

from govdash.records.accounts import Principal
from govdash.web import registry
from tests.support.apptest import open_page
from tests.support.paths import REPO
from tests.support.textlint import city_names, lint, rendered_texts, summarise
from warehouse.db import connect_read

PAGES = {p.url: (p.path, p.title) for p in registry.PAGES}  # url_path → (file, heading)


def _city(db):
    con = connect_read(db)
    try:
        depts = [d for (d,) in con.execute("select dept_id from stg_departments order by dept_id").fetchall()]
        months = [m for (m,) in con.execute(
            "select distinct strftime(reported_at, '%Y-%m') from raw_whistle_events order by 1").fetchall()]
        # the case page opens an event of the month that was dispatched to the department (any for the city's roles)
        rows = con.execute("select dept_id, strftime(ts, '%Y-%m'), min(event_id) from stg_whistle_event_log "
                           "where action = 'dispatched' group by all").fetchall()
    finally:
        con.close()
    CASE_EVENTS.clear()
    for dept, month, event in rows:
        CASE_EVENTS[(dept, month)] = event
        CASE_EVENTS[(None, month)] = min(event, CASE_EVENTS.get((None, month), event))
    return depts, months


CASE_EVENTS: dict[tuple, str] = {}


def _cases(depts, months):
    roles = [("committee", None), ("assessment", None)] + [("department", d) for d in depts]
    cases = []
    for role, dept in roles:
        pages = registry.allowed_pages(Principal("", role, dept))
        for page in sorted(pages):
            for month in months:
                cases.append((role, dept, page, month))
    return cases


def _open(at: AppTest | None, principal: Principal, page: str, month: str) -> AppTest:
    """The page as `principal` in `month`, on the AppTest already signed in as them when there is one; the case
    page opens an event of that month. Problems are collected by the caller, not raised here."""
    address = {"event": CASE_EVENTS.get((principal.dept_id, month), "")} if page == "case" else None
    return open_page(PAGES[page][0], principal, month, address=address, at=at, check=False)


def _problems(at: AppTest, page: str) -> list[str]:
    found = [f"异常：{e.value[:300]}" for e in at.exception]
    found += [f"错误框：{e.value[:300]}" for e in at.error]
    titles = [t.value for t in at.title]
    if PAGES[page][1] not in titles:
        found.append(f"标题不是“{PAGES[page][1]}”：{titles}")
    return found


def test_every_role_page_and_month(committed_sample_db, crawl_seed, monkeypatch, request):
    monkeypatch.setenv("GOVDASH_DB", str(committed_sample_db))
    depts, months = _city(committed_sample_db)
    assert len(depts) == 18 and len(months) == 12
    cases = _cases(depts, months)
    mode = request.config.getoption("--crawl")
    if mode == "sample":
        seed = crawl_seed
        size = request.config.getoption("--crawl-size")
        # every page and every role kind at least once, then random cases
        rng = random.Random(seed)
        must = {}
        for c in cases:
            must.setdefault((c[0] if c[0] != "department" else "department", c[2]), []).append(c)
        chosen = {rng.choice(v) for v in must.values()}
        rest = [c for c in cases if c not in chosen]
        chosen |= set(rng.sample(rest, max(0, min(len(rest), size - len(chosen)))))
        cases = sorted(chosen)
        print(f"\n页面巡检抽样：种子 {seed}，{len(cases)} 项（全集 {len(_cases(depts, months))} 项，用 "
              "--crawl=full 全跑）")
    con = connect_read(committed_sample_db)
    try:
        names = city_names(con)
    finally:
        con.close()
    failures, lint_findings = [], []
    started = time.perf_counter()
    by_principal: dict[tuple, AppTest] = {}
    for role, dept, page, month in cases:
        key = (role, dept)
        principal = Principal(f"crawl-{dept or role}", role, dept)
        try:
            at = _open(by_principal.get(key), principal, page, month)
            by_principal[key] = at
            problems = _problems(at, page)
            # the text lint over everything the page rendered (tests/support/textlint.py RULES)
            found = lint(rendered_texts(at, page), names)
            lint_findings += [(rule, f"{role}:{dept or ''} {month} {where}", text) for rule, where, text in found]
            if found:
                problems.append(f"文字检查 {len(found)} 处：" + "；".join(f"{r}“{t[:40]}”" for r, _, t in found[:5]))
        except Exception as exc:  # the AppTest harness itself failed (a timeout): report the case
            problems = [f"{type(exc).__name__}: {str(exc)[:300]}"]
            by_principal.pop(key, None)
        if problems:
            failures.append(f"{role}:{dept or ''} {page} {month}: " + " | ".join(problems))
    print(f"页面巡检：{len(cases)} 项，用时 {time.perf_counter() - started:.0f} 秒，失败 {len(failures)} 项")
    report = REPO / "test-artifacts" / "crawl-failures.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(failures), encoding="utf-8")
    (report.parent / "text-lint.txt").write_text(summarise(lint_findings), encoding="utf-8")
    assert not failures, "\n".join(failures[:40])
