"""The region's own figures: every figure of tables 二/三/四 and 六's fees as the sum of its units (which
units are in the sum, and why any are not, said once), the region's workbook written from that sum, and a
region's report — its workbook or its published page — checked against it cell by cell."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from nianbao.checks.arithmetic import broken_relations, relation_finding
from nianbao.conversion import FEES_KEY
from nianbao.findings import Finding, Level
from nianbao.form.model import Form, NumKind, form_for_year, load_form
from nianbao.season.units import UnitFigures, Units
from nianbao.workbook import layout as L
from nianbao.workbook.blank import a4_landscape, fit_to_width, row_height, workbook_bytes
from nianbao.workbook.fill import filled_workbook
from nianbao.workbook.model import Submission
from nianbao.workbook.values import Number, as_kind, format_number

SHEET_UNITS, SHEET_UNIT_FIGURES = L.SHEET_REGION_UNITS, L.SHEET_REGION_FIGURES
FEE_LABELS = {f.key: f.label for f in L.FEE_FIELDS}
_NAMED = 5  # units named by name in one message; the rest are counted


@dataclass
class RegionSum:
    form: Form
    year: int
    included: list[UnitFigures]
    left_out: list[tuple[UnitFigures, str]]  # and why, in the office's words
    values: dict[str, dict[str, Number]] = field(default_factory=dict)  # table | FEES_KEY -> cell | field -> sum
    roster: bool = True  # the units are a roster's: a unit left out is known to be missing

    @property
    def complete(self) -> bool:
        return not self.left_out

    def scope(self) -> str:
        """各单位之和（37 个单位）, or with the units left out counted."""
        text = f"{len(self.included)} 个单位"
        return text + (f"，另有 {len(self.left_out)} 个单位未计入" if self.left_out else "")


def _plain(problem: str) -> str:
    """A problem line (错误 依申请公开!D6 [code] message) as its message, short enough for a list."""
    text = re.sub(r"^\S+(?: \S+)? \[[a-z0-9-]+\] ", "", problem)
    return text if len(text) <= 60 else text[:59] + "…"


def _why_not(unit: UnitFigures, form: Form, year: int, exclude: set[str], exclude_errors: bool) -> str:
    if unit.status == "not_submitted":
        return "未报送"
    if unit.status == "wrong_year":
        return f"只报送了其他年度的工作簿（{unit.problem}）" if unit.problem else "年度不符"
    if unit.status == "unreadable" or not unit.figures:
        return "文件无法读取" + (f"（{_plain(unit.problem)}）" if unit.problem else "")
    if unit.name in exclude:
        return "按要求不计入"
    if unit.status == "errors" and exclude_errors:
        return "有错误，按要求不计入" + (f"（{_plain(unit.problem)}）" if unit.problem else "")
    if unit.year not in (year, None):
        return f"报告年度为 {unit.year}"
    if unit.form and unit.form != form.id:
        return f"使用 {unit.form} 版表格"
    unread = unit.unread(form)
    if unread:
        return f"有 {len(unread)} 格数字无法读取（{'、'.join(unread[:3])}{'等' if len(unread) > 3 else ''}）"
    return ""


def region_sum(units: Units, exclude: set[str] | frozenset[str] = frozenset(), exclude_errors: bool = False) -> RegionSum:
    """The units' figures summed cell by cell. A unit with errors is in the sum (its figures are what it
    reported) unless it is named in exclude, or exclude_errors; a unit without every figure never is."""
    form = form_for_year(units.year) or load_form("2021")
    included: list[UnitFigures] = []
    left_out: list[tuple[UnitFigures, str]] = []
    for unit in units.units:
        why = _why_not(unit, form, units.year, set(exclude), exclude_errors)
        if why:
            left_out.append((unit, why))
        else:
            included.append(unit)
    rs = RegionSum(form, units.year, included, left_out, roster=units.roster)
    for name, table in form.tables.items():
        rs.values[name] = {ref: as_kind(sum((u.values(name)[ref] for u in included), Decimal(0)), kind)
                           for ref, kind in table.numeric.items()}
    if form.fees_in_six:
        fees: dict[str, Number] = {}
        for f in L.FEE_FIELDS:
            parts = [u.figures.get(FEES_KEY, {}).get(f.key) for u in included]
            if all(p is not None for p in parts):
                fees[f.key] = as_kind(sum((Decimal(p) for p in parts if p is not None), Decimal(0)),
                                     NumKind.INT_GE0 if f.kind == "int" else NumKind.DECIMAL_GE0)
        rs.values[FEES_KEY] = fees
    return rs


def relation_findings(rs: RegionSum) -> list[Finding]:
    """The form's relations on the sum; a broken one names the units whose own figures break it."""
    found: list[Finding] = []
    for name, table in rs.form.tables.items():
        sheet = L.TABLE_SHEETS[name]
        sums: dict[str, Number | None] = dict(rs.values[name])
        for rel, left, right in broken_relations(table, sums):
            base = relation_finding(table, sheet, L.to_sheet, rel, left, right)
            culprits = [u.name for u in rs.included
                        if any(r is rel for r, _, _ in broken_relations(table, dict(u.values(name))))]
            who = f"；各单位中自身即不符的：{_names(culprits)}" if culprits else ""
            found.append(Finding.of("region-relation-broken", f"各单位之和{base.message}{who}", sheet, base.cell,
                                    expected=base.expected, actual=base.actual))
    return found


