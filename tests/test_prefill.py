"""nianbao template --from: this year's workbook started from last year's report — its workbook, its web
page or its Word file — with what a clerk would otherwise retype, and last year's text kept apart."""

from __future__ import annotations

import openpyxl
import pytest

from nianbao.apps.cli import main
from nianbao.conversion import check, convert

from support import PINGTAN

# Last year (2023): two applications of natural persons and one of a company carried into the next year
# (balanced by answering as many fewer); 440 valid normative documents.
LAST_YEAR = {"基本信息!B5": 2023, "基本信息!B7": "2024年1月20日", "依申请公开!D30": 2, "依申请公开!E30": 1,
             "依申请公开!D8": 69, "依申请公开!E28": 0, "基本信息!B9": "平潭综合实验区管委会办公室",
             "基本信息!B12": "0591-12345678"}


@pytest.fixture
def last_year(edit, tmp_path):
    """Last year's report in the three forms an office may still have it in."""
    workbook = edit(LAST_YEAR)
    conv = convert(workbook, formats=("docx", "html"))
    assert conv.outputs, conv.report.findings
    paths = {".xlsx": workbook}
    for suffix in (".html", ".docx"):
        paths[suffix] = tmp_path / f"2023年报告{suffix}"
        paths[suffix].write_bytes(conv.outputs[suffix])
    return paths


@pytest.mark.parametrize("kind", [".xlsx", ".html", ".docx"])
def test_this_years_workbook_starts_from_last_years_report(last_year, tmp_path, kind):
    out = tmp_path / "2024.xlsx"
    assert main(["template", "--from", str(last_year[kind]), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    meta = wb["基本信息"]
    assert (meta["B3"].value, meta["B5"].value, meta["B6"].value) == ("平潭综合实验区", 2024, "2021")
    # the type is kept from a workbook; a published page does not state it, and 实验区 does not say it
    assert meta["B4"].value == ("人民政府" if kind == ".xlsx" else None)
    assert meta["B7"].value is None, "the date is this year's to write"
    assert (meta["B9"].value, meta["B12"].value) == ("平潭综合实验区管委会办公室", "0591-12345678")
    # 上年结转 = last year's 结转下年度继续办理, column by column; the 总计 column stays a formula
    carried = [wb["依申请公开"].cell(7, c).value for c in range(4, 11)]
    assert carried == [2, 1, 0, 0, 0, 0, "=SUM(D7:I7)"]
    # last year's 现行有效 beside this year's cell, never copied into it
    docs = wb["主动公开"]
    assert docs["D6"].value == 0 and "上年现行有效 440 件" in docs["E6"].value and docs["D6"].comment is not None
    # last year's text on its own protected sheet, not in this year's sections
    ref = wb["上年报告原文"]
    assert ref.protection.sheet
    last_text = [c.value for c in ref["C"] if c.value]
    assert any("依照《中华人民共和国政府信息公开条例》" in t for t in last_text)
    assert not any(c.value for c in wb["总体情况"]["B"][3:]), "last year's paragraphs are a reference, not this year's"
    # the prefilled workbook reads cleanly: nothing it added is a stray cell or an unknown sheet
    sub, report = check(out)
    assert sub is not None and sub.meta.year == 2024
    codes = {f.code for f in report.findings}
    assert not codes & {"extra-sheet", "unexpected-content", "carryover-mismatch"}, report.findings


def test_the_prefilled_carry_over_passes_the_cross_year_check(last_year, tmp_path):
    out = tmp_path / "2024.xlsx"
    assert main(["template", "--from", str(last_year[".html"]), "-o", str(out)]) == 0
    _, report = check(out, previous=last_year[".docx"])
    assert "carryover-mismatch" not in {f.code for f in report.findings}
    assert report.not_assessed == []


def test_a_source_that_is_not_a_report_writes_nothing(tmp_path, capsys):
    page = tmp_path / "通知.html"
    page.write_text("<html><title>通知</title><body><p>放假通知</p></body></html>", "utf-8")
    out = tmp_path / "2025.xlsx"
    assert main(["template", "--from", str(page), "-o", str(out)]) == 1
    assert "没有找到统计表" in capsys.readouterr().err and not out.exists()


def test_an_imported_report_with_missing_rows_says_what_was_not_carried(tmp_path, capsys):
    conv = convert(PINGTAN, formats=("docx", "html"))
    page = tmp_path / "2024年报告.html"
    page.write_text(conv.outputs[".html"].decode("utf-8").replace("四、结转下年度继续办理", "四、结转下年度"), "utf-8")
    out = tmp_path / "2025.xlsx"
    assert main(["template", "--from", str(page), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 行数字没有找到" in err
    assert [openpyxl.load_workbook(out)["依申请公开"].cell(7, c).value for c in range(4, 10)] == [None] * 6
