"""The page table (govdash/web/registry.py) is the only list of pages: the roles it admits give each account its
pages, every page script opens with its own entry, and the router shows exactly the table's pages to each role."""
from __future__ import annotations

import ast

from streamlit.testing.v1 import AppTest

from govdash.core.principal import NOBODY, Principal
from govdash.web import registry
from tests.support.paths import REPO

CITY_WIDE = {"five-level", "data"}   # the appeals over five levels and the data page: the whole city only


def test_each_role_gets_the_pages_the_access_rules_give():
    every = {p.url for p in registry.PAGES}
    assert every == {"bulletin", "whistle", "self-check", "case", "visits", "negative-lists", "five-level",
                     "assessment", "disputes", "data"}
    assert registry.allowed_pages(Principal("chair", "committee")) == every
    assert registry.allowed_pages(Principal("office", "assessment")) == every
    assert registry.allowed_pages(Principal("d13", "department", "D13")) == every - CITY_WIDE
    # deny by default: signed out, a role that matches nothing, a department account naming no department
    assert registry.allowed_pages(NOBODY) == set()
    assert registry.allowed_pages(Principal("mayor", "none")) == set()
    assert registry.allowed_pages(Principal("d", "department", None)) == set()


def test_the_table_is_consistent():
    urls = [p.url for p in registry.PAGES]
    assert len(urls) == len(set(urls)) and registry.DEFAULT in urls
    assert (REPO / registry.SIGN_IN_PATH).is_file()
    for p in registry.PAGES:
        assert (REPO / p.path).is_file(), p.path
        assert p.title and p.icon.startswith(":material/") and p.section, p
        assert set(p.roles) <= {"committee", "assessment", "department"} and p.roles, p
        # a page with a cut-off picker has a period (govdash.web.period's kinds) the cut-off belongs to
        assert p.period in {"month", "assessment", ""} and (p.period or not p.cutoff and not p.published), p


def start_page_urls(path) -> list[str]:
    """The addresses a page script hands to chrome.start_page (its heading and role check come from that entry)."""
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "start_page"
            and node.args and isinstance(node.args[0], ast.Constant)]


def test_every_page_script_opens_with_its_own_entry():
    assert start_page_urls("pages/visits.py") == ["visits"]   # the check reads what a page passes
    for p in registry.PAGES:
        assert start_page_urls(p.path) == [p.url], p.path


def _menu(principal: Principal) -> list[str]:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["principal"] = principal
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [link.proto.label for link in at.sidebar.get("page_link")]


def test_the_router_lists_exactly_the_table_pages_of_each_role(sample_warehouse):
    for principal in (Principal("chair", "committee"), Principal("d13", "department", "D13")):
        allowed = registry.allowed_pages(principal)
        assert _menu(principal) == [p.title for p in registry.PAGES if p.url in allowed], principal
