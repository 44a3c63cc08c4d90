"""The report's tables into the form's cells: every figure found by the labels of its row and column
(never by position alone), with where it came from. What cannot be placed is a finding that says where it
was in the source; its cell stays empty (never a silent 0), so the workbook's own check names it too.
Published tables that break the form's relations are placed as published: the relation findings say so."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from nianbao.findings import Finding
from nianbao.form.cells import parse_cell
from nianbao.form.model import FORM_IDS, Form, NumKind, Table, load_form
from nianbao.published.source import Source, SourceError
from nianbao.published.text import norm
from nianbao.workbook import layout as L
from nianbao.workbook.model import complete_totals
from nianbao.workbook.values import Number

# a figure as tables print it: "1,234", "+3", "45.5万元" (a unit after an amount), "5件"
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:万元|元|件|个|项)?$")
_UNIT = re.compile(r"(?:万元|元|件|个|项)$")
# what published tables print where a figure would be, without one: blank, a dash, a slash, 无
_NO_FIGURE = re.compile(r"^(?:|[-—–－―/／\\]+|无)$")


@dataclass(frozen=True)
class Origin:
    """Where a placed figure was in the source: its table and row (0-based), its column when the grid has
    one, and the text printed there."""
    table: int
    row: int
    column: int | None
    text: str


@dataclass
class Placed:
    figures: dict[str, dict[str, object]] = field(default_factory=dict)  # table name -> cell ref -> value
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)  # (table name, cell ref) -> where from
    findings: list[Finding] = field(default_factory=list)
    rows: set[tuple[int, int]] = field(default_factory=set)  # (source table, row) whose figures were taken


def place_tables(src: Source, form: Form) -> Placed:
    """Raises SourceError when tables rebuilt from word positions do not hold together (see _check_rebuilt)."""
    result = Placed()
    for sec, table in form.section_tables():
        _place(src, form.id, table, sec.heading, result)
    _unknown_rows(src, form, result)
    if src.rebuilt:
        _check_rebuilt(form, result)
    return result


_MISPRINTS = 2


def _check_rebuilt(form: Form, result: Placed) -> None:
    """Tables rebuilt from word positions are a reading, not a grid: taken only when every figure of the form
    was found and no row was left over; a total that is not the sum of its parts is imported as published
    (the report may misprint one) and named, but more than _MISPRINTS of them mean figures were read into
    the wrong places, and the import is refused — a wrong figure would otherwise go unnoticed."""
    doubt = next((f.message for f in result.findings if f.code in ("import-unplaced", "import-unknown-row")), "")
    wrong: list[str] = []
    for table in form.tables.values():
        values: dict[str, Number | None] = {ref: v for ref, v in result.figures.get(table.name, {}).items()
                                            if v is None or isinstance(v, int | Decimal)}
        typed = {ref for ref in table.totals if values.get(ref) is not None}
        for ref, printed in complete_totals(table, values, typed).items():
            rows, cols = table.label_path(ref)
            wrong.append(f"“{'/'.join(rows + cols)}”印的是 {printed}，分项之和是 {values[ref]}")
    if not doubt and len(wrong) > _MISPRINTS:
        doubt = f"{len(wrong)} 个合计与分项之和不符，如{wrong[0]}"
    if doubt:
        raise SourceError(f"统计表没有表格线，按文字位置读出的数字对不上（{doubt}），无法可靠导入；"
                          "请改用同一份报告的 Word（.docx）或网页文件")
    added = (f"；但有 {len(wrong)} 个合计与分项之和不符（{'；'.join(wrong)}），可能是原报告印错，也可能是读错了位置，"
             "请对照原文逐格核实" if wrong else "，各项合计与分项之和一致。请再与原报告对照一遍")
    result.findings.append(Finding.of("import-rebuilt", f"PDF 中的统计表没有表格线，已按文字的位置读取；每个数字都已找到{added}"))


def _unknown_rows(src: Source, form: Form, result: Placed) -> None:
    """Rows of figures under labels the form does not have (a 合计 row a site added, a label of another form
    revision): their figures go nowhere, and the clerk is told where they were."""
    tables_used = {ti for ti, _ in result.rows}
    for ti, ri, row in _candidate_rows(src):
        if ti not in tables_used or (ti, ri) in result.rows:
            continue
        numbers = [c for c in row if _is_figure(c)]
        labels = list(dict.fromkeys(c for c in row if c and not _is_figure(c)))
        if numbers and labels:
            other = _other_form(form.id, None, labels[-1])
            hint = (f"；这是 {other} 版表格的写法，{form.id} 版把这一项分成了几行，请按实际情况分项填写"
                    if other and labels[-1] in {norm(t) for tb in form.tables.values() for t in tb.labels.values()} else "")
            result.findings.append(Finding.of(
                "import-unknown-row",
                f"第 {ti + 1} 个表格第 {ri + 1} 行：标签“{'/'.join(labels)[:60]}”不在 {form.id} 版表格中，这一行的数字（{'、'.join(list(dict.fromkeys(numbers))[:8])}）没有导入{hint}",
                actual="/".join(labels)[:200]))


def _other_form(form_id: str, table_name: str | None, printed: str) -> str | None:
    """The other form revision whose table (table_name, or any) has this label as a row or column label."""
    for i in FORM_IDS:
        if i == form_id:
            continue
        tables = load_form(i).tables
        if any(printed in {norm(t) for t in tb.labels.values()}
               for name, tb in tables.items() if table_name is None or name == table_name):
            return i
    return None


def number(text: str, kind: NumKind) -> object | None:
    t = _UNIT.sub("", text.replace(",", "").replace("，", ""))
    if not _NUMBER.match(t):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    return d if kind is NumKind.DECIMAL_GE0 else int(d)


def _is_figure(cell: str) -> bool:
    return bool(_NUMBER.match(cell.replace(",", "")))


def _is_label(cell: str) -> bool:
    """Text that is neither a figure nor a mark standing for one."""
    return not (_is_figure(cell) or _NO_FIGURE.match(cell))


def _figure_cells(cells: list[str], width: int) -> list[str]:
    """The cells after a row's last label: figures, or marks standing where a figure would be. The grid's
    padding at a short row's end (a page that left its trailing cells out) is dropped when there are more
    cells than the form has figures."""
    last_label = max((i for i, c in enumerate(cells) if _is_label(c)), default=-1)
    values = cells[last_label + 1:]
    while len(values) > width and values[-1] == "":
        values.pop()
    return values


def _candidate_rows(src: Source) -> list[tuple[int, int, list[str]]]:
    """(table number, row number, cells) of every source row, tables split across pages taken together."""
    return [(ti, ri, row) for ti, t in enumerate(src.tables) for ri, row in enumerate(t)]


def _row_under_headers(src: Source, headers: set[str], width: int, used: set[tuple[int, int]]
                       ) -> tuple[int, int, list[str]] | None:
    for ti, t in enumerate(src.tables):
        text = {c for row in t for c in row}
        joined = "".join(c for row in t for c in row)
        # every header a cell of the table, or (a header wrapped in its cell, read from a PDF without lines
        # as two pieces side by side) at least spelled out in its text
        if not (headers <= text or all(h in joined for h in headers)):
            continue
        for ri, row in enumerate(t):
            numbers = _figure_cells(row, width)
            if len(numbers) >= width and any(map(_is_figure, numbers)) and (ti, ri) not in used:
                return ti, ri, numbers
    return None


# how like the form's label a printed one must be to stand for it (difflib's ratio): "其他法律行政止公开" for
# "其他法律行政法规禁止公开" is 0.86, the 2019 form's "规范性文件" for "行政规范性文件" 0.83; two rows of one
# form are at most 0.75 alike ("一、本年新收…申请数量" / "二、上年结转…申请数量"), and a printed label must
# also be liker its own row than any other
_LIKE = 0.8


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _in_form_unit(value: object, text: str, table: Table, ref: str, ti: int, ri: int, result: Placed) -> object:
    """An amount printed with its unit ("251000元") in the unit of the form's column (本年收费金额（单位：万元）),
    said in a finding: written as printed it would be 10,000 times too large in next year's report."""
    printed = re.search(r"(万元|元)$", text.replace(" ", ""))
    wanted = next((m.group(1) for label in table.label_path(ref)[1] if (m := re.search(r"(万元|元)", label))), None)
    if not isinstance(value, Decimal | int) or not printed or not wanted or printed.group(1) == wanted:
        return value
    factor = Decimal(10000) if printed.group(1) == "万元" else Decimal("0.0001")
    converted = Decimal(value) * factor
    converted = converted.to_integral_value() if converted == converted.to_integral_value() else converted.normalize()
    if table.numeric[ref] is not NumKind.DECIMAL_GE0 and converted != converted.to_integral_value():
        return value  # a count cell: no unit to convert to
    result.findings.append(Finding.of(
        "import-unit", f"第 {ti + 1} 个表格第 {ri + 1} 行印的是“{text}”，表格的单位是{wanted}，已换算为 {converted:f}{wanted}导入；"
        "请对照原报告核实", L.TABLE_SHEETS[table.name], L.to_sheet(ref), expected=f"{converted:f}", actual=text))
    return converted


