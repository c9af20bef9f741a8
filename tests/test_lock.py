"""requirements.lock: every entry pinned and hash-checked, and the running environment is exactly it.

scripts/setup.sh builds .venv anew from the lock (pip first, then everything with --require-hashes,
then this project with --no-deps), so the installed distributions must be the lock's pins, name for
name and version for version, with nothing missing and nothing extra but the project itself.
"""
import importlib.metadata as md
import re
import site
import sys
import sysconfig
import tomllib
from pathlib import Path

from packaging.version import InvalidVersion, Version

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements.lock"
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")
_HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def canonical(name: str) -> str:
    """PEP 503 normalised project name: `Jinja2`, `typing_extensions` -> `jinja2`, `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> tuple[dict[str, str], list[str]]:
    """The lock's pins {canonical name: version}, and a list of problems: an entry that is not
    `name==version`, carries no sha256 hash, has any option other than --hash, or repeats a name."""
    pins: dict[str, str] = {}
    problems: list[str] = []
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            if current:  # a continuation ended by a comment or blank line
                logical.append(current)
                current = ""
            continue
        cont = line.endswith("\\")
        current = f"{current} {line.rstrip(chr(92)).strip()}".strip()
        if not cont:
            logical.append(current)
            current = ""
    if current:
        logical.append(current)
    for entry in logical:
        req, *options = entry.split()
        m = _PIN.match(req)
        if not m:
            problems.append(f"not an exact pin: {entry[:80]}")
            continue
        name = canonical(m.group(1))
        hashes = [o for o in options if _HASH.match(o)]
        others = [o for o in options if not _HASH.match(o)]
        if not hashes:
            problems.append(f"no sha256 hash: {req}")
        if others:
            problems.append(f"unexpected option on {req}: {' '.join(others)}")
        if name in pins:
            problems.append(f"pinned twice: {name}")
        pins[name] = m.group(2)
    return pins, problems


def installed_distributions() -> dict[str, list[str]]:
    """{canonical name: [versions]} of the distributions in this interpreter's site-packages
    (the venv's, and the user site when it is enabled), not whatever else is on sys.path."""
    dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    found: dict[str, list[str]] = {}
    for dist in md.distributions(path=sorted(dirs)):
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical(name), []).append(dist.version)
    return found


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def mismatches(locked: dict[str, str], installed: dict[str, list[str]], ignore=()) -> list[str]:
    """Every difference between the lock's pins and the installed distributions, names canonical."""
    ignore = {canonical(n) for n in ignore}
    locked = {canonical(n): v for n, v in locked.items() if canonical(n) not in ignore}
    have: dict[str, list[str]] = {}
    for n, vs in installed.items():
        if canonical(n) not in ignore:
            have.setdefault(canonical(n), []).extend(vs)
    out = []
    for name in sorted(locked.keys() | have.keys()):
        want, got = locked.get(name), have.get(name, [])
        if want is None:
            out.append(f"installed but not locked: {name}=={','.join(got)}")
        elif not got:
            out.append(f"locked but not installed: {name}=={want}")
        elif len(got) > 1:
            out.append(f"installed more than once: {name} {sorted(got)}, locked {want}")
        elif not _same_version(want, got[0]):
            out.append(f"version differs: {name} locked {want}, installed {got[0]}")
    return out


def test_every_lock_entry_is_an_exact_pin_with_a_hash():
    pins, problems = parse_lock(LOCK.read_text(encoding="utf-8"))
    assert problems == []
    # the direct dependencies, the test extra, and the installer and build backend setup.sh uses
    for name in ("streamlit", "duckdb", "polars", "pandera", "authlib", "joserfc", "pytest",
                 "playwright", "pip", "setuptools"):
        assert name in pins, name
    assert canonical(PROJECT) not in pins


def test_installed_distributions_are_exactly_the_lock():
    pins, _ = parse_lock(LOCK.read_text(encoding="utf-8"))
    assert sys.prefix != sys.base_prefix, "run inside the venv scripts/setup.sh made"
    assert mismatches(pins, installed_distributions(), ignore=[PROJECT]) == []


def test_comparison_reports_each_kind_of_difference():
    locked = {"Jinja2": "3.1.6", "typing_extensions": "4.16.0", "joserfc": "1.8.0", "pip": "26.3"}
    same = {"jinja2": ["3.1.6"], "typing-extensions": ["4.16.0"], "JoseRFC": ["1.8.0"], "pip": ["26.3.0"]}
    assert mismatches(locked, same) == []
    assert mismatches(locked, {**same, "govdash": ["0.1.0"]}, ignore=["govdash"]) == []
    broken = {"jinja2": ["3.1.5"], "typing-extensions": ["4.16.0", "4.15.0"], "pip": ["26.3"],
              "rich": ["14.0.0"]}
    assert mismatches(locked, broken) == [
        "version differs: jinja2 locked 3.1.6, installed 3.1.5",
        "locked but not installed: joserfc==1.8.0",
        "installed but not locked: rich==14.0.0",
        "installed more than once: typing-extensions ['4.15.0', '4.16.0'], locked 4.16.0",
    ]


def test_parser_refuses_unpinned_unhashed_and_extra_options():
    good = ("# header\nAuthlib==1.9.9 \\\n    --hash=sha256:" + "a" * 64 + " \\\n    --hash=sha256:"
            + "b" * 64 + "\n    # via govdash (pyproject.toml)\njoserfc==1.8.0 --hash=sha256:" + "c" * 64 + "\n")
    assert parse_lock(good) == ({"authlib": "1.9.9", "joserfc": "1.8.0"}, [])
    bad = ("joserfc\nauthlib>=1.3\ncffi==2.1.1\n-e .\nduckdb==2.0.0 --hash=md5:" + "d" * 32
           + "\npolars==2.1.0 --hash=sha256:" + "e" * 64 + " --index-url=http://x\n"
           + "pip==26.3 --hash=sha256:" + "f" * 64 + "\npip==26.2 --hash=sha256:" + "f" * 64 + "\n")
    pins, problems = parse_lock(bad)
    assert problems == [
        "not an exact pin: joserfc",
        "not an exact pin: authlib>=1.3",
        "no sha256 hash: cffi==2.1.1",
        "not an exact pin: -e .",
        "no sha256 hash: duckdb==2.0.0",
        "unexpected option on duckdb==2.0.0: --hash=md5:" + "d" * 32,
        "unexpected option on polars==2.1.0: --index-url=http://x",
        "pinned twice: pip",
    ]
