#!/usr/bin/env bash
# One command for a fresh machine: install (Python packages; LibreOffice and fonts for PDF), build the warehouse from sample_data when it is empty,
# and start the dashboard on http://localhost:8501: `govdash serve` runs app.py's st.App (the sign-in
# form, 8-hour session cookies, the guard on pages and downloads; state in data/, mode 0600).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# LibreOffice and the CJK fonts make the PDF of the 通报; without root the product runs and says at the PDF
# button why no PDF can be made
bash scripts/system-deps.sh --runtime || true
if ! .venv/bin/govdash status >/dev/null 2>&1; then
  echo "数据仓库为空：正在从 sample_data/ 导入示例数据…"
  .venv/bin/govdash ingest sample_data || [ $? -eq 2 ]
fi
echo "登录账号（演示）："
.venv/bin/govdash user demo
# the sample city's disputes (申诉核减) are records, acted by the demo accounts: loaded once they exist (again is a
# no-op; the one filed after its window is refused and named, exit 2)
if [ -f sample_data/disputes.csv ]; then
  .venv/bin/govdash dispute load sample_data/disputes.csv >/dev/null 2>&1 || [ $? -eq 2 ]
fi
exec .venv/bin/govdash serve --port "${PORT:-8501}"
