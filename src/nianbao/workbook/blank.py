"""The blank input workbook, generated from the form description."""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from nianbao.files import atomic_write_bytes
from nianbao.form.cells import (
    absolute,
    iter_range,
    parse_cell,
    parse_range,
    shift_range,
)
from nianbao.form.model import Form, NumKind, Relation, Table, load_form
from nianbao.workbook import layout as L

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
TITLE_FONT = Font(name="宋体", size=14, bold=True)
HINT_FONT = Font(name="宋体", size=10, color="666666")
BASE_FONT = Font(name="宋体", size=10)
WRAP = Alignment(wrap_text=True, vertical="center")
VALUE = Alignment(horizontal="left", vertical="top", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)

OK_TEXT = "√ 勾稽关系相符"
BAD_TEXT = "× 勾稽关系不符，请核对"

_VALIDATION_TEXT: dict[NumKind, tuple[Literal["whole", "decimal"], Literal["between", "greaterThanOrEqual"], str]] = {
    NumKind.INT_GE0: ("whole", "greaterThanOrEqual", "请填写大于或等于 0 的整数；没有发生填 0。"),
    NumKind.DECIMAL_GE0: ("decimal", "greaterThanOrEqual", "请填写大于或等于 0 的数，可带小数（单位：万元）；没有填 0。"),
    NumKind.INT_SIGNED: ("whole", "between", "请填写整数，减少时填负数；没有变化填 0。"),
}


def a4_landscape(ws: Worksheet, title_rows: str) -> None:
    """A list sheet on paper: A4 landscape, one page wide, its header rows (e.g. "2:2") on every page."""
    ws.print_title_rows = title_rows
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    fit_to_width(ws)


def fit_to_width(ws: Worksheet) -> None:
    """Print the sheet one page wide (as many pages down as it needs)."""
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _validation(kind: NumKind) -> DataValidation:
    vtype, op, text = _VALIDATION_TEXT[kind]
    f1, f2 = ("0", None) if op == "greaterThanOrEqual" else ("-999999999", "999999999")
    dv = DataValidation(type=vtype, operator=op, formula1=f1, formula2=f2, allow_blank=False)
    dv.promptTitle, dv.prompt = "填写数字", text
    dv.errorTitle, dv.error = "输入有误", text
    dv.showInputMessage = dv.showErrorMessage = True
    return dv


def _sum_expr(cells: tuple[str, ...]) -> str:
    """Excel expression for the sum of form cells, as sheet references."""
    refs = [L.to_sheet(c) for c in cells]
    r1, c1, r2, c2 = parse_range(f"{refs[0]}:{refs[-1]}")
    if len(refs) > 1 and len(refs) == (r2 - r1 + 1) * (c2 - c1 + 1) and refs == list(iter_range(f"{refs[0]}:{refs[-1]}")):
        return f"SUM({refs[0]}:{refs[-1]})"
    return "+".join(refs)


def _condition(rel: Relation) -> str:
    return f"{_sum_expr(rel.lhs)}{'=' if rel.op == '==' else '<='}{_sum_expr(rel.rhs)}"


def wrapped_lines(text: str, width_chars: float) -> int:
    """Lines a wrapped text takes in a column of this width (Excel's units: a Chinese character takes two),
    each of its own lines ("\n") counted apart."""
    return sum(max(1, math.ceil(sum(2 if ord(ch) > 0x2E80 else 1 for ch in part) / max(width_chars - 1.5, 1)))
               for part in str(text).split("\n"))


def row_height(text: str, width_chars: float) -> float:
    # CJK glyphs are about two width units each in Excel's column-width measure.
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    lines = max(1, math.ceil(units / max(width_chars - 1, 1)))
    return 14.0 * lines + 4


def _column_widths(table: Table) -> dict[int, float]:
    """Column widths from the form's layout hints (a plain 12 where it gives none)."""
    hints = table.layout.excel_widths
    return {c: float(hints[c - 1]) if c <= len(hints) else 12.0 for c in range(1, table.ncols + 1)}


