"""One published report as the evaluator sees it: imported (in its sandbox child), its workbook checked
like any other, and every finding given its evidence — the sentence quoted, or the table, row and column
as published with the text printed there."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.conversion import check, figures_of, import_workbook
from nianbao.findings import Finding
from nianbao.form.cells import cell_ref, parse_cell
from nianbao.published import PUBLISHED_SUFFIXES
from nianbao.published.placement import Origin
from nianbao.workbook import layout as L
from nianbao.workbook.model import Submission


@dataclass
class Evidenced:
    """A finding of one report, JSON-ready, with what shows it."""

    code: str
    level: str
    message: str
    evidence: str = ""  # the quoted sentence, or the cell as published
    where: str = ""  # where in the source: section and paragraph, or table, row and column

    @classmethod
    def of(cls, f: Finding, evidence: str = "", where: str = "") -> Evidenced:
        return cls(f.code, f.level.value, f.message, evidence, where)


@dataclass
class Audited:
    """One source file and what the audit made of it."""

    source: str  # relative to the folder audited
    sha256: str = ""
    readable: bool = False
    why: str = ""  # why it could not be read
    agency: str = ""
    agency_type: str = ""
    year: int | None = None
    form: str = ""
    findings: list[Evidenced] = field(default_factory=list)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (section, paragraph) of 一, 五, 六 as published
    figures: dict[str, dict[str, str]] = field(default_factory=dict)
    previous_of: str = ""  # cross: last year's report of the same unit (its source), when found
    similarity_previous: float | None = None  # share of this year's text found in last year's
    similarity_other: float | None = None  # the highest share shared with another unit's report


_QUOTE = re.compile(r"原句：“(.+?)”")
SECTION_NAMES = {L.SHEET_GENERAL: "一、总体情况", L.SHEET_PROBLEMS: "五、存在的主要问题及改进情况", L.SHEET_OTHER: "六、其他需要报告的事项"}


def audit_file(display: str, path: Path, sha256: str = "") -> Audited:
    """Never raises for a bad file: an unreadable one is an Audited with readable False and why."""
    out = Audited(display, sha256)
    if path.suffix.lower() not in PUBLISHED_SUFFIXES:
        out.why = f"不是网页、Word 或 PDF 文件（{path.suffix or '无扩展名'}）"
        return out
    imported, book, why = import_workbook(path)
    if imported is None:
        out.why = why
        return out
    with tempfile.TemporaryDirectory(prefix="nianbao-audit-") as tmp:
        copy = Path(tmp) / "report.xlsx"
        copy.write_bytes(book)
        sub, report = check(copy)
    if sub is None:
        out.why = report.findings[0].message if report.findings else "读取失败"
        return out
    out.readable = True
    out.agency, out.agency_type, out.year, out.form = sub.meta.agency, sub.meta.agency_type, sub.meta.year, sub.form.id
    out.figures = figures_of(sub)
    texts = _paragraph_cells(sub)
    out.paragraphs = [(SECTION_NAMES.get(cell.split("!")[0], ""), text) for cell, text in texts.items()]
    origins = imported.origins
    unread_six = any(f.sheet == L.SHEET_OTHER for f in imported.findings)
    for f in imported.findings + report.findings:
        if unread_six and f.code == "value-blank" and f.sheet == sub.sheet(L.SHEET_OTHER):
            continue  # the fees the importer could not read: its own finding says so, once
        out.findings.append(_evidenced(f, sub, texts, origins))
    return out


def _paragraph_cells(sub: Submission) -> dict[str, str]:
    """`Sheet!cell` -> paragraph, for every paragraph of 一, 五 and 六 (a cell with several holds them joined)."""
    cells: dict[str, str] = {}
    for narrative in (sub.general, sub.problems):
        for block in narrative.blocks:
            for cell, para in zip(block.cells, block.paragraphs):
                at = f"{narrative.sheet}!{cell}"
                cells[at] = f"{cells[at]}\n{para}" if at in cells else para
    for key, paras in sub.other.items.items():
        ref = sub.other.cells.get(key)
        if ref:
            cells[f"{sub.sheet(L.SHEET_OTHER)}!{ref}"] = "\n".join(paras)
    return cells


def _evidenced(f: Finding, sub: Submission, texts: dict[str, str], origins: dict[tuple[str, str], Origin]) -> Evidenced:
    quoted = _QUOTE.search(f.message)
    if f.sheet in SECTION_NAMES and f.cell:
        text = texts.get(f"{f.sheet}!{f.cell}", "")
        paras = [t for t in texts if t.startswith(f"{f.sheet}!")]
        number = paras.index(f"{f.sheet}!{f.cell}") + 1 if f"{f.sheet}!{f.cell}" in paras else None
        where = SECTION_NAMES[f.sheet] + (f" 第 {number} 段" if number else "")
        return Evidenced.of(f, quoted.group(1) if quoted else _cut(text), where)
    table = next((name for name, sheet in L.TABLE_SHEETS.items() if sub.sheet(sheet) == f.sheet), None)
    if table is not None and f.cell:
        ref = _form_cell(sub, table, f.cell)
        origin = origins.get((table, ref)) if ref else None
        section = next((s.heading for s in sub.form.sections if s.table == table), "")
        if origin is not None:
            column = f"第 {origin.column + 1} 列" if origin.column is not None else ""
            return Evidenced.of(f, f"印作“{origin.text}”" if origin.text else "此格为空",
                                f"{section}：原文第 {origin.table + 1} 个表格第 {origin.row + 1} 行{column}")
        return Evidenced.of(f, "原文中没有读到这一格" if f.code == "value-blank" else "", section)
    return Evidenced.of(f, quoted.group(1) if quoted else "", "")


def _form_cell(sub: Submission, table: str, sheet_cell: str) -> str | None:
    """The form cell of a sheet cell of a table (the imported workbook has no inserted rows)."""
    r, c = parse_cell(sheet_cell)
    rows = sub.rows.get(table)
    if rows:
        form_row = next((fr for fr, sr in rows.items() if sr == r), None)
        return cell_ref(form_row, c) if form_row is not None else None
    return cell_ref(r - L.TABLE_TOP + 1, c)


def _cut(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
