"""What else goes to paper or to a supervising office: the workbook printed (one page wide, header rows
repeated, whole texts, dates as 2025年1月2日), the annotated copy, the .docx's own properties, and the
checks a printed report is sent back for (a township's 考核、评议、责任追究; a workbook never filled in)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nianbao.conversion import annotate, check, convert
from nianbao.workbook import layout as L

from docx_content import open_doc
from support import DAZHUANG, PINGTAN, ROOT

pytestmark = pytest.mark.slow  # the inner loop: pytest -m "not slow" (CI runs everything)


def findings(path: Path, *codes: str) -> list[tuple[str, str, str]]:
    _, report = check(path)
    return [(f.code, f.level.value, f.position) for f in report.findings if f.code in codes]


# --- the workbook, printed --------------------------------------------------------------------------------

def test_every_sheet_prints_one_page_wide_with_its_header_rows():
    wb = openpyxl.load_workbook(ROOT / "workbook_template.xlsx")
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
    assert wb["依申请公开"].print_title_rows.replace("$", "") == "1:5" and wb["依申请公开"].page_setup.orientation == "landscape"
    assert wb[L.SHEET_META].print_title_rows.replace("$", "") == "1:2"
    date = wb[L.SHEET_META].cell(L.field_row(L.META_FIELDS, "date"), 2)
    assert date.number_format == 'yyyy"年"m"月"d"日"'


@pytest.mark.soffice
@pytest.mark.parametrize("book", [ROOT / "workbook_template.xlsx", DAZHUANG], ids=["blank", "example"])
def test_the_workbook_prints_on_few_pages_with_whole_texts(tmp_path, book):
    soffice = shutil.which("soffice")
    calc = Path("/usr/lib/libreoffice/program/libsclo.so").exists()
    if not (soffice and shutil.which("pdftotext") and calc):
        if os.environ.get("NIANBAO_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice Calc and poppler are needed")
        pytest.skip("LibreOffice Calc and poppler are needed")
    src = tmp_path / "book.xlsx"
    shutil.copy(book, src)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "book.pdf"
    pages = int(next(line.split()[1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    sheets = sum(1 for ws in openpyxl.load_workbook(book).worksheets if ws.sheet_state == "visible")
    assert pages <= sheets + 2, "one page wide: a sheet takes one page, table 三 two"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.replace("\n", "")
    assert "由其用 nianbao 检查并生成报告" in text, "the guide's lines are printed whole"
    if book == DAZHUANG:
        assert "2025年1月2日" in text and "0:00:00" not in text


# --- the annotated copy and the draft ------------------------------------------------------------------------

def test_a_relation_finding_names_both_sides(edit):
    _, report = check(edit({"依申请公开!D7": 5}))
    balance = next(f for f in report.findings if f.code == "balance-mismatch")
    assert balance.position == "依申请公开!D6"
    assert "D6+D7 = 222" in balance.message and "D29+D30 = 217" in balance.message and "两边应相等" in balance.message
    assert (balance.expected, balance.actual) == ("D29+D30 = 217", "D6+D7 = 222")


def test_the_result_sheet_shows_each_whole_message(edit, tmp_path):
    path = edit({"依申请公开!D7": 5})
    _, report = check(path)
    out = tmp_path / "标注.xlsx"
    assert annotate(path, report, out)
    ws = openpyxl.load_workbook(out)["校验结果"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 6).value == "balance-mismatch")
    assert ws.row_dimensions[row].height >= 30 and ws.cell(row, 3).alignment.wrap_text


# --- the .docx's own properties ----------------------------------------------------------------------------

def test_the_report_says_what_it_is_in_its_properties(tmp_path):
    conv = convert(PINGTAN)
    doc = open_doc(conv.outputs[".docx"])
    props = doc.core_properties
    assert props.title == "平潭综合实验区2024年政府信息公开工作年度报告" and props.author == "平潭综合实验区"
    assert props.created is not None and abs(dt.datetime.now(dt.UTC) - props.created.replace(tzinfo=dt.UTC)) < dt.timedelta(hours=1)
    (tmp_path / "r.docx").write_bytes(conv.outputs[".docx"])
    with zipfile.ZipFile(tmp_path / "r.docx") as zf:
        app = zf.read("docProps/app.xml").decode()
    assert "<Application>nianbao</Application>" in app and "Macintosh" not in app


# --- what a report is sent back for ---------------------------------------------------------------------------

def test_a_township_owes_an_account_of_assessment_and_accountability(edit):
    no_word = {"总体情况!B9": "加强政府信息公开工作的组织领导。"}
    assert ("text-supervision", "warning", "总体情况!A9") in findings(edit(no_word | {"基本信息!B4": "乡镇街道"}), "text-supervision")
    assert findings(edit(no_word | {"基本信息!B4": "政府部门"}), "text-supervision") == []


def test_a_workbook_never_filled_in_is_not_published_silently(edit):
    def zeros(wb: openpyxl.Workbook) -> None:
        for sheet in L.TABLE_SHEETS.values():
            for row in wb[sheet].iter_rows():
                for cell in row:
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        cell.value = 0
    found = findings(edit(zeros), "tables-all-zero")
    assert found == [("tables-all-zero", "warning", "主动公开!B5")]
    _, report = check(edit(zeros))
    assert "主动公开、依申请公开、复议诉讼" in next(f.message for f in report.findings if f.code == "tables-all-zero")
    assert findings(edit({"复议诉讼!A6": 0, "复议诉讼!B6": 0, "复议诉讼!C6": 0, "复议诉讼!D6": 0, "复议诉讼!K6": 0,
                          "复议诉讼!L6": 0, "复议诉讼!M6": 0}), "tables-all-zero") == [], "one table of zeros alone is common"
