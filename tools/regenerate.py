"""Regenerate every generated file that is committed: the blank workbook, the Word template (root copy
and the packaged one), the example workbooks, the web API's OpenAPI description and the README's code list. Tests fail when a committed copy
drifts. A file whose content is unchanged is left alone (zip timestamps alone would churn the history).

    python tools/regenerate.py
"""

from __future__ import annotations

import io
import runpy
import sys
import zipfile
from pathlib import Path

from nianbao.files import atomic_write_bytes
from nianbao.output.doctemplate import build_doc_template
from nianbao.workbook.blank import build_workbook, workbook_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tools beside this one
from readme_codes import CODES_BEGIN, CODES_END, codes_table, replace_between  # found through the path above

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = {"docProps/core.xml"}  # creation/modification times


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n not in VOLATILE}


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and _parts(path.read_bytes()) == _parts(data):
        return False
    atomic_write_bytes(path, data)
    return True


def openapi_json() -> str:
    import json

    from nianbao.apps.web.app import WebSettings, create_app

    app = create_app(WebSettings(jobs=1))  # the pool and the data folder start only with the server
    return json.dumps(app.openapi(), ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    outputs: dict[Path, bytes] = {ROOT / "workbook_template.xlsx": workbook_bytes(build_workbook("2021"))}
    docx = build_doc_template()
    outputs[ROOT / "doc_template.docx"] = docx
    outputs[ROOT / "src" / "nianbao" / "data" / "doc_template.docx"] = docx
    examples = runpy.run_path(str(ROOT / "examples" / "make_examples.py"))
    for name, make in examples["EXAMPLES"].items():
        outputs[ROOT / "examples" / name] = make()
    for path, data in outputs.items():
        print(("written  " if write_if_changed(path, data) else "unchanged") + f" {path.relative_to(ROOT)}")
    openapi = ROOT / "docs" / "openapi.json"
    openapi.write_text(openapi_json(), "utf-8")
    print(f"written   {openapi.relative_to(ROOT)}")
    readme = ROOT / "README.md"
    readme.write_text(replace_between(readme.read_text("utf-8"), CODES_BEGIN, CODES_END, codes_table()), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
