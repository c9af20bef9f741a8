#!/usr/bin/env bash
# Creates .venv holding exactly the locked packages (requirements.lock, every one pinned and
# hash-checked: pip refuses a file whose sha256 is not in the lock) plus this project.
# Run by start.sh and test.sh; safe to run again: it does nothing while the lock and pyproject.toml
# are those the venv was built from, and builds the venv anew when either changed, so nothing an
# older lock installed is left behind.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
stamp=.venv/.govdash-lock
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x .venv/bin/python ]; then
  rm -rf .venv
  "$PY" -m venv .venv
  # 1. pip itself, at the locked version and hash, so that the locked pip installs the rest.
  #    (Its entry is the `pip==` line of the lock and the hash lines continuing it.)
  awk 'index($0, "pip==") == 1 {p = 1} p {print} p && !/\\$/ {p = 0}' requirements.lock \
    > .venv/pip.lock
  .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r .venv/pip.lock
  # 2. Everything else (setuptools, the build backend, included). Without --no-deps pip also
  #    resolves the dependencies, and in hash-checking mode it stops at any one the lock lacks.
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
  # 3. The project, editable, built by the locked setuptools; its dependencies are all in place.
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
fi
