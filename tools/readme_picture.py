"""Regenerate the README's picture: the first page with a statistics table, from the Pingtan example.

    python tools/readme_picture.py      (needs LibreOffice and poppler-utils)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preview import to_pdf, to_png

from nianbao.apps.cli import main as nianbao

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "report-tables.png"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        docx = out / "pingtan.docx"
        if nianbao(["convert", str(ROOT / "examples" / "平潭综合实验区2024.xlsx"), "-o", str(docx)]) != 0:
            return 1
        pdf = to_pdf(docx, out)
        page = 1
        while True:
            text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            if "申请人情况" in text or page > 10:
                break
            page += 1
        png = to_png(pdf, out, 80, page, page)[0]
        TARGET.parent.mkdir(exist_ok=True)
        shutil.copyfile(png, TARGET)
    print(f"{TARGET} (page {page})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
