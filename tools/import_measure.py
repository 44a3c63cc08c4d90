"""How well `nianbao import` reads the real published reports beside the checkout: every figure against the
figures read by hand (exact / empty / wrong), and the narrative's characters placed against those in the
source, section by section. The source's characters are counted independently of nianbao's readers:
poppler's pdftotext for a PDF, the page's whole text for HTML, split at the lines that open "一、" … "六、".

    python tools/import_measure.py            # ../shared/fixtures/published (or NIANBAO_SHARED)

Prints one line a report and a total; exit 0 (a measurement, not a test).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from nianbao.form.model import Form  # noqa: E402  (the checkout's own package)
from nianbao.published.importer import import_report  # noqa: E402
from nianbao.published.source import SourceError  # noqa: E402

SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared")) / "fixtures"
CJK = re.compile(r"[\u4e00-\u9fff]")
SECTION = re.compile(r"^\s*([一二三四五六])\s*[、.．]")


def expected_cells(form: Form, spec: dict) -> dict[tuple[str, str], object]:
    """The hand-read figures of a fixture YAML, by (table name, cell ref)."""
    out: dict[tuple[str, str], object] = {}
    for name, table in form.tables.items():
        for ref in table.numeric:
            rows, cols = table.label_path(ref)
            value: object = "absent"
            if name == "table2":
                item = spec.get("section2", {}).get(cols[0], {})
                if rows[-1] in item and cols[-1] in item.get("columns", []):
                    value = item[rows[-1]][item["columns"].index(cols[-1])]
            elif name == "table3":
                s3 = spec.get("section3", {})
                for row in s3.get("rows", []):
                    if row["values"] and row["label"] == rows[-1] and (len(rows) < 2 or row["group"].endswith(rows[-2])) \
                            and cols[-1] in s3["columns"]:
                        value = row["values"][s3["columns"].index(cols[-1])]
            else:
                s4 = spec.get("section4", {})
                path = "/".join(cols)
                if path in s4.get("columns", []):
                    value = s4["values"][s4["columns"].index(path)]
            if value != "absent":  # a decimal as the importer gives it (96171.6 read by YAML as a float)
                out[(name, ref)] = Decimal(str(value)) if isinstance(value, float) else value
    return out


def source_text(path: Path) -> str:
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    import lxml.html

    root = lxml.html.fromstring(path.read_bytes())
    for bad in root.xpath("//script|//style|//table"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def source_sections(text: str) -> dict[str, int]:
    """CJK characters under each section heading (the heading line itself left out), 一, 五 and 六."""
    counts: dict[str, int] = {}
    current = None
    for line in text.splitlines():
        m = SECTION.match(line)
        if m and (current is None or "一二三四五六".index(m.group(1)) > "一二三四五六".index(current)):
            current = m.group(1)
            counts.setdefault(current, 0)
            continue
        if current == "六" and re.search(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$", line):
            break  # the signature's date: the article ends (a site's footer may follow)
        if current is not None:
            counts[current] += len(CJK.findall(line))
    return {k: v for k, v in counts.items() if k in "一五六"}


def placed_sections(imported: object) -> dict[str, int]:
    def count(blocks: list[tuple[str, str]]) -> int:
        return sum(len(CJK.findall(h + t)) for h, t in blocks)
    other = "".join(str(v) for v in imported.other.values() if isinstance(v, str))  # type: ignore[attr-defined]
    return {"一": count(imported.general), "五": count(imported.problems),  # type: ignore[attr-defined]
            "六": len(CJK.findall(other))}


def measure(path: Path, spec: dict) -> dict[str, object]:
    try:
        imported = import_report(path)
    except SourceError as exc:
        return {"refused": str(exc)}
    wanted = expected_cells(imported.form, spec)
    exact = empty = wrong = 0
    wrong_cells = []
    for (name, ref), value in wanted.items():
        got = imported.figures.get(name, {}).get(ref, "missing")
        if value is None:
            continue  # the source prints nothing there
        if got is None or got == "missing":
            empty += 1
        elif float(got) == float(value):  # type: ignore[arg-type]
            exact += 1
        else:
            wrong += 1
            wrong_cells.append(f"{name}!{ref} {got}≠{value}")
    return {"figures": (exact, empty, wrong), "wrong": wrong_cells, "source": source_sections(source_text(path)),
            "placed": placed_sections(imported), "codes": sorted({f.code for f in imported.findings}),
            "fees": (imported.other.get("fee_notices"), imported.other.get("fee_billed"), imported.other.get("fee_collected")),
            "blocks": (len(imported.general), len(imported.problems))}


def main() -> int:
    cases: list[tuple[Path, dict]] = []
    pingtan = SHARED / "published" / "pingtan-2024.html"
    if pingtan.exists():
        cases.append((pingtan, yaml.safe_load((SHARED / "pingtan-2024.yaml").read_text(encoding="utf-8"))))
    for spec in sorted((SHARED / "published" / "outside").glob("*.yaml")):
        pdf = spec.with_suffix(".pdf")
        if pdf.exists():
            cases.append((pdf, yaml.safe_load(spec.read_text(encoding="utf-8"))))
    totals = [0, 0, 0]
    for path, spec in cases:
        r = measure(path, spec)
        if "refused" in r:
            print(f"{path.name}: refused — {r['refused']}")
            continue
        for i, n in enumerate(r["figures"]):  # type: ignore[arg-type]
            totals[i] += n
        exact, empty, wrong = r["figures"]  # type: ignore[misc]
        chars = "  ".join(f"{k} {r['placed'].get(k, 0)}/{v}" for k, v in r["source"].items())  # type: ignore[union-attr]
        print(f"{path.name}: figures exact {exact}, empty {empty}, wrong {wrong}; text placed/source {chars}; "
              f"fees {r['fees']}; blocks 一 {r['blocks'][0]} 五 {r['blocks'][1]}; codes {', '.join(r['codes'])}")  # type: ignore[index]
        for w in r["wrong"]:  # type: ignore[attr-defined]
            print(f"    wrong: {w}")
    print(f"total: exact {totals[0]}, empty {totals[1]}, wrong {totals[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
