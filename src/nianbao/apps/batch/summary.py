"""汇总.xlsx and summary.json: which office must fix what, with links, and the combined figures."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from nianbao.apps.batch.aggregate import AGGREGATE_SHEET
from nianbao.apps.batch.collect import season_json
from nianbao.apps.batch.items import BatchResult, Item
from nianbao.files import atomic_write_bytes
from nianbao.form.model import load_form
from nianbao.workbook import layout as L
from nianbao.workbook.blank import a4_landscape, wrapped_lines, write_table_sheet

SUMMARY_XLSX, SUMMARY_JSON = "汇总.xlsx", "summary.json"
STATUS_FILL = {"无法读取": "F4B183", "有错误": "FFC7CE", "已生成": "C6EFCE"}
COLUMNS = [("序号", 5), ("文件", 24), ("机关全称", 22), ("年度", 6), ("状态", 8), ("错误", 5), ("警告", 5),
           ("主要问题", 56), ("报告", 24), ("标注副本", 22), ("重复", 22), ("说明", 10), ("PDF", 20)]


def flag_duplicates(items: list[Item]) -> None:
    """Two workbooks of one agency and year: say so on both, and whether their figures differ."""
    by_sha: dict[str, Item] = {}
    groups: dict[tuple[str, int | None], list[Item]] = {}
    for it in sorted(items, key=lambda i: i.file):
        if it.sha256 in by_sha:
            it.duplicate = f"与“{by_sha[it.sha256].file}”是同一文件"
            continue
        by_sha[it.sha256] = it
        if it.agency and it.year:
            groups.setdefault((it.agency, it.year), []).append(it)
    for group in groups.values():
        if len(group) < 2:
            continue
        for it in group:
            others = [o for o in group if o is not it]
            comparable = it.figures and all(o.figures for o in others)
            same = comparable and all(o.figures == it.figures for o in others)
            verdict = "数字相同" if same else ("数字不同，请确认以哪份为准" if comparable else "请确认以哪份为准")
            it.duplicate = f"与“{'”“'.join(o.file for o in others)}”为同一机关同一年度，{verdict}"


def _summary_sheet(ws: Any, result: BatchResult) -> None:
    c = result.counts()
    ws[L.TITLE_CELL] = f"年报汇总：共 {len(result.items)} 个文件，已生成 {c['已生成']}，有错误 {c['有错误']}，无法读取 {c['无法读取']}"
    ws[L.TITLE_CELL].font = Font(name="宋体", size=14, bold=True)
    for col, (title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(2, col, title)
        cell.font = Font(name="宋体", size=11, bold=True)
        ws.column_dimensions[cell.column_letter].width = width
    for n, it in enumerate(result.items, start=1):
        row = n + 2
        values = [n, it.file, it.agency, it.year, it.status.short, it.errors, it.warnings, "\n".join(it.first),
                  it.report or "", it.annotated or "", it.duplicate, "未变化，沿用上次结果" if it.skipped else "", it.pdf or ""]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row, 5).fill = PatternFill("solid", fgColor=STATUS_FILL[it.status.short])
        for col, rel in ((9, it.report), (10, it.annotated), (13, it.pdf)):
            if rel:
                ws.cell(row, col).hyperlink = rel  # relative: works wherever the output folder is moved
                ws.cell(row, col).font = Font(color="0563C1", underline="single")
        if it.duplicate:
            ws.cell(row, 11).fill = PatternFill("solid", fgColor="FFEB9C")
    ws.freeze_panes = ws.cell(3, 1).coordinate  # below the title and the column headers
    ws.auto_filter.ref = f"A2:M{len(result.items) + 2}"
    # on paper: A4 landscape, one page wide, the column headers on every page, each row as tall as its text
    # (a row left one line high prints its problems over the rows below)
    for row in range(3, len(result.items) + 3):
        lines = max(wrapped_lines(str(ws.cell(row, col).value or ""), width) for col, (_, width) in enumerate(COLUMNS, start=1))
        ws.row_dimensions[row].height = 14.0 * lines + 2
    a4_landscape(ws, "2:2")


def _aggregate_sheets(wb: Workbook, aggregate: dict[str, Any]) -> None:
    multi = len(aggregate["forms"]) > 1
    for form_id, data in aggregate["forms"].items():
        form = load_form(form_id)
        suffix = f"（{form_id}版）" if multi else ""
        for sec, table in form.section_tables():
            ws = wb.create_sheet(f"{AGGREGATE_SHEET}-{L.TABLE_SHEETS[table.name]}{suffix}"[:31])
            write_table_sheet(ws, f"{sec.heading}（{data['agencies']} 个单位合计）", table)
            ws[L.HINT_CELL] = f"由 {data['agencies']} 份检查通过的工作簿相加得出；合计关系已重新核对。"
            for ref, value in data["totals"].get(sec.table, {}).items():
                cell = ws[L.to_sheet(ref)]
                cell.value = float(value) if "." in value else int(value)
        detail = wb.create_sheet(f"分单位明细{suffix}"[:31])
        _breakdown(detail, form_id, data)


def _breakdown(ws: Any, form_id: str, data: dict[str, Any]) -> None:
    """One row per figure of the form, one column per agency: what a supervising office compares."""
    form = load_form(form_id)
    members = data["breakdown"]
    heads = ["表", "行", "列", "单元格", "合计"] + [m["agency"] for m in members]
    for col, title in enumerate(heads, start=1):
        cell = ws.cell(1, col, title)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (12, 50, 24, 8, 10)):
        ws.column_dimensions[letter].width = width
    row = 2
    for name, table in form.tables.items():
        for ref in table.numeric:
            rows, cols = table.label_path(ref)
            ws.cell(row, 1, L.TABLE_SHEETS[name])
            ws.cell(row, 2, "/".join(rows))
            ws.cell(row, 3, "/".join(cols))
            ws.cell(row, 4, L.to_sheet(ref))
            total = data["totals"].get(name, {}).get(ref)
            ws.cell(row, 5, _num(total))
            for col, m in enumerate(members, start=6):
                ws.cell(row, col, _num(m["figures"].get(name, {}).get(ref)))
            row += 1
    ws.freeze_panes = ws.cell(2, 6).coordinate  # the header row and the five identifying columns


def _num(text: str | None) -> int | float | None:
    if text is None:
        return None
    return float(text) if "." in text else int(text)


def write_summary(result: BatchResult) -> None:
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = "汇总"
    _summary_sheet(ws, result)
    if result.aggregate:
        _aggregate_sheets(wb, result.aggregate)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(result.outdir / SUMMARY_XLSX, buf.getvalue())
    data = {
        "schema": "nianbao.batch/1",
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "seconds": result.seconds,
        "counts": result.counts(),
        "items": [{k: v for k, v in asdict(it).items() if k != "figures"} | {"status": it.status.short} for it in result.items],
        "aggregate": result.aggregate,
    }
    if result.season is not None:
        data |= season_json(result.season)
    atomic_write_bytes(result.outdir / SUMMARY_JSON, json.dumps(data, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8"))