def write_table_sheet(ws: Worksheet, section_heading: str, table: Table) -> None:
    widths = _column_widths(table)
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w
    ws[L.TITLE_CELL] = section_heading
    ws[L.TITLE_CELL].font = TITLE_FONT
    ws[L.HINT_CELL] = "白色格子填数字（没有发生填 0），灰色格子是表格原文、蓝色格子自动合计，均不要修改。"
    ws[L.HINT_CELL].font = HINT_FONT

    for r in range(1, table.nrows + 1):
        for c in range(1, table.ncols + 1):
            cell = ws.cell(L.TABLE_TOP + r - 1, c)
            cell.border = BORDER
            cell.font = BASE_FONT
    for m in table.merges:
        ws.merge_cells(shift_range(m, rows=L.TABLE_TOP - 1))
    heights: dict[int, float] = {}
    for ref, text in table.labels.items():
        cell = ws[L.to_sheet(ref)]
        cell.value = text
        cell.fill = LABEL_FILL
        # labels centred, as the form prints them; only long row labels (table 三) read left-aligned
        cell.alignment = WRAP if table.layout.row_labels_left and ref[0] <= "C" and parse_cell(ref)[0] > 3 else CENTER
        cell.protection = LOCKED
        r1, c1, r2, c2 = parse_range(table.merge_at(ref) or ref)
        width = sum(widths.get(c, 9) for c in range(c1, c2 + 1))
        row = cell.row
        heights[row] = max(heights.get(row, 15), row_height(text, width) / (r2 - r1 + 1))
    for row, h in heights.items():
        ws.row_dimensions[row].height = h

    validations = {kind: _validation(kind) for kind in NumKind}
    for ref, kind in table.numeric.items():
        cell = ws[L.to_sheet(ref)]
        cell.alignment = CENTER
        if ref in table.totals:
            cell.value = f"={_sum_expr(table.totals[ref])}"
            cell.fill = TOTAL_FILL
            cell.protection = LOCKED
        else:
            cell.value = 0
            cell.fill = INPUT_FILL
            cell.protection = UNLOCKED
            validations[kind].add(cell.coordinate)
        if kind is NumKind.DECIMAL_GE0:
            cell.number_format = "0.00"
    for dv in validations.values():
        if dv.sqref:
            ws.add_data_validation(dv)

    checks = [rel for rel in table.relations if rel.kind in ("stated", "implied")]
    if checks:
        ind = ws[L.indicator_cell(table)]
        label = ws.cell(ind.row, 1)
        label.value = "勾稽检查："
        label.font = Font(name="宋体", size=10, bold=True)
        ind.value = f'=IF(AND({",".join(_condition(r) for r in checks)}),"{OK_TEXT}","{BAD_TEXT}")'
        ind.font = Font(name="宋体", size=11, bold=True)
        ind.alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(L.indicator_range(table))
        ws.conditional_formatting.add(
            ind.coordinate, FormulaRule(formula=[f'ISNUMBER(SEARCH("×",{ind.coordinate}))'], fill=BAD_FILL)
        )
        ws.conditional_formatting.add(
            ind.coordinate, FormulaRule(formula=[f'ISNUMBER(SEARCH("√",{ind.coordinate}))'], fill=GOOD_FILL)
        )
        hint = ws.cell(ind.row + 1, 1)
        hint.value = "（此检查仅供参考；转换时程序会重新计算所有合计与勾稽关系。）"
        hint.font = HINT_FONT
    ws.freeze_panes = ws.cell(L.TABLE_TOP, 1).coordinate
    # Print the table on one page width, as the clerk's supervisor will want to check it on paper.
    ws.page_setup.orientation = "landscape" if table.ncols > 4 else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    fit_to_width(ws)
    ws.protection.sheet = True  # no password: it guards against slips, not people
    ws.sheet_view.zoomScale = 100


def _write_fields(ws: Worksheet, title: str, fields: tuple[L.Field, ...], form_id: str) -> None:
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 44
    ws[L.TITLE_CELL] = title
    ws[L.TITLE_CELL].font = TITLE_FONT
    for col, text in zip("ABC", ("项目", "填写内容", "说明")):
        cell = ws[f"{col}2"]
        cell.value, cell.fill, cell.border, cell.font = text, LABEL_FILL, BORDER, Font(name="宋体", size=10, bold=True)
    for i, f in enumerate(fields):
        row = L.FIELD_TOP + i
        a, b, c = ws.cell(row, 1), ws.cell(row, 2), ws.cell(row, 3)
        a.value = f.label + ("（必填）" if f.required and f.kind not in ("int", "decimal") else "")
        a.fill, a.border, a.font, a.alignment = LABEL_FILL, BORDER, BASE_FONT, WRAP
        b.border, b.font, b.protection, b.alignment = BORDER, BASE_FONT, UNLOCKED, VALUE  # numbers and dates align as text
        c.value, c.font, c.alignment = f.hint, HINT_FONT, WRAP
        if f.kind == "date":
            b.number_format = DATE_FORMAT  # 2025年1月2日, as a report writes it (not 2025-01-02 0:00:00)
        if f.key == "form":
            b.value = form_id
        elif f.default is not None:
            b.value = f.default
        if f.kind == "choice":
            dv = DataValidation(type="list", formula1='"' + ",".join(f.choices) + '"', allow_blank=not f.required)
            dv.errorTitle, dv.error = "输入有误", "请从下拉列表中选择：" + "、".join(f.choices)
            dv.showErrorMessage = True
            dv.add(b.coordinate)
            ws.add_data_validation(dv)
        elif f.kind in ("int", "decimal"):
            dv = _validation(NumKind.INT_GE0 if f.kind == "int" else NumKind.DECIMAL_GE0)
            if f.key == "year":
                dv = DataValidation(type="whole", operator="between", formula1="2019", formula2="2099")
                dv.errorTitle, dv.error = "输入有误", "报告年度请填写四位年份，如 2024。"
                dv.showErrorMessage = True
            elif f.kind == "decimal":
                dv.prompt = dv.error = "请填写大于或等于 0 的金额（单位：元），可带小数；没有填 0。"
            dv.add(b.coordinate)
            ws.add_data_validation(dv)
        # tall enough for the whole label and hint (LibreOffice shows one line of a row whose height is unset)
        height = max(row_height(a.value, 34), row_height(f.hint, 44))
        if f.key in ("key_points", "proposals", "innovation", "other"):
            height = max(height, 60)
        ws.row_dimensions[row].height = height
    ws.protection.sheet = True


