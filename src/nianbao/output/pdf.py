"""PDF through LibreOffice, headless: each conversion in its own profile (two conversions sharing one
lose PDFs silently), the packaged font stand-ins so Chinese text is not drawn in one sans font, and every
output verified (exists, is a PDF, has pages)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

SECONDS_PER_DOC = 60
MIN_PAGES = 2  # title, six sections and three tables never fit one page


class PdfError(Exception):
    """PDF could not be made: the message is for the user (Chinese)."""


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise PdfError("未安装 LibreOffice（soffice），无法生成 PDF。请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai），或只生成 .docx。")
    return exe


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def convert(docx_files: list[Path], outdir: Path) -> dict[Path, Path]:
    """Convert several .docx in one LibreOffice run (start-up is most of the cost). Returns docx -> pdf
    for the ones that came out right; raises PdfError when none did."""
    if not docx_files:
        return {}
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    fonts = resources.files("nianbao.data").joinpath("fonts.conf")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile, resources.as_file(fonts) as fonts_path:
        env = dict(os.environ, FONTCONFIG_FILE=str(fonts_path), HOME=profile)
        try:
            subprocess.run(
                [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", "pdf",
                 "--outdir", str(outdir), *map(str, docx_files)],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                timeout=30 + SECONDS_PER_DOC * len(docx_files), check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfError("LibreOffice 转换 PDF 超时。") from exc
    done: dict[Path, Path] = {}
    for docx in docx_files:
        pdf = outdir / (docx.stem + ".pdf")
        if pdf.is_file():
            data = pdf.read_bytes()
            if data.startswith(b"%PDF") and page_count(data) >= MIN_PAGES:
                done[docx] = pdf
                continue
            pdf.unlink()
    if not done:
        raise PdfError("LibreOffice 没有生成有效的 PDF。")
    return done


def pdf_bytes(docx: bytes, name: str = "report") -> bytes:
    """One document: .docx bytes in, verified PDF bytes out."""
    with tempfile.TemporaryDirectory(prefix="nianbao-pdf-") as tmp:
        src = Path(tmp) / f"{name}.docx"
        src.write_bytes(docx)
        done = convert([src], Path(tmp) / "out")
        return done[src].read_bytes()