def _names(names: list[str]) -> str:
    shown = "、".join(names[:_NAMED])
    return shown + (f" 等 {len(names)} 个单位" if len(names) > _NAMED else "")


def left_out_finding(rs: RegionSum) -> Finding | None:
    if not rs.left_out:
        return None
    listed = "；".join(f"{u.name}（{why}）" for u, why in rs.left_out[:20])
    more = f"；等 {len(rs.left_out)} 个" if len(rs.left_out) > 20 else ""
    return Finding.of("region-units-missing", f"未计入各单位之和的 {len(rs.left_out)} 个单位：{listed}{more}")


# --- the region's workbook ---------------------------------------------------------------------------

def region_workbook(rs: RegionSum, agency: str, agency_type: str) -> bytes:
    """A filled workbook of the form for the region: every figure the sum of its units (totals stay the
    template's formulas), the fees of 六, the narrative sheets left for the office to write; two protected
    sheets say which units are in the sum and what each reported."""
    figures = {name: {ref: v for ref, v in rs.values[name].items() if ref not in table.totals}
               for name, table in rs.form.tables.items()}
    meta = {"agency": agency, "agency_type": agency_type, "year": rs.year, "form": rs.form.id}
    wb = filled_workbook(rs.form.id, meta, figures, other=dict(rs.values.get(FEES_KEY, {})))
    _restore_presets(wb)
    after = wb.sheetnames.index(L.SHEET_NOTES) + 1
    _units_sheet(wb.create_sheet(SHEET_UNITS, after), rs, agency)
    _figures_sheet(wb.create_sheet(SHEET_UNIT_FIGURES, after + 1), rs)
    return workbook_bytes(wb)


def _restore_presets(wb: Workbook) -> None:
    """filled_workbook empties the narrative lists when given none; the region's office starts from the
    blank workbook's sub-headings like any unit."""
    for spec in L.NARRATIVE_LISTS:
        ws = wb[spec.sheet]
        for i, heading in enumerate(spec.presets):
            ws.cell(L.LIST_FIRST_ROW + i, 1).value = heading


def _title(ws: Worksheet, text: str, ncols: int) -> None:
    title = ws.cell(1, 1, text)
    title.font = Font(name="宋体", size=12, bold=True)
    title.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 36


