"""Render a .docx to PDF (LibreOffice, with the packaged font stand-ins) and to PNG pages (pdftoppm),
to look at what the converter makes.

    python tools/preview.py 报告.docx [输出目录] [--dpi 80]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path


def to_pdf(docx: Path, outdir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (soffice) is not installed")
    fonts = resources.files("nianbao.data").joinpath("fonts.conf")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile:
        env = dict(os.environ, FONTCONFIG_FILE=str(fonts))
        # Each conversion gets its own profile: two conversions sharing one lose PDFs silently.
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
        )
    pdf = outdir / (docx.stem + ".pdf")
    if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
        raise SystemExit(f"no PDF was produced for {docx}")
    return pdf


def to_png(pdf: Path, outdir: Path, dpi: int, first: int | None = None, last: int | None = None) -> list[Path]:
    prefix = outdir / pdf.stem
    cmd = ["pdftoppm", "-png", "-r", str(dpi)]
    if first:
        cmd += ["-f", str(first)]
    if last:
        cmd += ["-l", str(last)]
    subprocess.run(cmd + [str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(outdir.glob(pdf.stem + "-*.png"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("docx", type=Path)
    ap.add_argument("outdir", type=Path, nargs="?", default=Path("out"))
    ap.add_argument("--dpi", type=int, default=80)
    args = ap.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    pdf = to_pdf(args.docx, args.outdir)
    for png in to_png(pdf, args.outdir, args.dpi):
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
