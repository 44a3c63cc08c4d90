"""报送情况.xlsx: one row per roster unit — its status in plain Chinese, the file that counts, when it came,
errors and warnings, the first problem to fix, who to call — and the files that fit no unit. Prints on A4,
one page wide, its header repeated on every page."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from nianbao.season.status import Season
from nianbao.workbook.blank import a4_landscape, wrapped_lines

SHEET_NAME = "报送情况.xlsx"
FILL = {"not_submitted": "D9D9D9", "unreadable": "F4B183", "errors": "FFC7CE", "wrong_year": "FFEB9C", "ok": "C6EFCE"}
COLUMNS = [("序号", 5), ("单位全称", 24), ("状态", 8), ("计入汇总的文件", 24), ("收到时间", 11), ("错误", 5), ("警告", 5),
           ("首要问题", 44), ("联系人", 22), ("其他版本", 22)]
_THIN = Side(style="thin", color="808080")


def season_sheet(season: Season) -> bytes:
    wb = Workbook()
    ws: Any = wb.worksheets[0]
    ws.title = "报送情况"
    ws["A1"] = f"{season.year}年度政府信息公开工作年度报告报送情况：{season.headline()}"
    ws["A1"].font = Font(name="宋体", size=12, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    for col, (title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(2, col, title)
        cell.font = Font(name="宋体", size=9, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
        ws.column_dimensions[cell.column_letter].width = width
    order = sorted(season.units, key=lambda u: (list(FILL).index(u.status), u.unit.name))
    for n, state in enumerate(order, start=1):
        counted = state.counted
        others = [f"{r.path}（较早）" for r in state.superseded] + [f"{r.path}（{r.year}年度，不计入）" for r in state.other_years]
        contact = "；".join(x for x in (state.unit.contact, "、".join(state.unit.emails)) if x)
        values: list[Any] = [n, state.unit.name, state.label + ("（已指定）" if state.pinned else ""),
                             counted.path if counted else "", _day(state.received), counted.errors if counted else None,
                             counted.warnings if counted else None, state.problem(season.year), contact, "\n".join(others)]
        _row(ws, n + 2, values)
        ws.cell(n + 2, 3).fill = PatternFill("solid", fgColor=FILL[state.status])
    if season.unmatched:
        row = len(order) + 4
        ws.cell(row, 1, "以下文件没有对应到名单中的单位（或对应到多个单位），请人工确认：").font = Font(name="宋体", size=10, bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
        for n, (rec, candidates) in enumerate(season.unmatched, start=1):
            fits = "可能是：" + "、".join(u.name for u in candidates) if candidates else "名单中没有这个单位"
            _row(ws, row + n, [n, rec.agency or "（未识别）", "未对应", rec.path, _day(rec.received), rec.errors, rec.warnings,
                               rec.first, rec.sender, fits])
    ws.freeze_panes = "A3"
    a4_landscape(ws, "2:2")
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(ws: Any, row: int, values: list[Any]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col, value)
        cell.font = Font(name="宋体", size=9)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
    # a row as tall as its longest wrapped text (neither Excel nor LibreOffice sizes rows a program wrote)
    lines = max(wrapped_lines("" if v is None else str(v), width) for v, (_, width) in zip(values, COLUMNS))
    ws.row_dimensions[row].height = 12.0 * lines + 2


def _day(iso: str | None) -> str:
    """"2025-01-18T09:30:00+08:00" as 01-18 09:30: the season's year goes without saying."""
    if not iso:
        return ""
    return iso[5:16].replace("T", " ")
