"""check --annotate: a new, marked-up copy the office can send back; the original is never touched."""

from __future__ import annotations

import zipfile

import openpyxl

from nianbao.apps.cli import main
from nianbao.conversion import annotate, check

from support import PINGTAN, sha256
from test_corpus import CASES


def test_every_finding_is_marked_at_its_cell_and_listed(tmp_path, edit, capsys):
    src = edit({"依申请公开!J6": 217, "依申请公开!F7": "三", "总体情况!C5": "写错列了"})
    before = sha256(src)
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(out)]) == 1
    assert sha256(src) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    _, report = check(src)
    rows = list(wb["校验结果"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(report.findings)
    assert {(r[5], r[1]) for r in rows} == {(f.code, f.position) for f in report.findings}
    worst: dict[tuple[str, str], str] = {}  # a cell with an error and a warning is marked as the error
    for f in report.findings:
        key = (f.sheet, f.cell)
        worst[key] = "error" if "error" in (worst.get(key), f.level.value) else f.level.value
    for f in report.findings:
        cell = wb[f.sheet][f.cell]
        assert cell.comment is not None and f.message in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith({"error": "FFC7CE", "warning": "FFEB9C"}[worst[(f.sheet, f.cell)]]), f.position
    assert {f.level.value for f in report.findings} >= {"error"}, "the case marks an error"
    # each row of the list links to its cell: a click goes to the problem
    for row in wb["校验结果"].iter_rows(min_row=3):
        link = row[1].hyperlink
        assert link is not None, row[1].value
        where = link.location or (link.target or "").removeprefix("#")  # an in-workbook link, either way
        sheet, _, ref = where.partition("!")
        assert f"{sheet.strip(chr(39))}!{ref}" == row[1].value


def test_annotated_copy_can_be_fixed_and_sent_again(tmp_path, edit):
    src = edit({"复议诉讼!E6": 6})
    _, report = check(src)
    out = tmp_path / "标注.xlsx"
    assert annotate(src, report, out)
    wb = openpyxl.load_workbook(out)
    wb["复议诉讼"]["E6"] = "=SUM(A6:D6)"  # the clerk restores the total
    fixed = tmp_path / "改好了.xlsx"
    wb.save(fixed)
    sub, again = check(fixed)
    assert again.ok and again.findings == [], [f.line() for f in again.findings]


def test_macros_are_never_carried_over(tmp_path):
    case = next(c for c in CASES if c.id == "macro")
    src = case.build(tmp_path)
    _, report = check(src)
    out = tmp_path / "标注.xlsx"
    assert annotate(src, report, out)
    assert not any("vbaProject" in n for n in zipfile.ZipFile(out).namelist())


def test_a_file_that_is_not_a_workbook_gets_no_copy(tmp_path, capsys):
    src = tmp_path / "x.xlsx"
    src.write_bytes(b"%PDF-1.4")
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(out)]) == 1
    assert not out.exists()
    assert "未生成标注副本" in capsys.readouterr().err


def test_annotate_refuses_to_overwrite_the_input(capsys, example_copy):
    src = example_copy(PINGTAN)
    assert main(["check", str(src), "--annotate", str(src)]) == 2


def test_acknowledged_warnings_are_shown_as_explained(tmp_path, edit):
    from support import DAZHUANG

    src = edit({"说明!A4": "narrative-year", "说明!B4": "问题及改进!B4", "说明!C4": "已核实"}, base=DAZHUANG)
    _, report = check(src)
    out = tmp_path / "标注.xlsx"
    assert annotate(src, report, out)
    wb = openpyxl.load_workbook(out)
    cell = wb["问题及改进"]["B4"]
    assert "（已说明）" in cell.comment.text and cell.fill.fgColor.rgb.endswith("E7E6E6")
    row = next(r for r in wb["校验结果"].iter_rows(min_row=3, values_only=True) if r[5] == "narrative-year")
    assert row[0] == "警告（已说明）" and "说明：已核实" in row[2]


def test_the_results_sheet_prints_on_a4_at_a_readable_size_with_its_header_and_the_comments(tmp_path, edit):
    """校验结果 on A4 landscape, one page wide, its column headers on every page; the marked sheets print
    their comments (the findings) after them. Measured on the page LibreOffice prints."""
    import shutil
    import subprocess

    import pytest

    from pdf_layout import pages

    src = edit({"依申请公开!J6": 217, "依申请公开!F7": "三", "总体情况!C5": "写错列了"})
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(src), "--annotate", str(out)]) == 1
    wb = openpyxl.load_workbook(out)
    ws = wb["校验结果"]
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$2:$2"
    assert wb["依申请公开"].page_setup.cellComments == "atEnd"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed (.ci/run installs it)")
    # the results sheet alone, as its own workbook: its first page
    for other in wb.sheetnames[1:]:
        del wb[other]
    only = tmp_path / "结果.xlsx"
    wb.save(only)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(only)], check=True, capture_output=True, timeout=120)
    first = pages(tmp_path / "结果.pdf")[0]
    body = [ln for ln in first if "依申请公开!" in ln.text]
    assert body, [ln.text for ln in first][:5]
    heights = sorted(ln.y1 - ln.y0 for ln in body)
    assert heights[len(heights) // 2] >= 8, f"text {heights} pt high: too small to read"
