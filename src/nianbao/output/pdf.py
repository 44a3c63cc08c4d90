"""PDF through LibreOffice, headless: each conversion in its own profile (two conversions sharing one
lose PDFs silently), the packaged font stand-ins so Chinese text is not drawn in one sans font, and every
output verified (exists, is a PDF, has pages)."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from nianbao import NianbaoError

SECONDS_PER_DOC = 60
MIN_PAGES = 2  # title, six sections and three tables never fit one page


# The official fonts the bundled Word template asks for (GB/T 9704: 小标宋 title, 仿宋 body, 黑体 and 楷体 headings)
OFFICIAL_FONTS = ("方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312")


@functools.cache
def stand_ins(fonts: tuple[str, ...] = OFFICIAL_FONTS) -> dict[str, str]:
    """{official font: the font the PDF uses instead} for every official font not installed here, as
    fontconfig (with the packaged stand-ins) resolves it for LibreOffice; empty when all are installed or
    fontconfig is not there to ask."""
    if shutil.which("fc-match") is None:
        return {}
    env = dict(os.environ, FONTCONFIG_FILE=str(resources.files("nianbao.data").joinpath("fonts.conf")))
    out: dict[str, str] = {}
    for font in fonts:
        try:
            got = subprocess.run(["fc-match", "-f", "%{family}", font], env=env, capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return {}
        families = [f.strip() for f in got.split(",") if f.strip()]
        if families and font not in families:
            out[font] = families[0]
    return out


def stand_in_note() -> str:
    """Which official font a PDF made here shows in which other font, and how to install the real ones
    (once per conversion; "" when nothing stands in)."""
    used = stand_ins()
    if not used:
        return ""
    pairs = "，".join(f"{a} → {b}" for a, b in used.items())
    return (f"本机没有安装正式字体，PDF 中用相近的字体代替：{pairs}（Word 版不受影响，在装有这些字体的电脑上打开即是正式字体）。"
            "要让 PDF 也用正式字体，请把字体文件（如“仿宋_GB2312.ttf”“方正小标宋简体.ttf”）复制到 /usr/share/fonts/（Windows 为 C:\\Windows\\Fonts）"
            "后运行 fc-cache -f，再重新生成。")


class PdfError(NianbaoError):
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
