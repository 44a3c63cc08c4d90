"""Reading the statistics tables out of the grid: where each table's rows are (structure.locate_rows), its
figures (each parsed by values.parse_figure, its problem a finding named by the cell's label), and the slips
a clerk makes in them — a blank row inserted above the figures, a table pasted one column to the right, a
figure typed into a split merged cell — each read back in place with one finding saying how to mend it."""

from __future__ import annotations

from typing import Any

from nianbao.findings import Finding, Report
from nianbao.form.cells import cell_ref, parse_cell, parse_range
from nianbao.form.model import NumKind, Table
from nianbao.workbook.grid import Grid, formula_problem
from nianbao.workbook.model import Submission, complete_totals
from nianbao.workbook.structure import RowMap, default_rows, locate_rows, shift_finding
from nianbao.workbook.values import is_blank, parse_figure, shown


def figure(raw: Any, kind: NumKind, label: str, sheet: str, ref: str, report: Report) -> Any:
    """A figure cell parsed; its problem, if any, becomes a finding named by the cell's label."""
    parsed = parse_figure(raw, kind)
    if parsed.code:
        report.add(Finding.of(parsed.code, f"{label}：{parsed.detail}", sheet, ref, actual=parsed.actual))
    return parsed.value


def table_rows(grid: Grid, sheet: str, table: Table, report: Report) -> RowMap | None:
    """Where each row of the table is on the sheet. Every label must stand in place, character for
    character; rows inserted above or inside the table are tolerated when the labels still identify
    every row unambiguously. None (with one finding) when the table cannot be read safely."""
    rows = default_rows(table)
    wrong = []
    for ref, expected in table.labels.items():
        r, c = parse_cell(ref)
        at = cell_ref(rows[r], c)
        got = grid.value(sheet, at)
        if got != expected:
            wrong.append((at, expected, got))
    if not wrong:
        return _blank_row_above_figures(grid, sheet, table, rows, report)
    located = locate_rows(lambda ref: grid.value(sheet, ref), table)
    if located is not None:
        report.add(shift_finding(sheet, located))
        return located
    at, expected, got = wrong[0]
    msg = f"第 {parse_cell(at)[0]} 行的表格文字应为“{expected}”，实际为{'空白' if is_blank(got) else shown(got)}"
    hits = [h for h in grid.find_text(sheet, expected) if h != at]
    belongs = [ref for ref, text in table.labels.items() if text == got and parse_cell(ref)[1] == parse_cell(at)[1]]
    if belongs and not hits:
        r_here, r_home = parse_cell(at)[0], rows[parse_cell(belongs[0])[0]]
        if r_home > r_here:
            msg += f"（这是原第 {r_home} 行的文字）：“{expected}”这一行似乎被删除了"
        else:
            msg += f"（这是原第 {r_home} 行的文字）：表格行的顺序被改动了"
    elif hits:
        (r0, c0), (r1, c1) = parse_cell(at), parse_cell(hits[0])
        if c0 == c1 and r1 != r0:
            msg += f"；这行文字出现在第 {r1} 行，似乎在上方{'插入' if r1 > r0 else '删除'}了 {abs(r1 - r0)} 行"
        elif r0 == r1:
            msg += f"；这段文字出现在 {hits[0]}，似乎在左侧{'插入' if c1 > c0 else '删除'}了 {abs(c1 - c0)} 列"
    if len(wrong) > 1:
        msg += f"（共 {len(wrong)} 处表格文字不符）"
    actual = None if is_blank(got) else str(got)
    report.add(Finding.of("label-changed", msg + "。表格文字是国家规定的格式，不能修改；本表的数字未检查。请恢复原样，或把数字复制到新模板。", sheet, at, expected=expected, actual=actual))
    return None


def _blank_row_above_figures(grid: Grid, sheet: str, table: Table, rows: RowMap, report: Report) -> RowMap:
    """A row inserted right above a figure row that has no label to find it by (表四's only row): the row
    is blank where the figures belong and the figures stand in the row below, outside the table. They are
    read from there, and one finding says which row to delete (not twelve blanks and eleven strays)."""
    labelled = {parse_cell(ref)[0] for ref in table.labels}
    for r in range(1, table.nrows + 1):
        cols = [parse_cell(ref)[1] for ref in table.numeric if parse_cell(ref)[0] == r]
        below = rows[r] + 1
        if r in labelled or not cols or below in rows.values():
            continue
        if all(is_blank(grid.value(sheet, cell_ref(rows[r], c))) for c in cols) and \
                sum(not is_blank(grid.value(sheet, cell_ref(below, c))) for c in cols) * 2 >= len(cols):
            shifted = {fr: sr + (1 if fr >= r else 0) for fr, sr in rows.items()}
            report.add(shift_finding(sheet, shifted))
            return shifted
    return rows


