"""The floors of the house, named by folder: data flows one way — the ground (govdash/core) → the warehouse and
the records → the pipelines → the figures → the documents → the web, the command line, the pages and app.py —
so no module imports a floor above its own, no modules import each other in a circle (function-level imports
count too), and only the web floor (govdash/web/, pages/, app.py) imports Streamlit or Starlette."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support.paths import REPO

# the floors, lowest first: each a set of folders (or single files) of the repository
FLOORS = [
    ("govdash/core",),
    ("warehouse", "govdash/records"),
    ("pipelines",),
    ("govdash/figures",),
    ("govdash/documents",),
    ("govdash/web", "govdash/cli", "pages", "app.py"),
]
# where Streamlit and Starlette may be imported: the web floor's folders, never the command line or below
WEB_ONLY = ("streamlit", "starlette")
WEB_FOLDERS = ("govdash/web", "pages", "app.py")
PACKAGES = ("govdash", "warehouse", "pipelines", "pages", "app")


def module_path(module: str) -> str:
    """A module's place in the repository as a path without suffix: govdash.web.data → govdash/web/data."""
    return module.replace(".", "/")


def _inside(module: str, prefix: str) -> bool:
    path = module_path(module)
    prefix = prefix.removesuffix(".py")
    return path == prefix or path.startswith(prefix + "/")


def floor_of(module: str) -> int | None:
    for floor, prefixes in enumerate(FLOORS):
        if any(_inside(module, prefix) for prefix in prefixes):
            return floor
    return None


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
    assert floor_of("govdash.core.periods") == 0 and floor_of("pages.assessment") == 5
    assert floor_of("govdash.records.db") == 1 and floor_of("govdash.records.migrations.env") == 1
    assert floor_of("govdash.figures.catalogue") == 3 and floor_of("govdash.web.data") == 5 and floor_of("app") == 5
    assert floor_of("govdash.records.accounts") == 1 and floor_of("govdash.documents.pdf") == 4
    assert floor_of("govdash.cli.main") == 5 and floor_of("govdash.webhooks") is None   # a folder, not a name prefix
    assert floor_of("govdash.ui") is None and floor_of("govdash") is None   # a module loose in govdash/ has no floor
    assert len(FLOORS) <= 6
    assert web_imports("import streamlit as st\nfrom starlette.responses import Response\n") == [
        "streamlit", "starlette"]
    assert web_imports("def f():\n    from streamlit.web.server import app_discovery\n") == ["streamlit"]
    assert web_imports("import streamlined\nfrom govdash.web import data\n") == []


