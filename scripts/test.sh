#!/usr/bin/env bash
# One command for the whole test suite on a fresh machine (also what CI runs): the lint (ruff), then the fast tier
# (unit, SQL, AppTest: no Chromium, no LibreOffice, no served app; one process, or GOVDASH_TEST_WORKERS processes
# with pytest-xdist: on this 2-core machine two workers measured slower than one), then the browser tier
# (Chromium, LibreOffice, served apps). Arguments go to both pytest runs (`bash scripts/test.sh tests/test_crawl.py
# --crawl=full`); a tier the arguments select nothing of counts as passed. Each run lists its 25 slowest steps.
# The exit status is non-zero when the lint or either tier fails; all three run whatever the one before did.
# The tiers run one after the other: both at once (two pytest processes) gave no reliable gain on two cores
# (a 3-module fast + 2-module browser subset: 269 s serial vs 448 s at once, then 333 s at once vs more than
# 439 s serial, the machine's other load swinging between the runs): not shown faster, so not done.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh || exit 1
bash scripts/system-deps.sh || exit 1
# system-deps.sh installed every service the tests start themselves (PostgreSQL, nginx): a missing one fails them
export GOVDASH_REQUIRE_SERVICES=1

failed=()
tier() {  # tier NAME PYTEST-ARGS...: one pytest run; exit 5 (nothing selected) is a pass
  local name=$1 rc
  shift
  echo "=== $name"
  .venv/bin/python -m pytest --durations=25 "$@"
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then failed+=("$name (exit $rc)"); fi
}

echo "=== ruff check ."
.venv/bin/ruff check . || failed+=("ruff")
tier "fast tier" -m fast -n "${GOVDASH_TEST_WORKERS:-0}" "$@"
tier "browser tier" -m browser "$@"

if [ ${#failed[@]} -ne 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "all passed: ruff, fast tier, browser tier"
