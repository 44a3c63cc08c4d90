"""Each rule caught at the exact cell, with the expected value; one finding per defect, no cascades.

Every fixture is an example workbook changed with openpyxl the way a clerk would change it, so the
defect is visible in the test. Findings are compared as (code, position) pairs, not prose."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from nianbao.conversion import check
from nianbao.findings import CODES
from nianbao.workbook import layout as L

from support import DAZHUANG, PINGTAN, delete_rows_like_excel, insert_rows_like_excel


def found(path):
    _, report = check(path)
    return report


def pairs(report, level=None):
    return {(f.code, f.position) for f in report.findings if level is None or f.level.value == level}


def test_pingtan_example_is_clean():
    report = found(PINGTAN)
    assert report.findings == []


def test_dazhuang_example_warns_about_2023_and_removes_typed_numbering():
    report = found(DAZHUANG)
    assert report.ok
    # the seed's tables are all zeros (as the template), and a township owes an account of 考核、评议、责任追究
    assert pairs(report, "warning") == {("narrative-year", "问题及改进!B4"), ("tables-all-zero", "主动公开!B5"),
                                        ("text-supervision", "总体情况!B4")}
    year = next(f for f in report.findings if f.code == "narrative-year")
    assert year.actual == "2023" and year.expected == "2024" and "2023年，大庄乡政府" in year.message
    assert ("numbering-removed", "总体情况!A5") in pairs(report, "info")


# --- arithmetic: recomputed, never trusted -------------------------------------------------------

def test_typed_row_total_is_recomputed_and_reported_with_expected_value(edit):
    report = found(edit({"依申请公开!J6": 217}))  # 217 + 1 = 218
    assert pairs(report) == {("total-mismatch", "依申请公开!J6")}
    f = report.findings[0]
    assert (f.expected, f.actual) == ("218", "217")
    assert "应为 218（D6:I6 之和），实际为 217" in f.message


def test_typed_column_total_is_reported_once_not_cascaded(edit):
    report = found(edit({"依申请公开!D29": 216}))  # （七）总计 of 自然人 is 217
    assert pairs(report) == {("total-mismatch", "依申请公开!D29")}
    assert report.findings[0].expected == "217"


def test_balance_relation_per_column(edit):
    # 本年新收 自然人 217 -> 216: the column no longer balances, and neither does 总计
    report = found(edit({"依申请公开!D6": 216}))
    assert pairs(report, "error") == {("balance-mismatch", "依申请公开!D6"), ("balance-mismatch", "依申请公开!J6")}
    # and the narrative, which says 218, no longer agrees with the table (217)
    assert pairs(report, "warning") == {("narrative-figure", "总体情况!B6")}
    d = next(f for f in report.findings if f.cell == "D6")
    assert "D6+D7 = 216" in d.message and "D29+D30 = 217" in d.message and "自然人" in d.message


def test_carried_over_counts_in_the_balance(edit):
    report = found(edit({"依申请公开!E30": 1}))  # 结转下年度 商业企业 1 without a new application
    assert ("balance-mismatch", "依申请公开!E6") in pairs(report)


@pytest.mark.parametrize("cell,typed,expected", [("E6", 6, "7"), ("J6", 1, "0"), ("O6", 18, "19")])
def test_table4_totals(edit, cell, typed, expected):
    report = found(edit({f"复议诉讼!{cell}": typed}))
    assert pairs(report) == {("total-mismatch", f"复议诉讼!{cell}")}
    assert report.findings[0].expected == expected


def test_a_typed_total_that_is_right_is_accepted(edit):
    report = found(edit({"依申请公开!J6": 218, "复议诉讼!E6": 7}))
    assert report.findings == []


# --- figure cells: every odd value has a defined outcome ------------------------------------------

@pytest.mark.parametrize("value,code", [
    (None, "value-blank"),
    ("   ", "value-blank"),
    ("三", "value-not-number"),
    ("5件", "value-not-number"),
    ("/", "value-not-number"),
    ("—", "value-not-number"),
    ("无", "value-not-number"),
    ("#REF!", "value-not-number"),
    (True, "value-not-number"),
    (dt.datetime(2024, 3, 1), "value-not-number"),
    (-1, "value-negative"),
    ("-1", "value-negative"),
    (1.5, "value-not-integer"),
    (10**12, "value-too-large"),
])
def test_bad_figure_is_one_error_at_its_cell(edit, value, code):
    report = found(edit({"依申请公开!F6": value}))  # 新收 科研机构, 0 in the example
    assert pairs(report) == {(code, "依申请公开!F6")}, report.findings
    assert report.findings[0].level.value == "error"


@pytest.mark.parametrize("value", ["O", "o", "〇", "ＯＯ"])
def test_the_letter_o_for_zero_is_called_what_it_is(edit, value):
    report = found(edit({"依申请公开!F6": value}))
    assert pairs(report) == {("value-not-number", "依申请公开!F6")}
    assert "不是数字 0" in report.findings[0].message and "字母“O”" in report.findings[0].message
    assert "一、本年新收政府信息公开申请数量" in report.findings[0].message


@pytest.mark.parametrize("value", ["０", " 0 ", "0"])
def test_number_typed_as_text_is_accepted_with_a_warning(edit, value):
    report = found(edit({"依申请公开!F6": value}))
    assert report.ok
    assert pairs(report) == {("value-normalized", "依申请公开!F6")}


def test_thousands_separator_and_full_width_digits_are_read_as_numbers(edit):
    # 4529 行政许可 typed as "4,529" and 1100 行政处罚 as "１１００": same figures, two warnings
    report = found(edit({"主动公开!B9": "4,529", "主动公开!B12": "１１００"}))
    assert report.ok
    assert pairs(report) == {("value-normalized", "主动公开!B9"), ("value-normalized", "主动公开!B12")}


def test_amount_in_wanyuan_keeps_decimals_and_refuses_negatives(edit):
    assert found(edit({"主动公开!B16": 12.25})).findings == []
    assert pairs(found(edit({"主动公开!B16": -3}))) == {("value-negative", "主动公开!B16")}


def test_formula_in_an_input_cell_without_a_result_is_reported(edit):
    report = found(edit({"依申请公开!F6": "=1+1"}))  # openpyxl stores no cached value
    assert pairs(report) == {("value-not-number", "依申请公开!F6")}


# --- body, year, form --------------------------------------------------------------------------

def test_regulations_for_a_township_are_a_warning(edit):
    report = found(edit({"主动公开!B5": 1}, base=DAZHUANG))
    assert ("regulation-nonzero", "主动公开!B5") in pairs(report, "warning")
    assert report.ok


def test_report_year_must_match_the_form(edit):
    report = found(edit({"基本信息!B5": 2020}, base=DAZHUANG))
    assert ("form-year-mismatch", "基本信息!B5") in pairs(report, "error")


def test_form_field_must_match_the_workbook(edit):
    report = found(edit({"基本信息!B6": "2019"}, base=DAZHUANG))
    assert ("form-mismatch", "基本信息!B6") in pairs(report, "error")


@pytest.mark.parametrize("cell,value,code", [
    ("B3", None, "meta-missing"),
    ("B4", "街道办", "meta-invalid"),
    ("B5", "二〇二四", "meta-invalid"),
    ("B7", "明年", "meta-invalid"),
    ("B7", None, "meta-missing"),
])
def test_metadata_errors(edit, cell, value, code):
    report = found(edit({f"基本信息!{cell}": value}, base=DAZHUANG))
    assert (code, f"基本信息!{cell}") in pairs(report, "error")


def test_signature_date_inside_the_report_year_is_a_warning(edit):
    report = found(edit({"基本信息!B7": dt.datetime(2024, 6, 1)}, base=DAZHUANG))
    assert ("date-implausible", "基本信息!B7") in pairs(report, "warning")


def test_township_name_must_be_the_full_name(edit):
    report = found(edit({"基本信息!B3": "大庄乡"}, base=DAZHUANG))
    assert ("agency-name", "基本信息!B3") in pairs(report, "warning")


@pytest.mark.parametrize("changes,cell", [
    ({"其他事项!B4": 100, "其他事项!B5": 200, "其他事项!B3": 2}, "其他事项!B5"),  # collected > billed
    ({"其他事项!B4": 100, "其他事项!B5": 100}, "其他事项!B3"),                     # billed without a notice
])
def test_fee_figures_are_plausible(edit, changes, cell):
    report = found(edit(changes, base=DAZHUANG))
    assert ("plausibility", cell) in pairs(report, "warning")


def test_fee_sentence_uses_the_figures(edit):
    from nianbao.output.context import fee_sentence

    sub, _ = check(edit({"其他事项!B3": 2, "其他事项!B4": 150.5, "其他事项!B5": 150.5}, base=DAZHUANG))
    assert fee_sentence(sub.other) == "本年度发出信息处理费收费通知2件，应收信息处理费150.5元，实际收取150.5元。"


def test_date_typed_as_text_is_read():
    sub, report = check(PINGTAN)
    assert sub.meta.date == dt.date(2025, 1, 20)


@pytest.mark.parametrize("text,flagged", [
    ("2019年，我乡建立了公开制度。", True),            # opens with another year
    ("本年度较2023年增长。", False),                   # the previous year in a comparison
    ("2025年将继续推进。", False),                     # the next year in a plan
    ("依据《条例》（2019年修订）开展工作。", False),     # a revision note names a document
    ("对照《2019年政务公开工作要点》查找差距。", False),  # a year inside 《》 is a document name
    ("早在2015年就已建立制度。", True),
])
def test_years_in_the_narrative(edit, text, flagged):
    def change(wb):
        wb[L.SHEET_GENERAL]["B4"] = text

    report = found(edit(change, base=PINGTAN))
    assert (("narrative-year", "总体情况!B4") in pairs(report)) is flagged


def test_empty_required_narrative_is_an_error(edit):
    def change(wb):
        ws = wb[L.SHEET_PROBLEMS]
        for row in range(L.LIST_FIRST_ROW, L.LIST_FIRST_ROW + 5):
            ws.cell(row, 2).value = None

    report = found(edit(change, base=DAZHUANG))
    assert ("narrative-empty", "问题及改进!B4") in pairs(report, "error")


# --- the template: damaged layouts give one precise finding ------------------------------------

def test_inserted_row_is_tolerated_and_read_by_the_labels(edit):
    # a blank row inserted inside table 3, above （三）不予公开, the way Excel inserts rows
    report = found(edit(lambda wb: insert_rows_like_excel(wb["依申请公开"], 10)))
    assert pairs(report) == {("layout-shifted", "依申请公开!A10")}
    assert "第 10 行起插入了 1 行" in report.findings[0].message
    sub, _ = check(edit(lambda wb: (insert_rows_like_excel(wb["依申请公开"], 10), wb["依申请公开"].__setitem__("J31", 1))))
    assert sub.figures["table3"]["D6"] == 71 and sub.figures["table3"]["D11"] == 3  # 保护第三方合法权益, now on row 14
    assert sub.at("table3", "J28") == "J31"


def test_inserted_row_with_a_wrong_figure_is_reported_at_the_moved_cell(edit):
    def change(wb):
        insert_rows_like_excel(wb["依申请公开"], 10, 2)
        wb["依申请公开"]["J31"] = 5  # the typed 总计 of （七）, now two rows lower (form J27)

    report = found(edit(change))
    assert ("total-mismatch", "依申请公开!J31") in pairs(report)


def test_deleted_row_cannot_be_read_and_is_named_once(edit):
    report = found(edit(lambda wb: delete_rows_like_excel(wb["依申请公开"], 12)))
    on_sheet = [f for f in report.findings if f.sheet == "依申请公开"]
    assert [(f.code, f.cell) for f in on_sheet] == [("label-changed", "C12")]
    assert "“3.危及“三安全一稳定””这一行似乎被删除了" in on_sheet[0].message and "本表的数字未检查" in on_sheet[0].message


def test_edited_label_is_named(edit):
    report = found(edit({"依申请公开!B9": "（二）部分公开"}))
    assert pairs(report) == {("label-changed", "依申请公开!B9")}
    assert report.findings[0].expected == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def test_deleted_sheet(edit):
    report = found(edit(lambda wb: wb.remove(wb["复议诉讼"])))
    assert pairs(report) == {("sheet-missing", "复议诉讼")}


def test_marker_removed_still_reads_the_form(edit):
    report = found(edit(lambda wb: wb.remove(wb[L.MARKER_SHEET])))
    assert report.findings == []


def test_foreign_workbook(tmp_path):
    path = tmp_path / "别的表.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便什么"
    wb.save(path)
    assert pairs(found(path)) == {("template-unknown", "")}


@pytest.mark.parametrize("content,code", [
    (b"", "file-empty"),
    (b"%PDF-1.7\n...", "file-not-xlsx"),
    ("机关,年度\n大庄乡,2024\n".encode("gb18030"), "file-not-xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "file-encrypted-or-legacy"),
    (b"PK\x03\x04 truncated", "file-corrupt"),
])
def test_not_a_workbook(tmp_path, content, code):
    path = tmp_path / "填好的.xlsx"
    path.write_bytes(content)
    report = found(path)
    assert [f.code for f in report.findings] == [code]
    # the way out: save as .xlsx, or (a published report) read it back with nianbao import
    assert ("另存为" in report.findings[0].message or "nianbao import" in report.findings[0].message) or code == "file-empty"


def test_word_document_renamed_to_xlsx(tmp_path):
    path = tmp_path / "报告.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    report = found(path)
    assert [f.code for f in report.findings] == ["file-not-xlsx"] and "Word" in report.findings[0].message


def test_every_code_used_is_documented():
    for path in (DAZHUANG, PINGTAN):
        for f in found(path).findings:
            assert f.code in CODES


def test_a_workbook_saved_under_another_extension_is_read_and_the_clerk_told(tmp_path):
    et = tmp_path / "平潭.et"
    et.write_bytes(PINGTAN.read_bytes())
    sub, report = check(et)
    assert sub is not None and report.ok
    (note,) = [f for f in report.findings if f.code == "file-not-xlsx"]
    assert note.level.value == "info" and "“.et”" in note.message and "另存为" in note.message
    assert et.read_bytes() == PINGTAN.read_bytes()


@pytest.mark.parametrize(("data", "words"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", ("PDF", "nianbao import")),
    (b"<html><body><p>report</p></body></html>", ("网页", "nianbao import")),
])
def test_a_published_report_sent_instead_of_the_workbook_is_offered_import(tmp_path, data, words):
    path = tmp_path / "报告.xlsx"
    path.write_bytes(data)
    _, report = check(path)
    (f,) = report.findings
    assert f.code == "file-not-xlsx" and all(w in f.message for w in words) and "另存为" not in f.message
