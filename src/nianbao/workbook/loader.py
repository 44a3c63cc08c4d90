"""Reading a filled-in workbook: values through pandas (calamine), structure through openpyxl.

Cascade: file → template → sheet layout → cells. A sheet whose labels were changed is reported once and
its cells are not read, so one edited label does not turn into a hundred findings; rows inserted into a
table are tolerated when the labels still identify every row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from nianbao.findings import Finding, Level, Report
from nianbao.form.cells import parse_cell
from nianbao.form.model import FORM_IDS, Form, NumKind, load_form
from nianbao.workbook import layout as L
from nianbao.workbook.grid import Grid, open_grid
from nianbao.workbook.model import (
    Block,
    Meta,
    Narrative,
    Other,
    Submission,
)
from nianbao.workbook.structure import (
    check_merges,
    check_sheets,
    field_cells,
    guide_cells,
    list_cells,
    notes_cells,
    table_cells,
    unexpected_content,
)
from nianbao.workbook.tables import figure, figures_one_column_right, read_table, table_rows
from nianbao.workbook.text import (
    clean,
    cn_ordinal,
    heading_echo,
    join_hard_wraps,
    looks_like_body,
    paragraphs,
    placeholder_only,
    private_use,
    strip_numbering,
)
from nianbao.workbook.values import is_blank, shown


def _detect_form(grid: Grid, report: Report) -> Form | None:
    """The form the workbook was generated for: from the hidden marker, else from table 2's headers."""
    if L.MARKER_SHEET in grid.states:
        if grid.typed(L.MARKER_SHEET, L.MARKER_TAG_CELL) == L.MARKER_TAG:
            version = str(grid.typed(L.MARKER_SHEET, L.MARKER_VERSION_CELL))
            form_id = str(grid.typed(L.MARKER_SHEET, L.MARKER_FORM_CELL))
            if version != L.TEMPLATE_VERSION or form_id not in FORM_IDS:
                report.add(Finding.of("template-version", f"这是第 {version} 版模板（{form_id} 格式），本程序只能读取第 {L.TEMPLATE_VERSION} 版。请用 nianbao template 生成新模板并把数字和文字复制过去。"))
                return None
            return load_form(form_id)
    # No marker (a copy pasted into a new file): the form whose first table's column headers are there.
    for form_id in FORM_IDS:
        form = load_form(form_id)
        first = form.tables[form.table_sections()[0].table or ""]
        sheet = L.TABLE_SHEETS[first.name]
        headers = {ref: text for ref, text in first.labels.items() if parse_cell(ref)[0] <= first.header_rows()}
        if grid.has(sheet) and all(grid.value(sheet, L.to_sheet(ref)) == text for ref, text in headers.items()):
            return form
    report.add(Finding.of("template-unknown", "这不是 nianbao 的填报模板（找不到模板标记和“主动公开”等工作表）。请用 nianbao template 生成的工作簿填写。"))
    return None


def _find_field_rows(grid: Grid, sheet: str, fields: tuple[L.Field, ...], report: Report) -> dict[str, int]:
    """Locate each labelled field by its label in column A (rows may have been moved; labels are the key)."""
    df = grid.values[sheet]
    col_a = [(i + 1, v) for i, v in enumerate(df.iloc[:, 0].tolist())] if df.shape[1] else []
    rows: dict[str, int] = {}
    for f in fields:
        for r, v in col_a:
            if isinstance(v, str) and v.strip().startswith(f.label):
                rows[f.key] = r
                break
        else:
            expected_row = L.FIELD_TOP + fields.index(f)
            report.add(Finding.of("label-changed", f"找不到“{f.label}”这一项（原在第 {expected_row} 行 A 列），请勿修改或删除项目名称", sheet, f"A{expected_row}", expected=f.label))
    return rows


_DATE_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")


def _parse_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime) or isinstance(raw, pd.Timestamp):
        return dt.date(raw.year, raw.month, raw.day)
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        m = _DATE_RE.match(unicodedata.normalize("NFKC", raw).strip())
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _cleaned(grid: Grid, sheet: str, ref: str, report: Report) -> str:
    """A text cell, cleaned; the clerk is told when something invisible was removed."""
    raw = grid.value(sheet, ref)
    text, changed = clean(raw)
    if made := private_use(raw):
        codes = "、".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in made))
        report.add(Finding.of("text-private-use",
                              f"有 {len(made)} 个造字（{codes}，只在本机字体中有字形的自造字符），发布的报告中无法显示，已删除；"
                              "请改用标准汉字，或用文字说明（如“⿰王贵”）", sheet, ref, actual=codes))
    elif changed:
        report.add(Finding.of("text-cleaned", "已删除文字中不可见的控制字符或格式标记", sheet, ref))
    return text