def _header(ws: Worksheet, row: int, titles: list[str]) -> None:
    for c, title in enumerate(titles, start=1):
        cell = ws.cell(row, c, title)
        cell.font = Font(name="宋体", bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _units_sheet(ws: Worksheet, rs: RegionSum, agency: str) -> None:
    _title(ws, f"{agency}{rs.year}年度统计数字的汇总范围：下列“计入”的 {len(rs.included)} 个单位之和"
               + (f"（另有 {len(rs.left_out)} 个单位未计入，原因见右）" if rs.left_out else "")
               + "。本表仅供核对，不进入报告。", 6)
    _header(ws, 2, ["序号", "单位", "机关类型", "报送情况", "是否计入", "说明"])
    why = {id(u): w for u, w in rs.left_out}
    for n, unit in enumerate(rs.included + [u for u, _ in rs.left_out], start=1):
        ws.append([n, unit.name, unit.kind, unit.label, "否" if id(unit) in why else "计入",
                   why.get(id(unit), unit.problem if unit.status == "errors" else "")])
        for c in range(1, 7):
            ws.cell(ws.max_row, c).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = max(row_height(unit.name, 34), row_height(str(ws.cell(ws.max_row, 6).value or ""), 60))
    for col, width in zip("ABCDEF", (6, 34, 14, 10, 9, 60)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(3, 1).coordinate  # below the title and the header
    a4_landscape(ws, "2:2")
    _reference_only(ws)


def _figures_sheet(ws: Worksheet, rs: RegionSum) -> None:
    """One row a figure (its table, cell and labels), the sum, then one column a unit in the sum."""
    units = rs.included
    _title(ws, f"各单位的统计数字（{rs.year}年度）：“合计”即本工作簿各表所填，逐格等于右侧各单位之和。本表仅供核对，不进入报告。",
           min(6, 5 + len(units)))
    _header(ws, 2, ["表格", "单元格", "项目", "栏目", "合计"] + [u.name for u in units])
    for name, table in rs.form.tables.items():
        sheet = L.TABLE_SHEETS[name]
        for ref in table.numeric:
            rows, cols = table.label_path(ref)
            ws.append([sheet, L.to_sheet(ref), " / ".join(rows), " / ".join(cols), rs.values[name][ref]]
                      + [u.values(name)[ref] for u in units])
    for f in L.FEE_FIELDS if rs.form.fees_in_six else ():
        ws.append([L.SHEET_OTHER, f"B{L.field_row(L.SECTION6_FIELDS, f.key)}", f.label, "", rs.values.get(FEES_KEY, {}).get(f.key)]
                  + [_fee(u, f.key) for u in units])
    for col, width in (("A", 10), ("B", 8), ("C", 36), ("D", 30), ("E", 10)):
        ws.column_dimensions[col].width = width
    for c in range(6, 6 + len(units)):
        ws.column_dimensions[get_column_letter(c)].width = 12
    for r in range(3, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).alignment = Alignment(wrap_text=c <= 4, vertical="top")
        # the labels wrap: the row as tall as its longer label (no spreadsheet sizes rows it did not lay out)
        ws.row_dimensions[r].height = max(row_height(str(ws.cell(r, 3).value or ""), 36), row_height(str(ws.cell(r, 4).value or ""), 30))
    ws.freeze_panes = ws.cell(3, 6).coordinate  # the labels and the sum stay in view
    a4_landscape(ws, "2:2")
    if len(units) <= 8:  # else the sheet prints across pages, columns A-E repeated on each
        fit_to_width(ws)
    ws.print_title_cols = "A:E"
    _reference_only(ws)


def _fee(unit: UnitFigures, key: str) -> Number | None:
    text = unit.figures.get(FEES_KEY, {}).get(key)
    return Decimal(text) if text is not None else None


def _reference_only(ws: Worksheet) -> None:
    ws.protection.sheet = True  # a reference, not a place to write: the report reads the form's sheets
    ws.sheet_properties.tabColor = "BFBFBF"


# --- a region's report against its units -------------------------------------------------------------

def compare(region: Submission, rs: RegionSum) -> list[Finding]:
    """Every figure of tables 二/三/四 (and 六's fees) of the region's report against the units' sum, at the
    report's own cell. A difference is an error when every unit is in the sum, else a warning (the units
    not in it may explain it); the units left out are one finding of their own."""
    level = Level.WARNING if rs.left_out else Level.ERROR
    found: list[Finding] = []
    for name, table in rs.form.tables.items():
        if name not in region.readable:
            continue
        printed: dict[str, Number | None] = {**region.figures.get(name, {}), **region.mistyped.get(name, {})}  # totals as printed
        diffs = {ref: Decimal(v) - Decimal(rs.values[name][ref]) for ref, v in printed.items() if v is not None and ref in table.numeric}
        for ref in table.numeric:
            actual, expected = printed.get(ref), rs.values[name][ref]
            if actual is None or not diffs.get(ref) or _explained(ref, table.totals.get(ref), diffs):
                continue
            sheet, cell = region.position(name, ref).split("!")
            contributors: list[tuple[Decimal, str]] = sorted(((u.values(name)[ref], u.name) for u in rs.included if u.values(name)[ref]),
                                  key=lambda x: (-x[0], x[1]))
            found.append(_mismatch(table.describe(ref), sheet, cell, expected, actual, contributors, rs, level))
    if rs.form.fees_in_six and region.form.fees_in_six:
        for f in L.FEE_FIELDS:
            fee: Number | None = getattr(region.other, f.key)
            wanted = rs.values.get(FEES_KEY, {}).get(f.key)
            if fee is None or wanted is None or Decimal(fee) == Decimal(wanted):
                continue
            at = region.other.cells.get(f.key) or f"B{L.field_row(L.SECTION6_FIELDS, f.key)}"
            contributors = sorted(((Decimal(_fee(u, f.key) or 0), u.name) for u in rs.included if _fee(u, f.key)),
                                  key=lambda x: (-x[0], x[1]))
            found.append(_mismatch(f.label, region.sheet(L.SHEET_OTHER), at, wanted, fee, contributors, rs, level))
    missing = left_out_finding(rs)
    return ([missing] if missing else []) + found


def _explained(total: str, parts: tuple[str, ...] | None, diffs: dict[str, Decimal]) -> bool:
    """A total whose difference is its parts' differences added up: the parts are named, the total is not
    named again (two wrong cells are two findings, not six)."""
    if parts is None or any(p not in diffs for p in parts) or not any(diffs[p] for p in parts):
        return False
    return sum((diffs[p] for p in parts), Decimal(0)) == diffs[total]


def _mismatch(what: str, sheet: str, cell: str, expected: Number, actual: Number, contributors: list[tuple[Decimal, str]],
              rs: RegionSum, level: Level) -> Finding:
    diff = Decimal(actual) - Decimal(expected)
    parts = [f"{what}：应为各单位之和 {format_number(expected)}（{len(rs.included)} 个单位），实际为 {format_number(actual)}"
             f"（{'多' if diff > 0 else '少'} {format_number(abs(diff))}）"]
    if contributors:
        top = "、".join(f"{name} {format_number(v)}" for v, name in contributors[:_NAMED])
        parts.append(f"计入的单位中此格不为 0 的：{top}" + (f" 等 {len(contributors)} 个" if len(contributors) > _NAMED else ""))
    else:
        parts.append("计入的单位此格都是 0")
    if rs.left_out:
        parts.append(f"差额可能来自未计入的 {len(rs.left_out)} 个单位：{_names([u.name for u, _ in rs.left_out])}")
    return Finding.of("region-sum-mismatch", "；".join(parts), sheet, cell, level=level,
                      expected=format_number(expected), actual=format_number(actual))