def _label_variants(src: Source, form_id: str, table: Table, by_row: dict[int, list[str]],
                    matches: dict[int, tuple[int, int, list[str]] | None], used: set[tuple[int, int]]
                    ) -> dict[int, tuple[str, str]]:
    """Form rows not found by their labels, matched to a source row whose label differs from the form's by
    a misprint or by the other form revision's wording: only when that row is the one form row it is most
    like (no other row of the form as close), it is the one source row most like the form row, and it has
    the row's figures. Fills matches in place; returns form row -> (the label as printed, what differs)."""
    leaves = {row: norm(table.label_path(refs[0])[0][-1]) for row, refs in by_row.items() if table.label_path(refs[0])[0]}
    tables_used = {m[0] for m in matches.values() if m}
    found: dict[int, tuple[str, str]] = {}
    candidates: list[tuple[int, int, str, list[str]]] = []
    for ti, ri, cells in _candidate_rows(src):
        labels = [c for c in cells if _is_label(c)]
        if ti in tables_used and (ti, ri) not in used and labels:
            candidates.append((ti, ri, labels[-1], cells))
    for row, leaf in leaves.items():
        if matches[row] is not None:
            continue
        refs = by_row[row]
        scored = sorted(((_likeness(printed, leaf), ti, ri, printed, cells) for ti, ri, printed, cells in candidates),
                        key=lambda x: -x[0])
        if not scored or scored[0][0] < _LIKE or (len(scored) > 1 and scored[1][0] >= scored[0][0]):
            continue
        score, ti, ri, printed, cells = scored[0]
        # no other row of the form is as like the printed label
        if any(_likeness(printed, other) >= score for r, other in leaves.items() if r != row):
            continue
        numbers = _figure_cells(cells, len(refs))
        if len(numbers) < len(refs):
            continue
        matches[row] = (ti, ri, numbers)
        used.add((ti, ri))
        candidates = [c for c in candidates if c[:2] != (ti, ri)]
        other = _other_form(form_id, table.name, printed)
        what = (f"是 {other} 版表格的写法" if other else f"与表格的“{table.label_path(refs[0])[0][-1]}”只差几个字")
        found[row] = (printed, what)
    return found


