"""This year's workbook started from last year's report (`nianbao template --from`).

What is carried over is what a clerk would otherwise retype: the agency's name, type and contact block;
the report year (+1); table 三's 上年结转 row, column by column, from last year's 结转下年度继续办理 (the
forms' roles, so a 2019-form year feeds a 2021-form one). Last year's 现行有效件数 is shown beside this
year's cell, not copied into it: this year's count follows from it by the year's 制发 and 废止, which is a
check at conversion time (`--previous`), not a prefill. Last year's text goes on a protected reference
sheet that the report never reads: copying it is the 内容雷同 evaluators punish.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from nianbao.form.model import load_form
from nianbao.workbook import layout as L
from nianbao.workbook.blank import build_workbook, fit_to_width, row_height
from nianbao.workbook.model import Submission
from nianbao.workbook.values import format_number

# Meta fields that stay from one year to the next (the date and the year do not; the URL is the site's)
KEPT_FIELDS = ("agency", "agency_type", "url", "contact_unit", "contact_address", "contact_postcode",
               "contact_phone", "auto_text", "seal")


def prefilled_workbook(prev: Submission, send_to: str | None = None) -> Workbook:
    year = prev.meta.year + 1 if prev.meta.year else None
    form_id = "2021" if year is None or year >= 2021 else prev.form.id
    wb = build_workbook(form_id, send_to)
    meta = wb[L.SHEET_META]
    for key in KEPT_FIELDS:
        value = getattr(prev.meta, key)
        if value:
            meta.cell(L.field_row(L.META_FIELDS, key), 2).value = value
    if year is not None:
        meta.cell(L.field_row(L.META_FIELDS, "year"), 2).value = year
    meta.cell(L.field_row(L.META_FIELDS, "form"), 2).value = form_id
    _carry_over(wb, prev, form_id)
    _valid_note(wb, prev, form_id)
    _reference_sheet(wb, prev)
    return wb


def _carry_over(wb: Workbook, prev: Submission, form_id: str) -> None:
    form = load_form(form_id)
    this_table, last_table = form.owner_of("carried_over"), prev.form.owner_of("carried_forward")
    if this_table is None or last_table is None or last_table.name not in prev.readable:
        return
    ws = wb[L.TABLE_SHEETS[this_table.name]]
    for this_ref, last_ref in zip(this_table.role("carried_over"), last_table.role("carried_forward")):
        if this_ref in this_table.totals:
            continue  # the total column stays the template's formula
        # not found in last year's report: blank, for the clerk to fill (a 0 would be a silent guess)
        ws[L.to_sheet(this_ref)] = prev.figures[last_table.name].get(last_ref)


def _valid_note(wb: Workbook, prev: Submission, form_id: str) -> None:
    valid_last = prev.figure("normative_valid")
    table = load_form(form_id).owner_of("normative_valid")
    if valid_last is None or table is None:
        return
    (ref,) = table.role_total("normative_valid")
    ws = wb[L.TABLE_SHEETS[table.name]]
    cell = ws[L.to_sheet(ref)]
    text = f"上年现行有效 {format_number(valid_last)} 件"
    beside = ws.cell(cell.row, cell.column + 1)
    beside.value = f"{L.LAST_YEAR_NOTE}现行有效 {format_number(valid_last)} 件（本年 = 上年 + 本年制发 − 本年废止）"
    beside.font = Font(color="808080", size=9)
    ws.column_dimensions[get_column_letter(cell.column + 1)].width = 40
    cell.comment = Comment(f"{text}。本年的现行有效件数 = 上年 + 本年制发 − 本年废止；请按实际填写，生成报告时核对。", "nianbao")


def _reference_sheet(wb: Workbook, prev: Submission) -> None:
    """Last year's text, section by section, protected; placed after the sheets the report reads."""
    ws: Worksheet = wb.create_sheet(L.SHEET_LAST_YEAR, index=wb.sheetnames.index(L.SHEET_NOTES) + 1)
    ws["A1"] = f"上年报告原文（{prev.meta.year or ''}年度，仅供参考：不会写入本年报告；请勿照抄，内容雷同会被通报）"
    ws["A1"].font = Font(bold=True)
    ws.merge_cells("A1:C1")
    ws.append(["部分", "小标题", "正文"])
    for c in range(1, 4):
        ws.cell(2, c).font = Font(bold=True)
    rows: list[tuple[str, str, str]] = []
    for no, narrative in (("一", prev.general), ("五", prev.problems)):
        for block in narrative.blocks:
            for i, para in enumerate(block.paragraphs or [""]):
                rows.append((no, (block.heading or "") if i == 0 else "", para))
    for key, paras in prev.other.items.items():
        name = next((f.label for f in L.SECTION6_FIELDS if f.key == key), key)
        for para in paras:
            rows.append(("六", name, para))
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 32
    for row in rows:
        ws.append(list(row))
        r = ws.max_row
        for c in (1, 2, 3):
            ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = row_height(row[2], 70)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 6, 20, 70
    fit_to_width(ws)  # prints one page wide, the text column whole
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = "2:2"
    ws.protection.sheet = True  # read-only: a reference, not a place to write this year's text
    ws.sheet_properties.tabColor = "BFBFBF"