def figures_one_column_right(grid: Grid, sheet: str, table: Table, rows: RowMap, report: Report) -> None:
    """A table's figures pasted one column to the right (from a Word table with a column more): the first
    figure column empty, the column after the last one full. The figures are moved back in this reading of
    the sheet (the file is never touched) and one finding says so, instead of a blank for every cell of
    the first column and a stray for every cell beyond the table."""
    cols = sorted({parse_cell(ref)[1] for ref in table.numeric})
    first, last = cols[0], cols[-1]
    fig_rows = sorted({rows[parse_cell(ref)[0]] for ref in table.numeric})
    df = grid.values[sheet]
    if last + 1 <= table.ncols or df.shape[1] < last + 1 or df.shape[0] < fig_rows[-1]:
        return  # nothing stands beyond the figure columns (the sheet's values end with them)
    if any(not is_blank(grid.value(sheet, cell_ref(r, first))) for r in fig_rows):
        return
    if sum(not is_blank(grid.value(sheet, cell_ref(r, last + 1))) for r in fig_rows) * 5 < len(fig_rows) * 4:
        return
    typed, results = grid.typed_cells.setdefault(sheet, {}), grid.results.setdefault(sheet, {})
    for r in fig_rows:
        for c in range(first, last + 2):
            here, there = cell_ref(r, c), cell_ref(r, c + 1)
            value: Any = df.iat[r - 1, c] if c <= last else None
            df.iat[r - 1, c - 1] = value
            for cells in (typed, results):
                moved = cells.pop(there, None) if c <= last else None
                if moved is None:
                    cells.pop(here, None)
                else:
                    cells[here] = moved
    start, wrong = cell_ref(fig_rows[0], first), cell_ref(fig_rows[0], first + 1)
    report.add(Finding.of("layout-shifted", f"本表的数字整体向右错了一列（从 {wrong} 起，应从 {start} 起；常见于从 Word 表格粘贴）：已按左移一列"
                          f"读取并检查。请把这些数字整体左移一列，让 {start} 所在的一列填上数字", sheet, start))


def _split_merge_figure(grid: Grid, sheet: str, table: Table, rows: RowMap, ref: str) -> tuple[str, str] | None:
    """A figure whose merged cell (B9:D9) was split and then typed into another of its cells (C9): (the
    sheet range, the cell it stands in) when exactly one of the range's other cells holds something."""
    merge = table.merge_at(ref)
    if merge is None:
        return None
    r1, c1, r2, c2 = parse_range(merge)
    wanted = f"{cell_ref(rows[r1], c1)}:{cell_ref(rows[r2], c2)}"
    if wanted in grid.merged.get(sheet, set()):
        return None
    filled = [cell_ref(rows[r], c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
              if (r, c) != (r1, c1) and not is_blank(grid.value(sheet, cell_ref(rows[r], c)))]
    return (wanted, filled[0]) if len(filled) == 1 else None


def read_table(grid: Grid, sheet: str, table: Table, rows: RowMap, report: Report, sub: Submission) -> dict[str, str]:
    """The table's figures into sub; returns {split merge range: the cell its figure was typed in} for the
    figures read from beside their place (the caller neither repeats merge-broken nor calls that cell stray)."""
    values: dict[str, Any] = {}
    typed: set[str] = set()
    moved: dict[str, str] = {}
    for ref, kind in table.numeric.items():
        r, c = parse_cell(ref)
        at = cell_ref(rows[r], c)
        is_total = ref in table.totals
        if grid.is_formula(sheet, at):
            raw = grid.value(sheet, at)
            if is_total:
                values[ref] = None  # recomputed from its parts; a cached result is never trusted
                continue
            if is_blank(raw):
                report.add(Finding.of("value-not-number", f"{table.describe(ref)}：{formula_problem(grid, sheet, at)}", sheet, at,
                                  actual=grid.typed(sheet, at)))
                values[ref] = None
                continue
            report.add(Finding.of("value-formula", f"{table.describe(ref)}：这里是公式，已按其计算结果 {shown(raw)} 读取", sheet, at, actual=grid.typed(sheet, at)))
        else:
            raw = grid.value(sheet, at)
            if is_blank(raw) and not is_blank(typed_raw := grid.typed(sheet, at)):
                raw = typed_raw  # calamine reads error cells (#REF!) as empty; openpyxl keeps the code
            if is_total and is_blank(raw):
                values[ref] = None  # a total left blank is computed
                continue
            if is_blank(raw) and (split := _split_merge_figure(grid, sheet, table, rows, ref)):
                wanted, other = split
                raw = grid.value(sheet, other)
                moved[wanted] = other
                report.add(Finding.of("merge-broken", f"{table.describe(ref)}：合并单元格 {wanted} 被拆开了，数字 {shown(raw)} 填在了 {other}，"
                                      f"已按 {at} 读取。请把它移到 {at}，再重新合并 {wanted}", sheet, at, expected=wanted, actual=other))
        values[ref] = figure(raw, kind, table.describe(ref), sheet, at, report)
        if values[ref] is not None and is_total:
            typed.add(ref)
    sub.mistyped[table.name] = complete_totals(table, values, typed)
    sub.figures[table.name] = values
    return moved
