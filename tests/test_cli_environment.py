"""The `govdash` command on an environment older than the code: a package the lock added is not installed yet (the
code updated, `scripts/setup.sh` not run again). The command says so in one Chinese line and what to run, exit 1 —
not a Python traceback."""
from __future__ import annotations

import subprocess
import sys

from tests.support.paths import REPO

# the command as the entry point runs it, with the records database's driver missing as in a stale environment
STALE = ("import sys; sys.modules['sqlalchemy'] = None; "
         "from govdash.cli.main import main; sys.exit(main())")


def test_a_package_missing_from_the_environment_is_named_with_what_to_run(tmp_path):
    out = subprocess.run([sys.executable, "-c", STALE, "ingest", str(REPO / "sample_data")], capture_output=True,
                         text=True, cwd=tmp_path, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "GOVDASH_DB": str(tmp_path / "govdash.duckdb"),
                              "PYTHONPATH": str(REPO)})
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.strip() == ("错误：缺少程序依赖的软件包 sqlalchemy（程序已更新而运行环境未更新）。"
                                  "请先运行 bash scripts/setup.sh 安装依赖，再重试。")
    assert not (tmp_path / "govdash.duckdb").exists()
