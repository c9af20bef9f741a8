"""The test suite's own layout: every test in exactly one tier, and shared code in tests/support/ only (a test
module imports no other test module and not conftest, so each can move or run alone)."""
from __future__ import annotations

import ast

from tests.support.paths import REPO

TIERS = {"fast", "browser"}


def imports_of_tests(source: str) -> list[str]:
    """The modules `source` imports that are a test module or conftest (tests.test_*, tests.conftest)."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return [m for m in modules
            if m.startswith("tests.") and (m.split(".")[-1].startswith("test_") or m.split(".")[-1] == "conftest")]


def test_no_test_module_imports_another_or_conftest():
    found = [f"{path.relative_to(REPO)} imports {module}" for path in sorted((REPO / "tests").rglob("*.py"))
             for module in imports_of_tests(path.read_text(encoding="utf-8"))]
    assert not found, found


def test_the_layout_check_can_fail():
    """The check above sees each form such an import took, and lets tests/support/ and tests/reference/ be."""
    for source in ("from tests.test_pages import run_app\n", "from tests.conftest import REPO\n",
                   "import tests.test_browser\n", "def f():\n    from tests.test_visits_negative import FILES\n"):
        assert imports_of_tests(source), source
    assert imports_of_tests("from tests.support.apptest import open_page\nfrom tests.reference import whistle\n") == []


def test_every_collected_test_is_in_exactly_one_tier(request):
    """tests/conftest.py puts each test in `fast` or `browser`: whatever this run collected, none has both or
    neither."""
    wrong = []
    for item in request.session.items:
        tiers = {m.name for m in item.iter_markers() if m.name in TIERS}
        if len(tiers) != 1:
            wrong.append((item.nodeid, sorted(tiers)))
    assert request.session.items and not wrong, wrong