def _field_cells(grid: Grid, sheet: str, fields: tuple[L.Field, ...], report: Report,
                 cells: dict[str, str]) -> Iterator[tuple[L.Field, str, Any]]:
    """(field, value cell, raw value) for each labelled field found; records where each value is."""
    rows = _find_field_rows(grid, sheet, fields, report)
    for f in fields:
        if f.key in rows:
            ref = f"B{rows[f.key]}"
            cells[f.key] = ref
            yield f, ref, grid.value(sheet, ref)


def _read_meta(grid: Grid, sheet: str, report: Report) -> Meta:
    meta = Meta()
    for f, ref, raw in _field_cells(grid, sheet, L.META_FIELDS, report, meta.cells):
        if is_blank(raw):
            if f.required:
                report.add(Finding.of("meta-missing", f"“{f.label}”未填写（{f.hint}）", sheet, ref))
            continue
        if f.key == "year":
            m = re.fullmatch(r"(\d{4})(?:\.0)?\s*(?:年度?)?", unicodedata.normalize("NFKC", str(raw)).strip())
            if m and 2000 <= int(m.group(1)) <= 2100:
                meta.year = int(m.group(1))
            else:
                report.add(Finding.of("meta-invalid", f"“报告年度”应为四位年份，如 2024，实际为 {shown(raw)}", sheet, ref, actual=str(raw)))
        elif f.key == "form":
            m = re.search(r"(2019|2021)", unicodedata.normalize("NFKC", str(raw)))
            if m:
                meta.form = m.group(1)
            else:
                report.add(Finding.of("meta-invalid", f"“表格格式”应为 2021 或 2019，实际为 {shown(raw)}", sheet, ref, actual=str(raw)))
        elif f.key == "date":
            meta.date = _parse_date(raw)
            if meta.date is None:
                report.add(Finding.of("meta-invalid", f"“落款日期”应写成“2025年1月2日”的样子，实际为 {shown(raw)}", sheet, ref, actual=str(raw)))
        else:
            value = " ".join(paragraphs(_cleaned(grid, sheet, ref, report)))
            if f.kind == "choice" and value not in f.choices:
                report.add(Finding.of("meta-invalid", f"“{f.label}”应从下拉列表选择（{'、'.join(f.choices)}），实际为 {shown(raw)}", sheet, ref, actual=value))
                continue
            setattr(meta, f.key, value)
    return meta


def _read_narrative(grid: Grid, sheet: str, report: Report) -> Narrative:
    narrative = Narrative(sheet)
    for col, expected in zip("AB", L.LIST_COLUMNS):
        ref = f"{col}{L.LIST_HEADER_ROW}"
        if grid.value(sheet, ref) != expected:
            # only a warning: the narrative sheet is still read by column
            report.add(Finding.of("label-changed", f"第 {L.LIST_HEADER_ROW} 行表头应为“{expected}”；仍按 A 列小标题、B 列正文读取", sheet, ref,
                                  level=Level.WARNING, expected=expected))
    nrows = grid.values[sheet].shape[0]
    current: Block | None = None
    titled = 0  # blocks with a heading so far: the number the report will print before the next one
    for row in range(L.LIST_FIRST_ROW, max(nrows, L.LIST_FIRST_ROW - 1) + 1):
        head_ref, body_ref = f"A{row}", f"B{row}"
        heading = " ".join(paragraphs(_cleaned(grid, sheet, head_ref, report)))
        paras = _content(paragraphs(_cleaned(grid, sheet, body_ref, report)), sheet, body_ref, report)
        if heading and placeholder_only(heading):
            report.add(Finding.of("narrative-placeholder", f"小标题填的是“{heading}”，不是小标题，已略去", sheet, head_ref, actual=heading))
            heading = ""
        if heading and looks_like_body(heading):
            # A paragraph typed into the 小标题 column: kept, as body text, where it stands.
            report.add(Finding.of("heading-is-text", f"A 列（小标题）里是一段正文（“{heading[:20]}……”），已作为正文放在这里；"
                                  "小标题请写成短语，正文写在 B 列", sheet, head_ref, actual=heading[:60]))
            paras = [heading, *paras]
            heading = ""
        elif heading:
            stripped, removed = strip_numbering(heading)
            if removed and stripped:
                report.add(Finding.of("numbering-removed", f"小标题“{heading}”中的手工编号已去除，编号由程序统一生成", sheet, head_ref, actual=heading, expected=stripped))
            titled += 1
            current = Block(stripped or heading, [], head_ref)
            narrative.blocks.append(current)
            echo = heading_echo(paras[0], current.heading or "", titled) if paras else ""
            if echo and (len(echo) < len(paras[0]) or len(paras) > 1):  # a cell of nothing but the heading stays as typed
                report.add(Finding.of("heading-echo", f"正文开头的“{echo.strip()}”重复了小标题的编号或文字，已去除（报告中小标题“（{cn_ordinal(titled)}）"
                                      f"{current.heading}”已单独成行）", sheet, body_ref, actual=echo.strip()))
                paras[0] = paras[0][len(echo):]
                if not paras[0].strip():  # the heading was a line of its own: the paragraph is gone
                    paras = paras[1:]
        if paras:
            if current is None:
                current = Block(None, [], None)
                narrative.blocks.append(current)
            current.paragraphs.extend(paras)
            current.cells.extend([body_ref] * len(paras))
    for block in narrative.sections if not narrative.is_empty() else []:  # all empty: one finding later
        if not block.paragraphs:
            # only a warning: a sub-heading without text is left out, the section has others
            report.add(Finding.of("narrative-empty", f"小标题“{block.heading}”下没有正文，报告中将略去这个小标题；不需要请删除该行", sheet,
                                  block.heading_cell, level=Level.WARNING))
    narrative.blocks = [b for b in narrative.blocks if b.paragraphs]
    return narrative


