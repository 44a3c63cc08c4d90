"""The roster (报送名单): the units that must report, as the office fills it in Excel — one row a unit under
one header row; only 单位全称 is required, more columns are allowed and kept out of the way."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from nianbao import NianbaoError
from nianbao.workbook.blank import a4_landscape
from nianbao.workbook.layout import AGENCY_TYPES

ROSTER_SHEET = "报送名单"
# the roster's columns, in order, with their widths and what the office writes there
COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("单位全称", 34, "必填：与工作簿“机关全称”一致的全称，如“青山县白沙镇人民政府”"),
    ("机关类型", 16, "人民政府 / 政府部门 / 乡镇街道 / 政府办公厅（室）"),
    ("联系人", 14, "负责年报的同志及电话，如“王明 0571-12345678”"),
    ("邮箱", 30, "发送工作簿的邮箱，可写多个，用逗号或分号隔开"),
    ("别名", 24, "简称或曾用名，用逗号隔开，如“白沙镇、白沙”"),
    ("上级", 20, "可不填：所属的上级单位（地区汇总时使用）"),
)
REQUIRED = "单位全称"
MAX_UNITS = 5000


class RosterError(NianbaoError):
    """The roster cannot be used (Chinese message, naming the sheet and cell)."""


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str = ""
    contact: str = ""
    emails: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    parent: str = ""


@dataclass
class Roster:
    units: list[Unit] = field(default_factory=list)
    source: str = ""

    def unit(self, name: str) -> Unit | None:
        return next((u for u in self.units if u.name == name), None)


def blank_roster() -> bytes:
    """The roster to fill in: the header row, a hint under each column header as a comment-like second
    sheet, 机关类型 as a drop-down; prints on A4, one page wide."""
    wb = Workbook()
    ws: Any = wb.worksheets[0]
    ws.title = ROSTER_SHEET
    for col, (title, width, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(1, col, title)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = width
    kinds = DataValidation(type="list", formula1='"' + ",".join(AGENCY_TYPES) + '"', allow_blank=True)
    ws.add_data_validation(kinds)
    kinds.add(f"B2:B{MAX_UNITS + 1}")
    ws.freeze_panes = "A2"
    a4_landscape(ws, "1:1")
    guide = wb.create_sheet("填写说明")
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 12, 70
    guide["A1"] = "报送名单填写说明：每个应报送年报的单位一行；只有“单位全称”必填。可以增加其他列，程序只读这几列。"
    guide["A1"].font = Font(name="宋体", size=12, bold=True)
    for row, (title, _, hint) in enumerate(COLUMNS, start=3):
        guide.cell(row, 1, title).font = Font(name="宋体", bold=True)
        guide.cell(row, 2, hint)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_SPLIT = re.compile(r"[,，;；、\s]+")


def read_roster(path: Path) -> Roster:
    """The units of a filled roster. Raises RosterError naming the cell: no 单位全称 column, a unit named
    twice, a row with other columns filled but no name, no unit at all."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl on a file that is not a workbook: any failure means unreadable
        raise RosterError(f"报送名单“{path.name}”无法读取（{type(exc).__name__}），请确认是 .xlsx 工作簿") from exc
    try:
        ws = wb.worksheets[0]
        rows = [[_text(v) for v in row] for row in ws.iter_rows(max_row=MAX_UNITS + 1, values_only=True)]
    finally:
        wb.close()
    header = rows[0] if rows else []
    where = {title: header.index(title) for title, _, _ in COLUMNS if title in header}
    if REQUIRED not in where:
        raise RosterError(f"报送名单“{path.name}”的第一个工作表“{ws.title}”第 1 行没有“{REQUIRED}”这一列"
                          f"（应有：{'、'.join(t for t, _, _ in COLUMNS)}）；可用 nianbao roster 生成空白名单")
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for r, row in enumerate(rows[1:], start=2):
        def get(title: str, row: list[str] = row) -> str:
            i = where.get(title)
            return row[i] if i is not None and i < len(row) else ""
        name = re.sub(r"\s+", "", get(REQUIRED))
        if not name:
            if any(get(t) for t, _, _ in COLUMNS):
                raise RosterError(f"报送名单“{ws.title}”第 {r} 行没有填写单位全称")
            continue
        if name in seen:
            raise RosterError(f"报送名单“{ws.title}”第 {r} 行的单位“{name}”与第 {seen[name]} 行重复")
        seen[name] = r
        emails = tuple(e.lower() for e in _SPLIT.split(get("邮箱")) if "@" in e)
        aliases = tuple(a for a in _SPLIT.split(get("别名")) if a)
        units.append(Unit(name, get("机关类型"), get("联系人"), emails, aliases, get("上级")))
    if not units:
        raise RosterError(f"报送名单“{path.name}”中没有单位：请在“{REQUIRED}”一列下逐行填写")
    return Roster(units, str(path))


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