def _write_list(ws: Worksheet, heading: str, spec: L.NarrativeSheet) -> None:
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    ws[L.TITLE_CELL] = heading
    ws[L.TITLE_CELL].font = TITLE_FONT
    ws[L.HINT_CELL] = spec.hint
    ws[L.HINT_CELL].font = HINT_FONT
    ws[L.HINT_CELL].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(L.hint_range(2))
    ws.row_dimensions[2].height = 42
    for letter, text in zip("AB", L.LIST_COLUMNS):
        cell = ws[f"{letter}{L.LIST_HEADER_ROW}"]
        cell.value, cell.fill, cell.border, cell.font = text, LABEL_FILL, BORDER, Font(name="宋体", size=10, bold=True)
    presets = ("",) + spec.presets if spec.section == "一" else spec.presets
    for i in range(L.LIST_ROWS):
        row = L.LIST_FIRST_ROW + i
        for col in (1, 2):
            cell = ws.cell(row, col)
            cell.border, cell.font, cell.protection = BORDER, BASE_FONT, UNLOCKED
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i < len(presets) and presets[i]:
            ws.cell(row, 1).value = presets[i]
    ws.freeze_panes = ws.cell(L.LIST_FIRST_ROW, 1).coordinate
    ws.protection.sheet = True
    ws.protection.insertRows = False  # allowed: clerks add paragraphs
    ws.protection.deleteRows = False


def _write_notes(ws: Worksheet) -> None:
    ws[L.TITLE_CELL] = "说明：确认无误的警告"
    ws[L.TITLE_CELL].font = TITLE_FONT
    ws[L.HINT_CELL] = ("检查结果中的“警告”如确实无误（例如确属规章制定机关、数字经核实无误），可在此逐条说明：填写问题代码、位置和理由，"
                "再次检查时该警告会标为“已说明”。“错误”不能用说明代替修改。")
    ws[L.HINT_CELL].font = HINT_FONT
    ws[L.HINT_CELL].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(L.hint_range(3))
    ws.row_dimensions[2].height = 42
    for letter, text, width in zip("ABC", L.NOTES_COLUMNS, (24, 26, 80)):
        cell = ws[f"{letter}{L.NOTES_HEADER_ROW}"]
        cell.value, cell.fill, cell.border, cell.font = text, LABEL_FILL, BORDER, Font(name="宋体", size=10, bold=True)
        ws.column_dimensions[letter].width = width
    for row in range(L.NOTES_HEADER_ROW + 1, L.NOTES_HEADER_ROW + 1 + L.NOTES_ROWS):
        for col in (1, 2, 3):
            cell = ws.cell(row, col)
            cell.border, cell.font, cell.protection = BORDER, BASE_FONT, UNLOCKED
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.protection.sheet = True