def _content(paras: list[str], sheet: str, ref: str, report: Report, label: str = "") -> list[str]:
    """A text cell's paragraphs without "nothing here" marks ("/", "无", "—"), each a finding; lines a
    PDF broke (pasted from one) joined again."""
    paras, joined = join_hard_wraps(paras)
    if joined:
        report.add(Finding.of("text-cleaned", f"这一格的文字在句子中间断行（像是从 PDF 复制来的，每行一样长），已把断开的 {joined} 处接上，"
                              "按句末的标点分段", sheet, ref))
    kept = []
    for para in paras:
        if placeholder_only(para):
            where = f"“{label}”" if label else "这一格"
            report.add(Finding.of("narrative-placeholder", f"{where}填的是“{para}”，它不是正文，不会印进报告；没有内容的请留空"
                                  + ("（需要写明的，可写“无其他需要报告的事项。”）" if label == "其他需要报告的事项" else ""),
                                  sheet, ref, actual=para))
        else:
            kept.append(para)
    return kept


def _read_other(grid: Grid, sheet: str, report: Report) -> Other:
    other = Other()
    for f, ref, raw in _field_cells(grid, sheet, L.SECTION6_FIELDS, report, other.cells):
        if f.kind in ("int", "decimal"):
            kind = NumKind.INT_GE0 if f.kind == "int" else NumKind.DECIMAL_GE0
            value = figure(raw, kind, f.label, sheet, ref, report)
            setattr(other, f.key, Decimal(value) if f.kind == "decimal" and value is not None else value)
        else:
            paras = _content(paragraphs(_cleaned(grid, sheet, ref, report)), sheet, ref, report, f.label)
            if paras:
                other.items[f.key] = paras
    return other


_POSITION_RE = re.compile(r"^(.+?)(?:工作表|表)?[!:：,，、的\s]*(?:单元格)?([A-Za-z]{1,3}\d{1,5})(?:单元格|格)?$")


def normal_position(text: str) -> str:
    """How a clerk may type a position -> 依申请公开!E12: 全角！, spaces, lower case, and in words
    ("依申请公开 J28", "依申请公开表J28", "依申请公开工作表的J28单元格")."""
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    if "!" in text:
        sheet, ref = text.rsplit("!", 1)
        return f"{sheet}!{ref.upper()}"
    m = _POSITION_RE.match(text)
    if m:
        return f"{m.group(1)}!{m.group(2).upper()}"
    return text


def _read_notes(grid: Grid, report: Report) -> list[tuple[str, str, str, str]]:
    sheet = L.SHEET_NOTES
    acks = []
    for row in range(L.NOTES_HEADER_ROW + 1, grid.values[sheet].shape[0] + 1):
        code, pos, reason = (" ".join(paragraphs(_cleaned(grid, sheet, f"{c}{row}", report))) for c in "ABC")
        if not (code or pos or reason):
            continue
        if not (code and pos and reason):
            report.add(Finding.of("ack-unused", f"第 {row} 行的说明不完整：问题代码、位置和理由都要填写", sheet, f"A{row}"))
            continue
        acks.append((code.strip().lower(), normal_position(pos), reason, f"A{row}"))
    return acks


FOLD_AT = 6  # this many findings of one kind in one table are one finding (all cells in the annotated copy)


def _many(found: list[Finding], what: str, advice: str) -> str:
    cells = "、".join(f.cell or "" for f in found[:5])
    return f"本表共 {len(found)} {what}（{cells} 等，标注副本中逐格标出）；{advice}"