def _column_labels(grid: list[list[str]]) -> list[list[tuple[int, str]]]:
    """Each column's label cells from the top down, (row, text), a spanned cell's repeats taken once."""
    columns: list[list[tuple[int, str]]] = []
    for c in range(max((len(row) for row in grid), default=0)):
        seen: list[tuple[int, str]] = []
        for r, row in enumerate(grid):
            cell = row[c] if c < len(row) else ""
            if cell and _is_label(cell) and (not seen or seen[-1][1] != cell):
                seen.append((r, cell))
        columns.append(seen)
    return columns


def _header_columns(labels: list[list[tuple[int, str]]], ri: int, table: Table, refs: list[str]) -> dict[str, int]:
    """The source column of each figure cell of row ri, found by the form's column headers (all of them, in
    order: "行政诉讼/复议后起诉/结果维持") among the labels above the row in that column (labels:
    _column_labels of the source table). A row with no headers above it (a table continued on the next
    page) finds none."""
    found: dict[str, int] = {}
    for ref in refs:
        path = [norm(x) for x in table.label_path(ref)[1]]
        if not path:
            continue
        for c, column in enumerate(labels):
            it = (text for r, text in column if r < ri)
            if c not in found.values() and all(any(label == s for s in it) for label in path):
                found[ref] = c
                break
    return found


