"""A marked-up copy of the sender's workbook: every finding at its cell (fill + comment in Chinese) and a
校验结果 sheet listing them all, so the report can go back to the sender as is.

The copy is a new file; the original is never written. Macros are not carried over (openpyxl drops
vbaProject.bin unless asked to keep it), so a macro workbook is never re-sent.
"""

from __future__ import annotations

import io
import math
import warnings
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from nianbao.findings import Finding, Level, Report
from nianbao.workbook import layout as L
from nianbao.workbook.blank import a4_landscape

RESULT_SHEET = "校验结果"
FILLS = {
    Level.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Level.WARNING: PatternFill("solid", fgColor="FFEB9C"),
    Level.INFO: PatternFill("solid", fgColor="DDEBF7"),
}
ACKNOWLEDGED_FILL = PatternFill("solid", fgColor="E7E6E6")  # a warning explained on the 说明 sheet
# widths (Excel's character units) that print on A4 landscape at about 100 %: 问题 wraps, nothing shrinks
COLUMNS = (("级别", 8), ("位置", 16), ("问题", 72), ("应为", 12), ("实际", 16), ("代码", 20))


def _comment_text(findings: list[Finding]) -> str:
    return "\n".join(f"【{f.level.zh}{'（已说明）' if f.acknowledged else ''}】{f.message}" for f in findings)


def _height(text: str, width: float) -> float:
    """Row height (pt) that shows all of a wrapped text in a column of this width (Excel's units: a
    Chinese character takes two)."""
    lines = sum(max(1, math.ceil(sum(2 if ord(ch) > 0x2E80 else 1 for ch in part) / max(width - 2, 1))) for part in text.split("\n"))
    return 15.0 * lines + 3


def _fill(f: Finding) -> PatternFill:
    return ACKNOWLEDGED_FILL if f.acknowledged else FILLS[f.level]


def annotated_bytes(src: Path, report: Report) -> bytes:
    """The annotated workbook as bytes (the caller writes it atomically)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(src)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in report.findings + report.details:  # folded findings too: every cell is marked
        if f.sheet is not None and f.sheet in wb.sheetnames and f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    for (sheet, ref), findings in by_cell.items():
        cell = wb[sheet][ref]
        if type(cell).__name__ == "MergedCell":  # inside a merge: mark its top-left cell
            for rng in wb[sheet].merged_cells.ranges:
                if ref in rng:
                    cell = wb[sheet].cell(rng.min_row, rng.min_col)
                    break
        worst = min(findings, key=lambda f: (bool(f.acknowledged), list(Level).index(f.level)))
        cell.fill = _fill(worst)
        comment = Comment(_comment_text(findings), "nianbao")
        comment.width, comment.height = 320, 40 + 40 * len(findings)
        cell.comment = comment

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]  # a re-sent annotated copy: replace the old list
    ws = wb.create_sheet(RESULT_SHEET, 0)
    ws[L.TITLE_CELL] = f"校验结果：{report.summary()}" + ("（可以生成报告）" if report.ok else "（请修改标红的单元格后重新发送）")
    ws[L.TITLE_CELL].font = Font(name="宋体", size=14, bold=True)
    for col, (title, width) in enumerate(COLUMNS, start=1):
        head = ws.cell(2, col, title)
        head.font = Font(name="宋体", size=11, bold=True)
        ws.column_dimensions[head.column_letter].width = width
    ordered = sorted(report.findings + report.details, key=lambda f: list(Level).index(f.level))  # errors first
    for row, f in enumerate(ordered, start=3):
        values = (f.level.zh + ("（已说明）" if f.acknowledged else ""), f.position,
                  f.message + (f"\n说明：{f.acknowledged}" if f.acknowledged else ""), f.expected, f.actual, f.code)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, "" if value is None else str(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row, 1).fill = _fill(f)
        ws.row_dimensions[row].height = _height(str(values[2]), COLUMNS[2][1])  # the whole 问题, not its first line
        if f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(row, 2)
            link.hyperlink = f"#'{f.sheet}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = ws.cell(3, 1).coordinate  # below the title and the column headers
    a4_landscape(ws, "2:2")  # A4, one page wide, the column headers on every page
    for marked in {sheet for sheet, _ in by_cell}:
        wb[marked].page_setup.cellComments = "atEnd"  # printed, the marked sheets' comments follow them
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
