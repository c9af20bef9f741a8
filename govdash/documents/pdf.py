"""Word → PDF with LibreOffice headless: the PDF of a document is the Word file as LibreOffice prints it.

Each conversion runs in its own temporary folder with its own LibreOffice profile (-env:UserInstallation),
so parallel conversions (two users, the tests) never share a profile or a lock; it is stopped, with its
whole process group, after a time limit. The faces the 通报 names are mapped to the CJK faces installed
here by config/fonts/govdash-fonts.conf (FONTCONFIG_FILE for the LibreOffice process only).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from govdash.core.paths import CONFIG_DIR

FONT_ALIASES = CONFIG_DIR / "fonts" / "govdash-fonts.conf"
SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")
TIMEOUT_SECONDS = 180


class DocumentError(RuntimeError):
    """A document could not be made; the message is for the user (Chinese, no paths)."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _fonts_conf(folder: Path) -> Path:
    """A fontconfig file: the system's configuration, then the project's aliases."""
    conf = folder / "fonts.conf"
    system = os.environ.get("FONTCONFIG_FILE") or str(SYSTEM_FONTS_CONF)
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{system}</include>\n'
        f'  <include ignore_missing="yes">{FONT_ALIASES}</include>\n</fontconfig>\n', encoding="utf-8")
    return conf


def docx_to_pdf(docx: bytes, timeout: float = TIMEOUT_SECONDS) -> bytes:
    program = soffice()
    if not program:
        raise DocumentError("无法生成 PDF：本机未安装 LibreOffice（由 scripts/system-deps.sh "
                            "安装），请先下载 Word 版本。")
    with tempfile.TemporaryDirectory(prefix="govdash-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "通报.docx"
        source.write_bytes(docx)
        env = {**os.environ, "FONTCONFIG_FILE": str(_fonts_conf(folder)), "HOME": str(folder),
               "SAL_USE_VCLPLUGIN": "svp"}
        cmd = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation={(folder / 'profile').as_uri()}",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(folder), str(source)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=folder,
                                start_new_session=True)
        try:
            proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise DocumentError(f"生成 PDF 超时（{timeout:g} 秒内未完成），请稍后重试或下载 Word 版本。") from None
        finally:
            # LibreOffice may leave helpers behind in its group; none outlives the conversion
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        pdf = folder / "通报.pdf"
        if proc.returncode != 0 or not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
            raise DocumentError("生成 PDF 失败：LibreOffice 未能转换该文件，请下载 Word 版本。")
        return pdf.read_bytes()