def web_imports(source: str) -> list[str]:
    """The Streamlit and Starlette imports of `source`, at any depth (a function-level import counts too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        found += [n.split(".")[0] for n in names if n.split(".")[0] in WEB_ONLY]
    return found


def test_only_the_web_floor_imports_streamlit_or_starlette():
    offending = []
    for module, path in sorted(project_modules().items()):
        if any(_inside(module, prefix) for prefix in WEB_FOLDERS):
            continue
        for name in web_imports(path.read_text(encoding="utf-8")):
            offending.append(f"{path.relative_to(REPO).as_posix()} imports {name}")
    assert not offending, "\n".join(offending)


def test_every_module_of_govdash_sits_in_a_floor_folder():
    """govdash/ itself holds only __init__.py: every module is in a folder that is (part of) a floor."""
    loose = sorted(p.name for p in (REPO / "govdash").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    folders = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "govdash").iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    listed = {prefix for floor in FLOORS for prefix in floor}
    assert set(folders) <= listed, sorted(set(folders) - listed)


def test_importing_govdash_pulls_nothing_in():
    import subprocess
    import sys

    code = ("import sys, govdash; print(sorted(m for m in sys.modules if m.startswith(('govdash.', 'warehouse', "
            "'pipelines', 'polars', 'duckdb', 'streamlit'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "[]", out


# a string literal (an f-string's literal parts joined, an implicit concatenation as one, a triple-quoted text
# from its first word) that begins like a SQL statement: lowercase SQL (house style), prose starts with a capital
SQL_STATEMENT = re.compile(
    r"^\s*(?:select|insert|delete|update|create|drop|alter|with|copy|attach|detach|use|set|reset|pragma|describe|"
    r"summarize|explain|install|load|export|import|truncate|merge|call|from)\s")
# a one-word statement, counted only where a string is passed to a connection's execute/sql/query (elsewhere
# such words are ordinary names: a Word field's fldCharType "begin")
SQL_ONE_WORD = re.compile(r"^\s*(?:checkpoint|force\s+checkpoint|begin|commit|rollback|abort|vacuum|analyze)\s*;?\s*$")
# where SQL text may still stand in Python, and why (all SQL lives in .sql files): none left; an entry
# would be "path": "reason", and must name a file that still holds SQL
SQL_ALLOWED: dict[str, str] = {}


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal in `source` that begins like a SQL statement: plain strings,
    f-strings (the literal parts, each replacement field counted as one word) and implicit concatenations (one
    literal to the parser), whatever call they are passed to (execute, sql, a variable)."""
    tree = ast.parse(source)
    executed = {id(node.args[0]) for node in ast.walk(tree) if isinstance(node, ast.Call) and node.args
                and isinstance(node.func, ast.Attribute) and node.func.attr in ("execute", "executemany", "sql",
                                                                                "query")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if SQL_STATEMENT.search(text) or (id(node) in executed and SQL_ONE_WORD.search(text)):
            found.append((node.lineno, text))
    return found


def test_sql_lives_in_sql_files():
    """No SQL statement text in Python: every statement is in a .sql file under warehouse/ (models, macros,
    metrics, ingest, build_steps, connection, archive, ddl) or benchmarks/sql/, with bind parameters
    (warehouse/sql_files.py)."""
    # the check can fail: each form SQL text took in Python before it moved to .sql files
    for source in ('con.execute("delete from quarantine where source_file = ?")',
                   'con.execute(f"create or replace table {name} as {sql}")',
                   'con.execute(f"insert into {name} {sql}", params)',
                   'con.sql("select date, is_workday from ref_calendar_official").df()',
                   'cur.execute("use warehouse")', 'con.execute("attach ? as warehouse (read_only)", [p])',
                   "con.execute(f\"set memory_limit = '{limit}'\")", 'con.execute("checkpoint")',
                   'con.execute("begin")',
                   'con.execute("select max(block_id) "\n            "from pragma_storage_info(?)")',
                   'q = """\n    select *\n    from t\n"""', 'q = ("from pragma_storage_info(?) where persistent")'):
        assert sql_strings(source), source
    for source in ('"""With no record holding more than…"""', 'x = "use_stored"', 'x = "selected"', 'x = "set"',
                   'x = "Select a month"', 'x = "begin-date"', 'x = f"{n} selected"',
                   'fld(kind="begin")', 'sql_file("checkpoint")'):
        assert not sql_strings(source), source
    found = []
    for path in sorted(REPO.glob("**/*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith((".venv/", "tests/")) or rel in SQL_ALLOWED:
            continue
        for n, text in sql_strings(path.read_text(encoding="utf-8")):
            found.append(f"{rel}:{n}: {' '.join(text.split())[:100]}")
    assert not found, "SQL outside .sql files:\n" + "\n".join(found)
    # the listed files do hold SQL (an entry whose file no longer does is removed)
    for rel in SQL_ALLOWED:
        assert sql_strings((REPO / rel).read_text(encoding="utf-8")), rel


def test_sql_placeholders_are_named_in_each_statement():
    """The loader's rule (warehouse/sql_files.py): a statement's `{placeholder}`s are filled only from specs,
    model files and constants, and its own comment names each one (in backticks, without braces, which
    str.format would fill too); in a file of several named statements, each statement's comment (the lines after
    its `-- name:` marker), not a neighbour's. A statement the loader formats must parse as a format string."""
    import string

    from warehouse import sql_files

    def unnamed(text: str) -> list[str]:
        comment = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("--"))
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
        return sorted(n for n in names if f"`{n}`" not in comment)

    def unnamed_in_file(text: str) -> dict[str, list[str]]:
        return {name: unnamed(statement) for name, statement in sql_files.named_statements(text, "file").items()
                if unnamed(statement)}

    assert unnamed("-- No placeholders.\nselect count(*) from {name}") == ["name"]   # the check can fail
    assert unnamed("-- Placeholder `name`.\nselect count(*) from {name}") == []
    # a placeholder named only in another statement's comment is not named
    assert unnamed_in_file("-- name: a\n-- Placeholder `name`.\nselect 1 from {name}\n"
                           "-- name: b\n-- No placeholders.\nselect 2 from {name}\n") == {"b": ["name"]}
    checked = 0
    # the folders whose loaders fill placeholders (archive_sql, metric_sql and the benchmarks' bench_sql never do)
    for folder in (sql_files.INGEST_SQL_DIR, sql_files.BUILD_STEPS_DIR, sql_files.CONNECTION_SQL_DIR,
                   sql_files.DDL_DIR):
        for name, path in sql_files.statement_names(folder).items():
            assert not unnamed(sql_files.statement(folder, name)), f"{path.name}: {name}"
            checked += 1
    assert checked > 60
