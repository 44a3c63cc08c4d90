"""Filling the blank workbook from Python data: an imported report (published.importer), a region's sums
(season.region), the bundled examples and the tests' fixtures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from nianbao.workbook import layout as L
from nianbao.workbook.blank import build_workbook, row_height


def filled_workbook(
    form_id: str,
    meta: Mapping[str, Any],
    figures: Mapping[str, Mapping[str, Any]] | None = None,
    general: Sequence[tuple[str, str]] = (),
    problems: Sequence[tuple[str, str]] = (),
    other: Mapping[str, Any] | None = None,
) -> Workbook:
    """A workbook as a clerk would fill it.

    meta and other are keyed by the Field keys of layout; figures by table name and form cell
    (relative to the table, e.g. {"table3": {"D4": 5}}); narratives are (小标题, 正文) rows, replacing
    the pre-filled ones. Totals are left as the template's formulas unless given explicitly.
    """
    wb = build_workbook(form_id)
    _fields(wb[L.SHEET_META], L.META_FIELDS, meta)
    _fields(wb[L.SHEET_OTHER], L.SECTION6_FIELDS, other or {})
    for table, cells in (figures or {}).items():
        ws = wb[L.TABLE_SHEETS[table]]
        for ref, value in cells.items():
            ws[L.to_sheet(ref)] = value
    for spec, rows in ((L.NARRATIVE_LISTS[0], general), (L.NARRATIVE_LISTS[1], problems)):
        ws = wb[spec.sheet]
        for i in range(L.LIST_ROWS):
            r = L.LIST_FIRST_ROW + i
            ws.cell(r, 1).value = ws.cell(r, 2).value = None
        for i, (heading, body) in enumerate(rows):
            ws.cell(L.LIST_FIRST_ROW + i, 1).value = heading or None
            ws.cell(L.LIST_FIRST_ROW + i, 2).value = body or None
            if body:  # the whole paragraph shows (and prints), as Excel would size the row for the clerk
                ws.row_dimensions[L.LIST_FIRST_ROW + i].height = row_height(body, 100)
    return wb


def _fields(ws: Any, fields: tuple[L.Field, ...], values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        ws.cell(L.field_row(fields, key), 2).value = value
