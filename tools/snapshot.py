"""Snapshot every output the examples produce, and compare two snapshots — the check that a refactoring
changed no behaviour. Runs the public CLI only (not the library), so a snapshot taken before a change of
module layout compares with one taken after it.

    python tools/snapshot.py take  /tmp/before     # before the change
    python tools/snapshot.py take  /tmp/after      # after it
    python tools/snapshot.py compare /tmp/before /tmp/after

Office files (.docx, .xlsx) are compared part by part, leaving out docProps/core.xml (creation times);
everything else byte for byte. The exit code is 1 when anything differs.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.xlsx"))
VOLATILE = {"docProps/core.xml"}


def _nianbao(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, check=False)


def _broken_copy(src: Path, dest: Path) -> None:
    """A copy of an example with one error of each common kind, for the check output and the annotated copy."""
    wb = openpyxl.load_workbook(src)
    ws = wb["依申请公开"]
    ws["D6"] = "十二"
    ws["E7"] = -3
    ws["F8"] = 2.5
    wb["主动公开"]["B5"] = None
    wb["总体情况"]["C5"] = "填报区域外的文字"
    wb.save(dest)


def take(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for ex in EXAMPLES:
            stem = ex.stem
            base = out / stem
            r = _nianbao("convert", str(ex), "-o", str(base) + ".docx", "--format", "docx,html,json")
            (out / f"{stem}.convert.txt").write_bytes(
                (r.stdout + r.stderr).replace(str(out).encode(), b"OUT") + f"\nexit {r.returncode}\n".encode()
            )
            r = _nianbao("check", str(ex), "--json")
            (out / f"{stem}.check.json").write_bytes(  # the checkout's path is not an output
                r.stdout.replace(str(ex).encode(), b"EXAMPLE") + f"\nexit {r.returncode}\n".encode())
            broken = Path(tmp) / f"{stem}-broken.xlsx"
            _broken_copy(ex, broken)
            r = _nianbao("check", str(broken), "--json", "--annotate", str(out / f"{stem}-broken.annotated.xlsx"))
            (out / f"{stem}-broken.check.json").write_bytes(
                r.stdout.replace(str(broken).encode(), b"BROKEN") + f"\nexit {r.returncode}\n".encode()
            )
            r = _nianbao("check", str(broken))
            (out / f"{stem}-broken.check.txt").write_bytes(
                (r.stdout + r.stderr).replace(str(broken).encode(), b"BROKEN") + f"\nexit {r.returncode}\n".encode()
            )
            r = _nianbao("convert", str(broken), "--draft", "-o", str(out / f"{stem}-broken.draft.docx"))
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for ex in EXAMPLES:
            shutil.copy(ex, inbox / ex.name)
        _broken_copy(EXAMPLES[0], inbox / "broken.xlsx")
        r = _nianbao("batch", str(inbox), "-o", str(out / "batch"), "--aggregate", "--jobs", "1")
        text = (r.stdout + r.stderr).replace(str(out).encode(), b"OUT").replace(str(inbox).encode(), b"INBOX")
        text = re.sub(rb"\d+\.\d \xe7\xa7\x92", b"N \xe7\xa7\x92", text)  # "用时 0.6 秒": the run's time
        (out / "batch.txt").write_bytes(text + f"\nexit {r.returncode}\n".encode())
        _imports(Path(tmp), out / "import")
    return 0


# the shared reference material beside the checkout (NIANBAO_SHARED for a checkout elsewhere, e.g. a worktree)
SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared")) / "fixtures" / "published"


def _imports(tmp: Path, out: Path) -> None:
    """nianbao import of every published form there is here: the examples as web page, Word file and PDF
    (LibreOffice), and the real published reports beside the checkout (../shared), when present."""
    out.mkdir(parents=True, exist_ok=True)
    sources: list[Path] = []
    for ex in EXAMPLES:
        _nianbao("convert", str(ex), "-o", str(tmp / f"{ex.stem}.docx"), "--format", "docx,html,pdf")
        sources += [p for p in (tmp / f"{ex.stem}.docx", tmp / f"{ex.stem}.html", tmp / f"{ex.stem}.pdf") if p.exists()]
    if SHARED.is_dir():
        sources += sorted(SHARED.glob("*.html")) + sorted((SHARED / "outside").glob("*.pdf"))
    for src in sources:
        name = src.name.replace(".", "_")
        r = _nianbao("import", str(src), "-o", str(out / f"{name}.xlsx"))
        text = (r.stdout + r.stderr).replace(str(out).encode(), b"OUT").replace(str(src.parent).encode(), b"SRC")
        (out / f"{name}.txt").write_bytes(text + f"\nexit {r.returncode}\n".encode())


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n not in VOLATILE}


def _same(a: Path, b: Path) -> bool:
    da, db = a.read_bytes(), b.read_bytes()
    if a.suffix in {".docx", ".xlsx"}:
        return _parts(da) == _parts(db)
    return da == db


VOLATILE_FILES = {"summary.json", "汇总.xlsx", ".nianbao-batch.json"}  # times of the run


def compare(a: Path, b: Path) -> int:
    fa = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    bad = 0
    for rel in sorted(fa ^ fb):
        print(f"only in {'first' if rel in fa else 'second'}: {rel}")
        bad += 1
    for rel in sorted(fa & fb):
        if rel.name in VOLATILE_FILES:
            continue
        if not _same(a / rel, b / rel):
            print(f"differs: {rel}")
            bad += 1
    print(f"{len(fa & fb)} files compared, {bad} differences")
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "take":
        return take(Path(argv[1]))
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