def _one_per_column(numbers: list[str], wanted: int) -> list[str]:
    """A figure cell spanning columns repeats in the grid ("45.5万元" under 采购总金额, two columns wide):
    one of each run, if that leaves as many as the form has; else the row's last figures."""
    if len(numbers) <= wanted:
        return numbers
    runs = [n for i, n in enumerate(numbers) if i == 0 or n != numbers[i - 1]]
    return runs if len(runs) == wanted else numbers[-wanted:]


def _place(src: Source, form_id: str, table: Table, heading: str, result: Placed) -> None:
    """Each figure row of the form: the source row whose labels spell the form row's labels (in order),
    its numbers in the order of the form's figure columns."""
    figures: dict[str, object] = {}
    rows = _candidate_rows(src)
    by_row: dict[int, list[str]] = {}
    for ref in table.numeric:
        by_row.setdefault(parse_cell(ref)[0], []).append(ref)
    used: set[tuple[int, int]] = set()
    no_column: dict[tuple[int, str], list[str]] = {}  # (source table, column headers) -> form cells left empty
    labels_of: dict[int, list[list[tuple[int, str]]]] = {}

    def column_labels(ti: int) -> list[list[tuple[int, str]]]:
        if src.rebuilt:  # a rebuilt row is its labels then its figures: its columns line up with nothing
            return []
        if ti not in labels_of:
            labels_of[ti] = _column_labels(src.tables[ti])
        return labels_of[ti]

    headers = {norm(t) for ref, t in table.labels.items() if parse_cell(ref)[0] <= table.header_rows()}
    leaves = [norm(table.label_path(refs[0])[0][-1]) for refs in by_row.values() if table.label_path(refs[0])[0]]
    matches: dict[int, tuple[int, int, list[str]] | None] = {}
    for row, refs in by_row.items():
        labels = [norm(x) for x in table.label_path(refs[0])[0]]
        leaf = labels[-1] if labels else ""
        match = None
        if not labels:  # a table without row labels (四): the all-number row under its column headers
            match = _row_under_headers(src, headers, len(refs), used)
        # the row whose labels spell the form row's (its own and its parent's); failing that, when the
        # form row's own label is unique in the table, the row with that label alone — a table split
        # across pages (a PDF printed from a web page) loses the spanning parent label on the next page
        wanted = [labels[-2:]] + ([[leaf]] if leaf and len(labels) > 1 and leaves.count(leaf) == 1 else [])
        # a row with fewer figure cells than the form's (a column the site left out) only when the column
        # headers above it say which figure is which
        for need, short in ([] if match else [(w, s) for s in (False, True) for w in wanted]):
            for ti, ri, cells in rows:
                if (ti, ri) in used:
                    continue
                texts = [c for c in cells if _is_label(c)]
                joined = "".join(dict.fromkeys(texts))
                if leaf and leaf in joined and all(lab in joined for lab in need):
                    numbers = _figure_cells(cells, len(refs))
                    if (len(numbers) >= len(refs) or (len(refs) == 1 and numbers)
                            or (short and numbers and _header_columns(column_labels(ti), ri, table, refs))):
                        match = (ti, ri, numbers)
                        break
            if match:
                break
        if match:
            used.add(match[:2])
        matches[row] = match
    variants = _label_variants(src, form_id, table, by_row, matches, used)
    for row, refs in by_row.items():
        labels = [norm(x) for x in table.label_path(refs[0])[0]]
        match = matches[row]
        if match is None:
            for ref in refs:
                figures[ref] = None
            what = f"“{'/'.join(labels)}”这一行的数字" if labels else "表格的数字行（表头下的一行数字）"
            result.findings.append(Finding.of(
                "import-unplaced", f"{heading}：没有找到{what}，导入后为空",
                L.TABLE_SHEETS[table.name], L.to_sheet(refs[0]),
                actual="/".join(labels)))
            continue
        ti, ri, numbers = match
        result.rows.add((ti, ri))
        if row in variants:
            printed, what = variants[row]
            result.findings.append(Finding.of(
                "import-label-variant",
                f"第 {ti + 1} 个表格第 {ri + 1} 行的标签印作“{printed}”，{what}，已按“{'/'.join(table.label_path(refs[0])[0])}”"
                "导入这一行的数字；请对照原报告核实",
                L.TABLE_SHEETS[table.name], L.to_sheet(refs[0]), expected=table.label_path(refs[0])[0][-1], actual=printed))
        numbers = _one_per_column(numbers, len(refs))
        texts_by_ref = dict(zip(refs, numbers))
        grid = src.tables[ti]
        columns = _header_columns(column_labels(ti), ri, table, refs)
        by_header = {ref: grid[ri][c] for ref, c in columns.items()}
        if (len(columns) == len(refs) or len(numbers) < len(refs)
                or any(texts_by_ref.get(ref) != text for ref, text in by_header.items())):
            # the column headers above the row tell where each figure is: they win over the order, and a
            # column the source does not have is named rather than filled from its neighbour
            texts_by_ref = by_header
            for ref in refs:
                if ref not in by_header:
                    figures[ref] = None
                    no_column.setdefault((ti, "/".join(table.label_path(ref)[1])), []).append(ref)
        missing: list[tuple[str, str]] = []
        for ref, text in texts_by_ref.items():
            value = number(text, table.numeric[ref])
            value = _in_form_unit(value, text, table, ref, ti, ri, result)
            figures[ref] = value
            result.origins[(table.name, ref)] = Origin(ti, ri, columns.get(ref), text)
            if value is None:
                missing.append((ref, text))
        if missing:  # one finding a row, at its first such cell: a table with dashes for zeros is one per row
            marks = "、".join(dict.fromkeys(f"“{t}”" if t else "空白" for _, t in missing))
            where = "、".join(L.to_sheet(ref) for ref, _ in missing)
            result.findings.append(Finding.of(
                "import-unplaced",
                f"第 {ti + 1} 个表格第 {ri + 1} 行“{'/'.join(labels) or heading}”：{len(missing)} 格印的是{marks}而不是数字"
                f"（{where}），导入后为空；请按原报告核实后填写（为零的填 0）",
                L.TABLE_SHEETS[table.name], L.to_sheet(missing[0][0]), actual="、".join(t for _, t in missing)))
    for (ti, path), refs in no_column.items():
        result.findings.append(Finding.of(
            "import-unplaced", f"第 {ti + 1} 个表格没有“{path}”这一列：这一列的 {len(refs)} 格导入后为空，"
            "请按原报告核实后填写", L.TABLE_SHEETS[table.name], L.to_sheet(refs[0]), actual=path))
    # Every figure as published, totals included: a published total that is not the sum of its parts is
    # kept (check then names it), never repaired. A total not found stays the template's formula; a part
    # not found is written blank (None), never left as the template's 0, so that check asks for it.
    result.figures[table.name] = {ref: v for ref, v in figures.items() if not (ref in table.totals and v is None)}
