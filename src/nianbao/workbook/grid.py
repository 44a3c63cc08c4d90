"""The workbook as a file: its cells' values (pandas over calamine, the rows the layout can use), and what
values alone do not show, read from the file's XML (openpyxl for types and sheet states; the raw XML for
merged ranges and the saved results of formulas). The loader reads the form out of this view."""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from nianbao.findings import Finding, Report
from nianbao.form.cells import cell_ref, parse_cell
from nianbao.workbook import layout as L


@dataclass
class Grid:
    """Both views of the workbook: cached values (calamine) and what was typed, formulas included
    (openpyxl, read-only: it is twice as fast, and merges come straight from the sheet XML)."""

    values: dict[str, pd.DataFrame]
    typed_cells: dict[str, dict[str, Any]]  # sheet -> A1 -> value as typed ("=SUM(…)" for formulas)
    states: dict[str, str]  # sheet -> visible | hidden | veryHidden
    merged: dict[str, set[str]]  # sheet -> merged ranges ("A1:C3")
    # sheet -> A1 -> what a formula cell last computed, as saved: an error code ("#DIV/0!") or "" for an
    # empty text result; calamine reads both as a blank, openpyxl (with formulas) not at all
    results: dict[str, dict[str, str]] = field(default_factory=dict)
    beyond: dict[str, tuple[str, int]] = field(default_factory=dict)  # sheet -> (first cell, how many) below SCAN_ROWS

    @property
    def sheetnames(self) -> list[str]:
        return list(self.states)

    def has(self, sheet: str) -> bool:
        return sheet in self.values and sheet in self.states

    def value(self, sheet: str, ref: str) -> Any:
        df = self.values[sheet]
        r, c = parse_cell(ref)
        if r > df.shape[0] or c > df.shape[1]:
            return None
        return df.iat[r - 1, c - 1]

    def typed(self, sheet: str, ref: str) -> Any:
        return self.typed_cells.get(sheet, {}).get(ref)

    def is_formula(self, sheet: str, ref: str) -> bool:
        v = self.typed(sheet, ref)
        return isinstance(v, str) and v.startswith("=")

    def find_text(self, sheet: str, text: str) -> list[str]:
        df = self.values[sheet]
        hits = []
        for (r, c), v in df.stack().items():  # type: ignore[misc]  # pandas-stubs types the stacked index as one Hashable, not a (row, column) pair
            if isinstance(v, str) and v.strip() == text:
                hits.append(cell_ref(int(r) + 1, int(c) + 1))
        return hits


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
# A formula cell whose saved result is an error (t="e") or text (t="str"): <c r="E6" t="e"><f>1/0</f><v>#DIV/0!</v></c>
_RESULT_RE = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+[0-9]+)"[^>]*?\st="(e|str)"[^>]*>(.*?)</(?:\w+:)?c>', re.S)
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _formula_results(xml: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for ref, kind, inner in _RESULT_RE.findall(xml):
        v = _VALUE_RE.search(inner)
        text = v.group(1).decode("utf-8", "replace") if v else ""
        if kind == b"e" or not text:
            out[ref.decode()] = text
    return out


Structure = tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, set[str]], dict[str, dict[str, str]], dict[str, tuple[str, int]]]


def _read_structure(path: Path) -> Structure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; we never re-save
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        typed: dict[str, dict[str, Any]] = {}
        beyond: dict[str, tuple[str, int]] = {}
        states: dict[str, str] = {}
        parts: dict[str, str] = {}
        for ws in book.worksheets:
            states[ws.title] = ws.sheet_state
            parts[ws.title] = getattr(ws, "_worksheet_path", "")
            typed[ws.title] = {
                cell.coordinate: cell.value
                for row in ws.iter_rows(max_row=L.SCAN_ROWS)
                for cell in row
                if cell.value is not None and hasattr(cell, "coordinate")
            }
            # Below the rows the layout can use: counted as they stream past, never held (200 000 numbers
            # typed down a column are one finding, not half a gigabyte)
            first, count = None, 0
            for row in ws.iter_rows(min_row=L.SCAN_ROWS + 1, values_only=False):
                for cell in row:
                    if cell.value is not None and hasattr(cell, "coordinate"):
                        first = first or cell.coordinate
                        count += 1
            if count:
                beyond[ws.title] = (str(first), count)
    finally:
        book.close()
    merged: dict[str, set[str]] = {}
    results: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for title, part in parts.items():
            part = part.lstrip("/")
            xml = zf.read(part) if part in names else b""
            merged[title] = {m.decode() for m in _MERGE_RE.findall(xml)}
            results[title] = _formula_results(xml)
    return typed, states, merged, results, beyond


def open_grid(path: Path, report: Report) -> Grid | None:
    try:
        typed, states, merged, results, beyond = _read_structure(path)
        # only the rows the layout can use become Python objects; what lies below was counted above
        values = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine", nrows=L.SCAN_ROWS)
    except (MemoryError, KeyboardInterrupt, SystemExit):
        raise  # the sandbox reports memory as a resource limit, not as a corrupt file
    except BaseException as exc:  # noqa: BLE001 - calamine's Rust panics (PanicException) are BaseException
        # any parser failure on a user's file is a finding, never a traceback
        report.add(Finding.of("file-corrupt", f"“{path.name}”无法作为 Excel 工作簿读取（{type(exc).__name__}）。请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新发送。"))
        return None
    return Grid(values, typed, states, merged, results, beyond)


FORMULA_ERRORS = {
    "#DIV/0!": "除数为零", "#NAME?": "公式中有无法识别的函数或名称", "#REF!": "引用的单元格已被删除",
    "#VALUE!": "参数的类型不对", "#N/A": "找不到要引用的值", "#NUM!": "数值无效", "#NULL!": "引用的区域不相交",
    "#SPILL!": "结果放不下", "#CALC!": "无法计算",
}


def formula_problem(grid: Grid, sheet: str, at: str) -> str:
    """Why a formula cell has no number, in the clerk's terms."""
    formula = str(grid.typed(sheet, at))
    result = grid.results.get(sheet, {}).get(at)
    if result:
        meaning = FORMULA_ERRORS.get(result.upper(), "计算出错")
        return f"这里的公式 {formula} 计算出错（{result}：{meaning}），请改正公式或直接填写数字"
    if result == "":
        return f"这里的公式 {formula} 的结果是空白，请直接填写数字（没有发生的事项填 0）"
    return f"这里是公式 {formula}，但文件中没有保存计算结果（可能是由其他程序生成而未经 Excel 计算），请直接填写数字"
