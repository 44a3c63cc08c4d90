"""The shape of a returned workbook: where each table's rows are, what was typed outside the input areas,
merges that were broken, sheets that were added, hidden or renamed. Findings, never exceptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nianbao.findings import Finding
from nianbao.form.cells import cell_ref, parse_cell, parse_range
from nianbao.form.model import Form, Table
from nianbao.workbook import layout as L
from nianbao.workbook.values import is_blank, shown

RowMap = dict[int, int]  # table row (form) -> sheet row
SEARCH_ROWS = 60  # how far below its place a shifted row is looked for
MAX_LISTED = 10  # unexpected cells listed one by one per sheet, then summarised
GUIDE_ROWS = 40  # the instructions on 填报说明 take fewer rows than this

# Sheets a clerk or this program may add that are not part of the report.
KNOWN_EXTRA = {"校验结果", L.SHEET_NOTES, L.SHEET_LAST_YEAR, L.SHEET_REGION_UNITS, L.SHEET_REGION_FIGURES}


def default_rows(table: Table) -> RowMap:
    return {r: r + L.TABLE_TOP - 1 for r in range(1, table.nrows + 1)}


def _labels_by_row(table: Table) -> dict[int, dict[int, str]]:
    rows: dict[int, dict[int, str]] = {}
    for ref, text in table.labels.items():
        r, c = parse_cell(ref)
        rows.setdefault(r, {})[c] = text
    return rows


def locate_rows(typed: Any, table: Table) -> RowMap | None:
    """Find each row of the table by its labels, in order. None unless every labelled row is found
    exactly: then the table can be read unambiguously even with rows inserted above or inside it.

    typed(ref) returns what the sheet holds at a cell.
    """
    by_row = _labels_by_row(table)
    mapping: RowMap = {}
    prev = L.TABLE_TOP - 2
    for r in range(1, table.nrows + 1):
        if r not in by_row:
            mapping[r] = prev + 1  # an unlabelled figure row (table 4) follows its header
            prev += 1
            continue
        for sr in range(prev + 1, prev + 2 + SEARCH_ROWS):
            if all(typed(cell_ref(sr, c)) == text for c, text in by_row[r].items()):
                mapping[r] = prev = sr
                break
        else:
            return None
    return mapping


def shift_finding(sheet: str, mapping: RowMap) -> Finding:
    first = next(r for r, sr in mapping.items() if sr != r + L.TABLE_TOP - 1)
    at = mapping[first - 1] + 1 if first > 1 else L.TABLE_TOP
    moved = mapping[first] - at
    total = mapping[len(mapping)] - (len(mapping) + L.TABLE_TOP - 1)
    more = f"（表格内共多出 {total} 行）" if total != moved else ""
    return Finding.of(
        "layout-shifted",
        f"表格中第 {at} 行起插入了 {moved} 行{more}，已按表格文字重新定位并读取数字；请删除插入的行，保持表格原样",
        sheet, cell_ref(at, 1), actual=total,
    )


def check_merges(present: set[str], sheet: str, table: Table, mapping: RowMap) -> list[Finding]:
    """Merged headers that were split: harmless for reading, but the clerk is changing the form."""
    missing = []
    for m in table.merges:
        r1, c1, r2, c2 = parse_range(m)
        want = f"{cell_ref(mapping[r1], c1)}:{cell_ref(mapping[r2], c2)}"
        if want not in present:
            missing.append(want)
    if not missing:
        return []
    more = f"等 {len(missing)} 处" if len(missing) > 1 else ""
    return [Finding.of(
        "merge-broken",
        f"表头的合并单元格 {missing[0]}{more}被拆分或改动；不影响读取，但表格应与国家格式一致，请勿修改",
        sheet, missing[0].split(":")[0], expected=missing[0],
    )]


def table_cells(table: Table, mapping: RowMap) -> set[str]:
    """Every cell of a table sheet that may hold something: title, hint, labels, figures, indicator."""
    cells = {L.TITLE_CELL, L.HINT_CELL}
    for ref in list(table.labels) + list(table.numeric):
        r, c = parse_cell(ref)
        cells.add(cell_ref(mapping[r], c))
    indicator_row = mapping[table.nrows] + L.CHECK_GAP
    cells |= {cell_ref(indicator_row, 1), cell_ref(indicator_row, parse_cell(L.indicator_cell(table))[1]), cell_ref(indicator_row + 1, 1)}
    return cells


def field_cells(fields: tuple[L.Field, ...], rows: dict[str, int]) -> Callable[[str, Any], bool]:
    """A labelled-field sheet: title, column headers, labels and values; the 说明 column only as the
    template wrote it (text typed over a hint would otherwise be lost without a word)."""
    cells = {L.TITLE_CELL} | {cell_ref(L.FIELD_TOP - 1, c) for c in (1, 2, 3)}  # title, column headers
    hints: dict[str, str] = {}
    for i, f in enumerate(fields):
        row = rows.get(f.key, L.FIELD_TOP + i)
        cells |= {cell_ref(row, 1), cell_ref(row, 2)}
        hints[cell_ref(row, 3)] = f.hint

    def allowed(ref: str, value: Any) -> bool:
        return ref in cells or (ref in hints and str(value).strip() == hints[ref])
    return allowed


def list_cells(ref: str, value: Any = None) -> bool:
    """Narrative sheets: anything in columns A-B below the headers is read."""
    r, c = parse_cell(ref)
    return r >= L.LIST_HEADER_ROW and c <= 2 or ref in (L.TITLE_CELL, L.HINT_CELL)


def notes_cells(ref: str, value: Any = None) -> bool:
    """说明: three columns below the title."""
    r, c = parse_cell(ref)
    return c <= 3


def guide_cells(ref: str, value: Any = None) -> bool:
    """填报说明: its instruction lines are in column A."""
    r, c = parse_cell(ref)
    return c == 1 and r <= GUIDE_ROWS


def unexpected_content(values: Any, sheet: str, allowed: Callable[[str, Any], bool]) -> list[Finding]:
    """Non-empty cells outside the input areas: reported, so nothing typed is silently dropped.

    values is the sheet's DataFrame; allowed(ref, value) says whether a cell belongs to the layout.
    """
    stray: list[tuple[str, Any]] = []
    for (r, c), v in values.stack().items():
        if is_blank(v):
            continue
        ref = cell_ref(int(r) + 1, int(c) + 1)
        if not allowed(ref, v):
            stray.append((ref, v))
    found = [
        Finding.of(
            "unexpected-content",
            f"这里填了 {shown(v)}，但不在填报区域内，不会进入报告；请移到对应的格子或删除",
            sheet, ref, actual=str(v)[:200],
        )
        for ref, v in stray[:MAX_LISTED]
    ]
    if len(stray) > MAX_LISTED:
        found.append(Finding.of(
            "unexpected-content",
            f"另有 {len(stray) - MAX_LISTED} 个单元格在填报区域之外有内容（第一个是 {stray[MAX_LISTED][0]}），不会进入报告",
            sheet, stray[MAX_LISTED][0],
        ))
    return found


def check_sheets(sheetnames: list[str], states: dict[str, str], title_of: Callable[[str], Any], form: Form) -> tuple[list[Finding], dict[str, str]]:
    """Extra, hidden and renamed sheets. Returns findings and {expected name: actual name} for sheets
    that were only renamed (recognised by their title cell A1), so that they can still be read."""
    expected = L.sheet_order(form)[1:]
    titles = {L.SHEET_META: "基本信息"} | {
        (L.TABLE_SHEETS[s.table] if s.table else L.NARRATIVE_SHEETS[s.no]): s.heading for s in form.sections
    }
    names = [n for n in sheetnames if n != L.MARKER_SHEET]
    extra = [n for n in names if n not in expected and n != L.SHEET_GUIDE and n not in KNOWN_EXTRA]
    found: list[Finding] = []
    renamed: dict[str, str] = {}
    for want in expected:
        if want in names:
            continue
        for name in extra:
            if title_of(name) == titles[want]:
                renamed[want] = name
                found.append(Finding.of(
                    "sheet-renamed",
                    f"工作表“{want}”被改名为“{name}”，已按内容识别并读取；请改回原名",
                    name, expected=want, actual=name,
                ))
                break
    for name in extra:
        if name in renamed.values():
            continue
        found.append(Finding.of(
            "extra-sheet",
            f"工作簿中多了工作表“{name}”，其中的内容不会进入报告；如是报告内容，请填到对应的工作表",
            name,
        ))
    order = [renamed.get(w, w) for w in expected if renamed.get(w, w) in names]
    if order != [n for n in names if n in order]:
        found.append(Finding.of("sheet-reordered", "工作表的顺序被调整过，不影响读取", None))
    for want in expected:
        name = renamed.get(want, want)
        if states.get(name, "visible") != "visible":
            found.append(Finding.of("sheet-hidden", f"工作表“{name}”被隐藏了，仍已读取", name))
    return found, renamed