def _write_guide(ws: Worksheet, form: Form, send_to: str | None) -> None:
    ws.column_dimensions["A"].width = 110
    lines = [
        "政府信息公开工作年度报告 填报工作簿",
        f"表格格式：{form.id} 版（{form.issued_by}）；模板版本 {L.TEMPLATE_VERSION}",
        "",
        "一、怎么填",
        f"1. 先填“{L.SHEET_META}”：机关全称、机关类型、报告年度、落款日期为必填。",
        f"2. “{L.SHEET_GENERAL}”“{L.SHEET_PROBLEMS}”“{L.SHEET_OTHER}”填写报告正文；每个单元格内可用 Alt+Enter 分段。",
        f"3. “{'”“'.join(L.TABLE_SHEETS.values())}”三张表与国家规定的表格格式一致，只在白色格子里填数字。",
        "4. 小标题不要自己编号，（一）（二）……由程序统一编排；表格中的合计（蓝色格子）自动计算。",
        f"5. 检查提示的“警告”如确认无误，可在“{L.SHEET_NOTES}”工作表中写明理由；“错误”必须修改。",
        "",
        "二、空白、0 和“无”",
        "1. 表格中没有发生的事项一律填 0，不要留空，也不要填“/”“—”“无”。",
        "2. 件数只能是整数；只有“本年收费金额（单位：万元）”可以带小数。",
        "3. 文字部分不需要的行留空即可；“其他需要报告的事项”没有时填“无其他需要报告的事项。”。",
        "",
        "三、填好以后",
        "1. 保存为 .xlsx 格式（WPS 用户请“另存为”Excel 工作簿 .xlsx），不要加密码，不要改工作表名称和灰色格子。",
        f"2. 将文件发送给{send_to or '本单位负责汇总的同志'}，由其用 nianbao 检查并生成报告；检查发现的问题会标明工作表和单元格。",
    ]
    for i, text in enumerate(lines, start=1):
        cell = ws.cell(i, 1, text or None)
        cell.font = TITLE_FONT if i == 1 else Font(name="宋体", size=11, bold=text.endswith(("怎么填", "和“无”", "填好以后")))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if text and i > 1:
            ws.row_dimensions[i].height = row_height(text, 110)
    ws.protection.sheet = True


def build_workbook(form_id: str = "2021", send_to: str | None = None) -> Workbook:
    """The blank workbook; send_to names who receives the filled copies (shown in 填报说明)."""
    form = load_form(form_id)
    wb = Workbook()
    guide = wb.worksheets[0]
    guide.title = L.SHEET_GUIDE
    _write_guide(guide, form, send_to)
    _write_fields(wb.create_sheet(L.SHEET_META), "基本信息", L.META_FIELDS, form.id)
    for sec in form.sections:
        if sec.table:
            write_table_sheet(wb.create_sheet(L.TABLE_SHEETS[sec.table]), sec.heading, form.tables[sec.table])
        elif sec.no == "六":
            _write_fields(wb.create_sheet(L.SHEET_OTHER), sec.heading, L.SECTION6_FIELDS, form.id)
        else:
            spec = next(n for n in L.NARRATIVE_LISTS if n.section == sec.no)
            _write_list(wb.create_sheet(spec.sheet), sec.heading, spec)
    _write_notes(wb.create_sheet(L.SHEET_NOTES))
    for ws in wb.worksheets:
        _print_setup(ws, form)
    marker = wb.create_sheet(L.MARKER_SHEET)
    marker[L.MARKER_TAG_CELL], marker[L.MARKER_VERSION_CELL] = L.MARKER_TAG, L.TEMPLATE_VERSION
    marker[L.MARKER_FORM_LABEL_CELL], marker[L.MARKER_FORM_CELL] = "form", form.id
    marker.sheet_state = "veryHidden"
    wb.defined_names["nianbao_form"] = DefinedName("nianbao_form", attr_text=f"'{L.MARKER_SHEET}'!{absolute(L.MARKER_FORM_CELL)}")
    wb.active = 1  # open on 基本信息
    return wb


DATE_FORMAT = 'yyyy"年"m"月"d"日"'



def _print_setup(ws: Worksheet, form: Form) -> None:
    """Every sheet prints on A4, one page wide (landscape when its columns need it), its header rows
    repeated on every page."""
    widths = sum(ws.column_dimensions[get_column_letter(c)].width or 9 for c in range(1, ws.max_column + 1))
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if widths > 100 else "portrait"
    fit_to_width(ws)
    ws.print_options.horizontalCentered = True
    header = {L.SHEET_META: 2, L.SHEET_OTHER: 2, L.SHEET_NOTES: L.NOTES_HEADER_ROW}
    header |= {spec.sheet: L.LIST_HEADER_ROW for spec in L.NARRATIVE_LISTS}
    header |= {L.TABLE_SHEETS[name]: L.TABLE_TOP + table.header_rows() - 1 for name, table in form.tables.items()}
    if ws.title in header:
        ws.print_title_rows = f"1:{header[ws.title]}"


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_template(path: Path, form_id: str = "2021", send_to: str | None = None) -> None:
    atomic_write_bytes(path, workbook_bytes(build_workbook(form_id, send_to)))


@functools.lru_cache(maxsize=4)
def template_bytes(form_id: str = "2021", send_to: str | None = None) -> bytes:
    """The blank workbook as bytes (the mail gateway and the web app hand it out on every request)."""
    return workbook_bytes(build_workbook(form_id, send_to))
