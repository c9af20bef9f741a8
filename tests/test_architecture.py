"""The floors of the house (issue 12): data flows one way — core → warehouse → pipelines → figures →
outputs → access → ui/cli/server/pages — so no module imports a floor above its own, and no modules
import each other in a circle (function-level imports count too)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO

# the floor of each part of the project, lowest first
FLOORS = [
    ("govdash.core", 0),
    ("warehouse", 1),
    ("pipelines", 2),
    ("govdash.figures", 3), ("govdash.figures.assessment", 3), ("govdash.status", 3),
    ("govdash.outputs", 4), ("govdash.outputs.documents", 4), ("govdash.outputs.charts", 4),
    ("govdash.access", 5), ("govdash.sessions", 5), ("govdash.incidents", 5),
    ("govdash.ui", 6), ("govdash.publish_panel", 6), ("govdash.server", 6), ("govdash.cli", 6), ("govdash.bench", 6), ("app", 6), ("pages", 6),
]
PACKAGES = ("govdash", "warehouse", "pipelines", "pages", "app")


def floor_of(module: str) -> int | None:
    best = None
    for prefix, floor in FLOORS:
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, floor)
    return best[1] if best else None


def project_modules() -> dict[str, Path]:
    out = {"app": REPO / "app.py"}
    for package in ("govdash", "warehouse", "pipelines", "pages"):
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.split(".")[0] not in PACKAGES:
                continue
            # the most specific project module the name refers to
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def test_every_module_has_a_floor():
    missing = [m for m in graph() if floor_of(m) is None and m not in ("govdash",)]
    assert not missing, missing


def test_no_module_imports_a_higher_floor():
    upward = [f"{m} (floor {floor_of(m)}) imports {d} (floor {floor_of(d)})"
              for m, deps in sorted(graph().items()) for d in sorted(deps)
              if floor_of(m) is not None and floor_of(d) is not None and floor_of(d) > floor_of(m)]
    assert not upward, "\n".join(upward)


def find_cycles(g: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)
    return cycles


def test_no_import_circle():
    cycles = find_cycles(graph())
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_the_checks_can_fail():
    assert find_cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
    assert floor_of("govdash.core.periods") == 0 and floor_of("pages.assessment") == 6
    assert floor_of("govdash.figures.catalogue") == 3


def test_importing_govdash_pulls_nothing_in():
    import subprocess
    import sys

    code = "import sys, govdash; print(sorted(m for m in sys.modules if m.startswith(('govdash.', 'warehouse', 'pipelines', 'polars', 'duckdb', 'streamlit'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "[]", out


SQL_STATEMENT = re.compile(r"""["'](?:select|insert|delete|update|create|drop|alter|with|copy)\s""")   # lowercase SQL (house style); prose starts with a capital
# where SQL text may still stand in Python, and why (issue 12: all SQL lives in .sql files)
SQL_ALLOWED = {
    "warehouse/build.py": "the build's machinery around the model files (create/insert/delete of a model's table)",
    "warehouse/db.py": "attach, storage checks and settings of a connection",
    "warehouse/calendar.py": "loading the official calendar table",
    "warehouse/schema.py": "DDL and counts generated from config/tables.toml",
    "govdash/bench.py": "benchmark-only queries",
    "govdash/figures/__init__.py": "one look-up of the log's last timestamp",
}


def test_sql_lives_in_sql_files():
    """No SQL statement text in pipelines/, pages/, app.py or the figures/outputs/ui code (beyond the listed
    machinery): queries are .sql files under warehouse/ with bind parameters."""
    assert SQL_STATEMENT.search('con.execute("delete from quarantine where source_file = ?")')   # the check can fail
    assert not SQL_STATEMENT.search('"""With no record holding more than…')
    found = []
    for path in sorted(REPO.glob("**/*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith((".venv/", "tests/", "benchmarks/")) or rel in SQL_ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL_STATEMENT.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert not found, "SQL outside .sql files:\n" + "\n".join(found)
