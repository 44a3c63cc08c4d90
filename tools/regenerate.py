"""Regenerate every generated file that is committed: the blank workbook, the Word template (root copy
and the packaged one), and the example workbooks. Tests fail when a committed copy drifts.

    python tools/regenerate.py
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from nianbao.docs import CODES_BEGIN, CODES_END, codes_table, replace_between
from nianbao.doctemplate import build_doc_template
from nianbao.io import atomic_write_bytes
from nianbao.workbook import write_template

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    write_template(ROOT / "workbook_template.xlsx", "2021")
    docx = build_doc_template()
    atomic_write_bytes(ROOT / "doc_template.docx", docx)
    atomic_write_bytes(ROOT / "src" / "nianbao" / "data" / "doc_template.docx", docx)
    runpy.run_path(str(ROOT / "examples" / "make_examples.py"))["main"]([""])
    readme = ROOT / "README.md"
    readme.write_text(replace_between(readme.read_text("utf-8"), CODES_BEGIN, CODES_END, codes_table()), "utf-8")
    print("regenerated: workbook_template.xlsx, doc_template.docx, src/nianbao/data/doc_template.docx, examples/, README.md code list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
