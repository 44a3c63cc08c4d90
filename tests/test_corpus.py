"""The corpus of defective workbooks: one defect each, with the exact findings it must give.

Every workbook is built here from an example (openpyxl, or bytes for files that are not workbooks), so
each defect is visible in the test. Compared as (code, position) sets: exactly these findings, no more —
a defect that produced a cascade of findings would fail here."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from nianbao.conversion import check
from nianbao.workbook import layout as L
from nianbao.workbook.fill import filled_workbook

from support import DAZHUANG, PINGTAN, insert_rows_like_excel


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    expected: set[tuple[str, str]]


def wb_case(id: str, change: Callable[[openpyxl.Workbook], None], expected: set, base: Path = PINGTAN) -> Case:
    def build(tmp: Path) -> Path:
        wb = openpyxl.load_workbook(base)
        change(wb)
        out = tmp / f"{id}.xlsx"
        wb.save(out)
        return out

    return Case(id, build, expected)


def cell_case(id: str, where: str, value: object, expected: set, base: Path = PINGTAN) -> Case:
    sheet, ref = where.split("!")
    return wb_case(id, lambda wb: wb[sheet].__setitem__(ref, value), expected, base)


def bytes_case(id: str, data: bytes | Callable[[], bytes], expected: set) -> Case:
    def build(tmp: Path) -> Path:
        out = tmp / f"{id}.xlsx"
        out.write_bytes(data() if callable(data) else data)
        return out

    return Case(id, build, expected)


def rezip(src: Path, edit: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook's zip with some parts rewritten (edit returns None to keep a part as is)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, edit(info.filename, data) or data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return buf.getvalue()


def sheet_part(src: Path, title: str) -> str:
    wb = openpyxl.load_workbook(src)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def cached_formula() -> bytes:
    """A formula with a cached result, as Excel/WPS save it (openpyxl writes none)."""
    wb = openpyxl.load_workbook(PINGTAN)
    wb["依申请公开"]["F6"] = "=1-1"
    buf = io.BytesIO()
    wb.save(buf)
    tmp = Path(__file__).parent / ".cache-formula.xlsx"
    tmp.write_bytes(buf.getvalue())
    try:
        part = sheet_part(tmp, "依申请公开")

        def edit(name: str, data: bytes) -> bytes | None:
            if name != part:
                return None
            return re.sub(rb'(<c r="F6"[^>]*>)<f>1-1</f><v\s*/>|(<c r="F6"[^>]*>)<f>1-1</f><v></v>', rb"\1\2<f>1-1</f><v>0</v>", data)

        return rezip(tmp, edit)
    finally:
        tmp.unlink()


def encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(DAZHUANG, "rb") as fh:
        OOXMLFile(fh).encrypt("123456", out)
    return out.getvalue()


def legacy_xls() -> bytes:
    import xlwt

    wb = xlwt.Workbook()
    wb.add_sheet("基本信息").write(0, 0, "机关全称")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def entity() -> bytes:
    def edit(name: str, data: bytes) -> bytes | None:
        if name == "xl/workbook.xml":
            return b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + data.split(b"?>", 1)[-1]
        return None

    return rezip(PINGTAN, edit)


def raw_text(where: str, xml_text: bytes) -> Callable[[], bytes]:
    """A text cell holding what openpyxl refuses to write (Excel's _xHHHH_ escapes of control chars)."""

    def make() -> bytes:
        sheet, ref = where.split("!")
        wb = openpyxl.load_workbook(PINGTAN)
        wb[sheet][ref] = "@@MARK@@"
        buf = io.BytesIO()
        wb.save(buf)
        tmp = Path(__file__).parent / f".raw-{ref}.xlsx"
        tmp.write_bytes(buf.getvalue())
        try:
            part = sheet_part(tmp, sheet)
            return rezip(tmp, lambda name, data: data.replace(b"@@MARK@@", xml_text) if name == part else None)
        finally:
            tmp.unlink()

    return make


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _one_column_right(ws) -> None:
    """Every figure row of 表三 pasted one column to the right, as values (a Word table's copy): D empty."""
    for r in range(6, 31):
        vals = [ws.cell(r, c).value for c in range(4, 10)]
        if not any(isinstance(v, int) for v in vals):
            continue
        vals = [v if isinstance(v, int) else 0 for v in vals]
        for c in range(4, 11):
            ws.cell(r, c).value = None
        for i, v in enumerate(vals + [sum(vals)]):
            ws.cell(r, 5 + i).value = v


def _renamed(tmp: Path, suffix: str) -> Path:
    out = tmp / f"平潭.{suffix}"
    out.write_bytes(PINGTAN.read_bytes())
    return out


def ods_bytes() -> bytes:
    """An OpenDocument spreadsheet, as WPS or LibreOffice save one."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buf.getvalue()


def wrong_form(tmp: Path) -> Path:
    # one defect only: the tables hold a figure, the text reports 考核 (a township owes it)
    wb = filled_workbook("2019", {"agency": "大庄乡人民政府", "agency_type": "乡镇街道", "year": 2024, "date": "2025年1月2日"},
                         figures={"table3": {"D4": 1, "D6": 1}},
                         general=[("", "本年度依法推进政府信息公开工作，纳入年度考核。" * 12)], problems=[("", "问题。")])
    out = tmp / "wrong-form.xlsx"
    wb.save(out)
    return out


def hide(title: str) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        wb[title].sheet_state = "hidden"
    return change


T3 = "依申请公开"
CASES: list[Case] = [
    # --- the file itself -------------------------------------------------------------------------
    bytes_case("empty-file", b"", {("file-empty", "")}),
    bytes_case("pdf-renamed", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", {("file-not-xlsx", "")}),
    bytes_case("csv-renamed", "机关全称,报告年度\n大庄乡人民政府,2024\n".encode("gb18030"), {("file-not-xlsx", "")}),
    bytes_case("html-renamed", b"<html><body><table><tr><td>1</td></tr></table></body></html>", {("file-not-xlsx", "")}),
    bytes_case("rar-renamed", b"Rar!\x1a\x07\x00" + b"\0" * 100, {("file-not-xlsx", "")}),
    bytes_case("docx-renamed", docx_bytes, {("file-not-xlsx", "")}),
    Case("xlsx-saved-as-et", lambda tmp: _renamed(tmp, "et"), {("file-not-xlsx", "")}),   # read all the same (an info)
    bytes_case("ods", ods_bytes, {("file-not-xlsx", "")}),
    bytes_case("truncated-zip", lambda: PINGTAN.read_bytes()[:3000], {("file-corrupt", "")}),
    bytes_case("legacy-xls", legacy_xls, {("file-encrypted-or-legacy", "")}),
    bytes_case("password", encrypted, {("file-encrypted-or-legacy", "")}),
    bytes_case("xml-entities", entity, {("file-unsafe", "")}),
    bytes_case("macro", lambda: rezip(PINGTAN, lambda n, d: None, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 600}),
               {("file-macro", "")}),
    wb_case("foreign-workbook", lambda wb: [wb.remove(ws) for ws in wb.worksheets[1:]] and None, {("template-unknown", "")}),
    # --- the template ----------------------------------------------------------------------------
    cell_case("old-template-version", f"{L.MARKER_SHEET}!B1", "0", {("template-version", "")}),
    Case("wrong-form-for-year", wrong_form, {("form-year-mismatch", "基本信息!B5")}),
    cell_case("form-field-changed", "基本信息!B6", "2019", {("form-mismatch", "基本信息!B6")}),
    wb_case("sheet-deleted", lambda wb: wb.remove(wb["复议诉讼"]), {("sheet-missing", "复议诉讼")}),
    wb_case("sheet-renamed", lambda wb: setattr(wb["复议诉讼"], "title", "Sheet3"), {("sheet-renamed", "Sheet3")}),
    wb_case("sheet-hidden", hide("依申请公开"), {("sheet-hidden", "依申请公开")}),
    wb_case("sheets-reordered", lambda wb: wb.move_sheet("复议诉讼", offset=-2), {("sheet-reordered", "")}),
    wb_case("extra-sheet", lambda wb: wb.create_sheet("我的草稿")["A1"].__setattr__("value", "备忘"), {("extra-sheet", "我的草稿")}),
    cell_case("label-edited", f"{T3}!C13", "4.保护第三方权益", {("label-changed", f"{T3}!C13")}),
    wb_case("row-inserted", lambda wb: insert_rows_like_excel(wb[T3], 20), {("layout-shifted", f"{T3}!A20")}),
    # 表四's figure row has no label: a blank row inserted above it is found by where the figures went
    wb_case("row-inserted-in-table-4", lambda wb: insert_rows_like_excel(wb["复议诉讼"], 6), {("layout-shifted", "复议诉讼!A6")}),
    # 表三 pasted from a Word table one column to the right: one finding, the figures read where they belong
    wb_case("table-one-column-right", lambda wb: _one_column_right(wb[T3]), {("layout-shifted", f"{T3}!D6")}),
    wb_case("row-deleted", lambda wb: wb[T3].delete_rows(25), {("label-changed", f"{T3}!C25")}),
    wb_case("column-inserted", lambda wb: wb[T3].insert_cols(5), {("label-changed", f"{T3}!E4")}),
    # a figure's merged cell split and the figure typed in its middle: read from there, one finding saying where it goes
    wb_case("figure-in-a-split-merge", lambda wb: (wb["主动公开"].unmerge_cells("B9:D9"), wb["主动公开"].__setitem__("C9", wb["主动公开"]["B9"].value),
                                                   wb["主动公开"].__setitem__("B9", None)), {("merge-broken", "主动公开!B9")}),
    wb_case("merge-broken", lambda wb: wb[T3].unmerge_cells("D3:J3"), {("merge-broken", f"{T3}!D3")}),
    cell_case("figure-outside-table", f"{T3}!L8", 5, {("unexpected-content", f"{T3}!L8")}),
    cell_case("text-beside-metadata", "基本信息!E3", "备注：名称待定", {("unexpected-content", "基本信息!E3")}),
    cell_case("note-on-the-guide-sheet", "填报说明!C3", "我单位无此项工作", {("unexpected-content", "填报说明!C3")}),
    cell_case("narrative-in-column-c", "总体情况!C5", "这段写错了列", {("unexpected-content", "总体情况!C5")}),
    cell_case("label-in-meta-edited", "基本信息!A5", "年度", {("label-changed", "基本信息!A5")}),
    # --- figure cells -----------------------------------------------------------------------------
    cell_case("blank", f"{T3}!F6", None, {("value-blank", f"{T3}!F6")}),
    cell_case("spaces", f"{T3}!F6", "   ", {("value-blank", f"{T3}!F6")}),
    cell_case("zero-as-text", f"{T3}!F6", "0", {("value-normalized", f"{T3}!F6")}),
    cell_case("full-width-zero", f"{T3}!F6", "０", {("value-normalized", f"{T3}!F6")}),
    cell_case("thousands-comma", "主动公开!B9", "4,529", {("value-normalized", "主动公开!B9")}),
    cell_case("thousands-space", "主动公开!B9", "4 529", {("value-normalized", "主动公开!B9")}),
    cell_case("unit-in-cell", f"{T3}!F6", "12件", {("value-not-number", f"{T3}!F6")}),
    cell_case("chinese-numeral", f"{T3}!F6", "三", {("value-not-number", f"{T3}!F6")}),
    cell_case("slash", f"{T3}!F6", "/", {("value-not-number", f"{T3}!F6")}),
    cell_case("dash", f"{T3}!F6", "—", {("value-not-number", f"{T3}!F6")}),
    cell_case("wu", f"{T3}!F6", "无", {("value-not-number", f"{T3}!F6")}),
    cell_case("letter-o-for-zero", f"{T3}!F6", "O", {("value-not-number", f"{T3}!F6")}),
    cell_case("negative-text", f"{T3}!F6", "-1", {("value-negative", f"{T3}!F6")}),
    cell_case("negative", "复议诉讼!B6", -1, {("value-negative", "复议诉讼!B6")}),
    cell_case("decimal-count", f"{T3}!F6", 1.5, {("value-not-integer", f"{T3}!F6")}),
    cell_case("exponent", f"{T3}!F6", "1e3", {("value-not-number", f"{T3}!F6")}),
    cell_case("date", f"{T3}!F6", dt.datetime(2024, 5, 1), {("value-not-number", f"{T3}!F6")}),
    cell_case("time", f"{T3}!F6", dt.time(8, 30), {("value-not-number", f"{T3}!F6")}),
    cell_case("boolean", f"{T3}!F6", True, {("value-not-number", f"{T3}!F6")}),
    cell_case("error-ref", f"{T3}!F6", "#REF!", {("value-not-number", f"{T3}!F6")}),
    cell_case("error-div0", f"{T3}!F6", "#DIV/0!", {("value-not-number", f"{T3}!F6")}),
    cell_case("formula-no-cache", f"{T3}!F6", "=1+1", {("value-not-number", f"{T3}!F6")}),
    bytes_case("formula-with-cache", cached_formula, {("value-formula", f"{T3}!F6")}),
    cell_case("far-too-large", f"{T3}!F6", 10**12, {("value-too-large", f"{T3}!F6")}),
    # a date-formatted cell with a serial far outside any date: calamine panics (a Rust panic, found by
    # the property test); the file is refused with a finding, no traceback
    wb_case("date-serial-out-of-range", lambda wb: (wb["主动公开"].__setitem__("B5", dt.datetime(2000, 1, 1)),
                                                     wb["主动公开"].__setitem__("B5", -106751991169.0)), {("file-corrupt", "")}),
    cell_case("huge-text-in-figure", f"{T3}!F6", "一" * 30000, {("value-not-number", f"{T3}!F6")}),
    cell_case("typed-total-wrong", f"{T3}!J6", 217, {("total-mismatch", f"{T3}!J6")}),
    cell_case("balance-broken", f"{T3}!E30", 1, {("balance-mismatch", f"{T3}!E6"), ("balance-mismatch", f"{T3}!J6")}),
    # --- text cells: accepted, cleaned where needed --------------------------------------------------
    # --- implausible entries a clerk makes (issue: what a supervising office would still send back) ---------
    cell_case("agency-with-seal", "基本信息!B3", "平潭综合实验区管理委员会（盖章）", {("agency-name", "基本信息!B3")}),
    cell_case("two-agencies", "基本信息!B3", "中共平潭综合实验区工作委员会 平潭综合实验区管理委员会", {("agency-name", "基本信息!B3")}),
    cell_case("phone-as-number", f"基本信息!B{L.field_row(L.META_FIELDS, 'contact_phone')}", 5961234567,
              {("meta-invalid", f"基本信息!B{L.field_row(L.META_FIELDS, 'contact_phone')}")}),
    cell_case("last-years-workbook-sent-again", f"基本信息!B{L.field_row(L.META_FIELDS, 'date')}", "2026年1月10日",
              {("date-implausible", f"基本信息!B{L.field_row(L.META_FIELDS, 'year')}")}),
    wb_case("body-starts-with-its-heading", lambda wb: wb["总体情况"].__setitem__("B5", "（一）主动公开\n" + wb["总体情况"]["B5"].value),
            {("heading-echo", "总体情况!B5")}),   # printed once, as the heading
    wb_case("township-fees-in-yuan", lambda wb: (wb["基本信息"].__setitem__("B3", "青山县城关镇人民政府"), wb["基本信息"].__setitem__("B4", "乡镇街道"),
                                                 wb["主动公开"].__setitem__("B16", 5000)), {("plausibility", "主动公开!B16")}),
    cell_case("fee-notice-without-amount", f"其他事项!B{L.field_row(L.SECTION6_FIELDS, 'fee_notices')}", 1,
              {("plausibility", f"其他事项!B{L.field_row(L.SECTION6_FIELDS, 'fee_billed')}")}),
    # a digit too many in 新收 and in 予以公开 (the balance holds): both named (the text says the same figure)
    wb_case("a-zero-too-many", lambda wb: (wb[T3].__setitem__("D6", 2170000), wb[T3].__setitem__("D8", wb[T3]["D8"].value + 2170000 - 217),
                                           wb["总体情况"].__setitem__("B6", wb["总体情况"]["B6"].value.replace("218件", "2170001件"))),
            {("plausibility", f"{T3}!D6"), ("plausibility", f"{T3}!D8")}),
    wb_case("a-neighbours-name-kept", lambda wb: (wb["基本信息"].__setitem__("B3", "青山县白沙镇人民政府"), wb["基本信息"].__setitem__("B4", "乡镇街道"),
                                                  wb["主动公开"].__setitem__("B16", 0),
                                                  wb["总体情况"].__setitem__("B8", "以黄土镇政务公开专区为第一平台，同步通过政务新媒体发布政策文件。")),
            {("text-other-agency", "总体情况!B8")}),
    # pasted from a PDF: broken every 26 characters, mid-sentence; one paragraph again (an info)
    cell_case("pdf-line-ends", "总体情况!B5", "围绕营商环境、项目投资、产业政策等重点领域主动\n公开政府信息，行政规范性文件在政府门户网站集中\n"
              "公开、动态更新，全年主动公开政府信息1136条。", {("text-cleaned", "总体情况!B5")}),
    # last year's whole report pasted into 总体情况: its headings and other sections come with it
    cell_case("whole-report-pasted", "总体情况!B4", "一、总体情况\n2024年，本机关依照条例做好各项工作。\n二、主动公开政府信息情况（见下表）",
              {("text-section-heading", "总体情况!B4")}),
    cell_case("stale-year-end", "总体情况!B5", "全年主动公开政府信息1136条，截至2023年底累计公开政府信息一万余条。",
              {("narrative-year", "总体情况!B5")}),
    cell_case("doubled-comma", "总体情况!B5", "全年主动公开政府信息1136条，，其中政策文件62件。", {("text-punctuation", "总体情况!B5")}),
    cell_case("long-narrative", "总体情况!B5", "公开。" * 10000, set()),
    cell_case("rare-characters", "总体情况!B5", "𠀋𪚥 与 emoji 😀 都照常保留。", set()),
    cell_case("rtl-marks", "总体情况!B5", "正文\u202e倒序\u202c结束。", {("text-cleaned", "总体情况!B5")}),
    bytes_case("control-chars", raw_text("总体情况!B5", "正文_x0007_响铃_x000B_结束。".encode()), {("text-cleaned", "总体情况!B5")}),
    cell_case("excel-cr-escape", "总体情况!B5", "第一段_x000D_\n第二段。", set()),
    cell_case("agency-type-not-in-list", "基本信息!B4", "街道", {("meta-invalid", "基本信息!B4")}),
]


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_defect_gives_exactly_its_findings(case, tmp_path):
    path = case.build(tmp_path)
    before = path.read_bytes()
    sub, report = check(path)
    got = {(f.code, f.position) for f in report.findings}
    assert got == case.expected, [f.line() for f in report.findings]
    assert path.read_bytes() == before, "the input is never modified"
    for f in report.findings:
        assert f.message and not f.message.isascii(), "messages are Chinese"


def test_excel_line_break_escape_becomes_two_paragraphs(tmp_path):
    case = next(c for c in CASES if c.id == "excel-cr-escape")
    sub, _ = check(case.build(tmp_path))
    block = next(b for b in sub.general.blocks if b.heading == "主动公开")
    assert block.paragraphs == ["第一段", "第二段。"]


def test_control_characters_never_reach_the_report(tmp_path):
    case = next(c for c in CASES if c.id == "control-chars")
    sub, _ = check(case.build(tmp_path))
    block = next(b for b in sub.general.blocks if b.heading == "主动公开")
    assert block.paragraphs == ["正文响铃结束。"]