def _in(cells: set[str]) -> Callable[[str, Any], bool]:
    # template --from writes notes of last year's figures beside the table: part of the layout
    return lambda ref, value: ref in cells or (isinstance(value, str) and value.startswith(L.LAST_YEAR_NOTE))


def _rows_of(cells: dict[str, str]) -> dict[str, int]:
    return {key: parse_cell(ref)[0] for key, ref in cells.items()}


def load(path: str | Path) -> tuple[Submission | None, Report]:
    """Read and structurally validate a workbook that passed guard.check_file (conversion.check runs both).
    Returns (None, report) when nothing usable could be read."""
    path = Path(path)
    report = Report(str(path))
    grid = open_grid(path, report)
    if grid is None:
        return None, report
    form = _detect_form(grid, report)
    if form is None:
        return None, report

    sheet_findings, renamed = check_sheets(grid.sheetnames, grid.states, lambda sheet: grid.typed(sheet, L.TITLE_CELL), form)
    report.extend(sheet_findings)
    names = {want: renamed.get(want, want) for want in L.sheet_order(form)[1:]}
    for want, name in names.items():
        if not grid.has(name):
            report.add(Finding.of("sheet-missing", f"缺少工作表“{want}”。请勿删除或重命名工作表；现有工作表：{'、'.join(s for s in grid.sheetnames if s != L.MARKER_SHEET)}", want))
    present = {want: name for want, name in names.items() if grid.has(name)}
    allowed: dict[str, Callable[[str, Any], bool]] = {}

    meta = Meta()
    if L.SHEET_META in present:
        meta = _read_meta(grid, present[L.SHEET_META], report)
        allowed[L.SHEET_META] = field_cells(L.META_FIELDS, _rows_of(meta.cells))
    if meta.form and meta.form != form.id:
        report.add(Finding.of("form-mismatch", f"“表格格式”填的是 {meta.form}，但本工作簿的统计表是 {form.id} 格式。请用 nianbao template --form {meta.form} 生成对应模板，或改回 {form.id}", present[L.SHEET_META], meta.cells.get("form"), expected=form.id, actual=meta.form))

    def narrative(want: str) -> Narrative:
        if want not in present:
            return Narrative(want)
        allowed[want] = list_cells
        return _read_narrative(grid, present[want], report)

    other = Other()
    if L.SHEET_OTHER in present:
        other = _read_other(grid, present[L.SHEET_OTHER], report)
        allowed[L.SHEET_OTHER] = field_cells(L.SECTION6_FIELDS, _rows_of(other.cells))
    sub = Submission(
        source=str(path), form=form, meta=meta, figures={},
        general=narrative(L.SHEET_GENERAL), problems=narrative(L.SHEET_PROBLEMS), other=other,
        sheets=dict(present),
    )
    for name, table in form.tables.items():
        want = L.TABLE_SHEETS[name]
        if want not in present:
            continue
        sheet = present[want]
        rows = table_rows(grid, sheet, table, report)
        if rows is None:
            continue  # the label finding says why; its figures are not checked
        figures_one_column_right(grid, sheet, table, rows, report)
        start = len(report.findings)
        moved = read_table(grid, sheet, table, rows, report, sub)
        report.fold("value-blank", sheet, start, FOLD_AT, lambda found: _many(found, "个数字格为空", "没有发生的事项请填 0，不要留空"))
        report.fold("value-normalized", sheet, start, FOLD_AT,
                    lambda found: _many(found, "个数字是以文本形式存储的，已按数字读取", "请确认（可选中这些格子，用“转换为数字”统一改正）"))
        sub.readable.add(name)
        sub.rows[name] = rows
        report.extend(check_merges(grid.merged.get(sheet, set()) | set(moved), sheet, table, rows))
        allowed[want] = _in(table_cells(table, rows) | set(moved.values()))
    if grid.has(L.SHEET_NOTES):
        sub.acks = _read_notes(grid, report)
        allowed[L.SHEET_NOTES] = notes_cells
        present[L.SHEET_NOTES] = L.SHEET_NOTES
    if grid.has(L.SHEET_GUIDE):  # the instructions: nothing typed there reaches the report
        allowed[L.SHEET_GUIDE] = guide_cells
        present[L.SHEET_GUIDE] = L.SHEET_GUIDE
    for want, is_allowed in allowed.items():
        report.extend(unexpected_content(grid.values[present[want]], present[want], is_allowed))
    for sheet, (first, count) in grid.beyond.items():
        report.add(Finding.of("unexpected-content", f"第 {L.SCAN_ROWS} 行以下还有 {count} 个单元格有内容（第一个是 {first}），"
                         "不在填报区域内，不会进入报告；请删除", sheet, first, actual=count))
    return sub, report
