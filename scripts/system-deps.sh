#!/usr/bin/env bash
# System packages the tests use: LibreOffice (a real reader for the Word/Excel files, and the PDF of the
# 通报), poppler-utils (pdffonts/pdftoppm: the PDF's fonts and page images), Chromium and CJK fonts
# (browser tests), PostgreSQL (the records database's tests start a throwaway server of their own) and nginx (the
# replicas behind one proxy: deploy/nginx.conf, tests/test_replicas.py). Installed from Debian's packages when
# missing. `--runtime`: only what the running product needs (LibreOffice and the CJK fonts for the PDF of the 通报),
# as scripts/start.sh asks for; an operator running replicas installs nginx with the rest.
set -euo pipefail
runtime_only=false
[ "${1:-}" = "--runtime" ] && runtime_only=true
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)
# (fc-list's output is read whole: `fc-list | grep -q` under pipefail fails when grep stops early)
fonts=$(fc-list 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || need+=(fonts-noto-cjk)
if ! $runtime_only; then
  command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
  # the browser tests drive Debian's Chromium (Playwright cannot download its own browser here)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # the records database is tested against a real PostgreSQL too (tests/support/records.py runs initdb/pg_ctl)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
  # the replica tests start Debian's nginx as the current user with deploy/nginx.conf (light: no extra modules)
  [ -x /usr/sbin/nginx ] || need+=(nginx-light)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装系统依赖：${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    if $runtime_only; then
      echo "缺少系统依赖：${need[*]}（需要 root 与 apt-get 才能安装）。未安装 LibreOffice 时无法生成 PDF 通报，" \
           "Word 与 Excel 文件不受影响；请管理员运行 sudo bash scripts/system-deps.sh --runtime。" >&2
    else
      echo "缺少系统依赖：${need[*]}（需要 root 与 apt-get）；相关测试将被跳过。" >&2
    fi
  fi
fi
# The faces the 通报 names (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体) mapped to the Noto CJK faces for
# a desktop LibreOffice too (the PDF conversion uses the same file through FONTCONFIG_FILE in any case).
conf="$(cd "$(dirname "$0")/.." && pwd)/config/fonts/govdash-fonts.conf"
if [ "$(id -u)" = 0 ] && [ -d /etc/fonts/conf.d ] && ! cmp -s "$conf" /etc/fonts/conf.d/65-govdash-fonts.conf; then
  cp "$conf" /etc/fonts/conf.d/65-govdash-fonts.conf
fi
