"""Last year's workbook: carry-over column by column, valid documents, copied paragraphs."""

from __future__ import annotations

from nianbao.apps.cli import main
from nianbao.conversion import NOT_ASSESSED_PREVIOUS, check

from support import PINGTAN


def _last_year(edit):
    # 2023: two applications of natural persons carried into 2024 (balanced by answering two fewer in full)
    return edit({"基本信息!B5": 2023, "基本信息!B7": "2024年1月20日", "依申请公开!D30": 2, "依申请公开!D8": 69,
                 "主动公开!D6": 400, "总体情况!B6": "全年新收政府信息公开申请218件，予以公开69件，其他处理3件，结转下年度2件。"})


def test_carry_over_must_equal_last_years_carried_into_this_year(edit):
    sub, report = check(PINGTAN, previous=_last_year(edit))
    carry = {(f.code, f.position, f.expected, f.actual) for f in report.findings if f.code == "carryover-mismatch"}
    assert carry == {("carryover-mismatch", "依申请公开!D7", "2", "0"), ("carryover-mismatch", "依申请公开!J7", "2", "0")}
    assert report.not_assessed == []


def test_valid_documents_follow_from_last_year(edit):
    _, report = check(PINGTAN, previous=_last_year(edit))
    jump = [f for f in report.findings if f.code == "valid-count-jump"]
    assert [(f.position, f.expected, f.actual) for f in jump] == [("主动公开!D6", "429", "440")]  # 400 + 62 − 33


def test_copied_paragraphs_are_named_with_their_similarity(edit):
    _, report = check(PINGTAN, previous=_last_year(edit))
    copied = [f for f in report.findings if f.code == "copied-text"]
    positions = {f.position for f in copied}
    assert "总体情况!B5" in positions and "问题及改进!B5" in positions  # word for word
    assert all(f.level.value == "warning" for f in copied)
    assert next(f for f in copied if f.position == "总体情况!B5").actual == "100%"
    assert "总体情况!B9" in positions


def test_without_last_year_the_check_says_not_assessed(capsys):
    _, report = check(PINGTAN)
    assert report.not_assessed == [NOT_ASSESSED_PREVIOUS]
    main(["check", str(PINGTAN)])
    assert "未核对 跨年度核对" in capsys.readouterr().out


def test_unreadable_or_wrong_year_previous(edit, tmp_path):
    bad = tmp_path / "去年.xlsx"
    bad.write_bytes(b"%PDF-1.4")
    _, report = check(PINGTAN, previous=bad)
    assert [f.code for f in report.findings] == ["previous-unreadable"] and report.not_assessed
    _, report = check(PINGTAN, previous=edit({"基本信息!B5": 2021}))
    assert "previous-year" in {f.code for f in report.findings}


def test_last_years_published_report_serves_as_previous(edit, tmp_path):
    """The first year with nianbao there is no workbook of last year, only the report as published: its web
    page or Word file gives the same cross-year findings as the workbook it was made from."""
    from nianbao.conversion import convert

    last = _last_year(edit)
    conv = convert(last, formats=("docx", "html"))
    _, from_workbook = check(PINGTAN, previous=last)
    wanted = sorted((f.code, f.position, f.expected, f.actual) for f in from_workbook.findings)
    assert any(code == "carryover-mismatch" for code, *_ in wanted)
    for suffix in (".html", ".docx"):
        page = tmp_path / f"去年报告{suffix}"
        page.write_bytes(conv.outputs[suffix])
        _, report = check(PINGTAN, previous=page)
        assert sorted((f.code, f.position, f.expected, f.actual) for f in report.findings) == wanted, suffix
        assert report.not_assessed == []
        carry = next(f.message for f in report.findings if f.code == "carryover-mismatch")
        assert f"上年报告“去年报告{suffix}”表格中“四、结转下年度继续办理”行“申请人情况/自然人”列" in carry, carry
        assert "上年工作簿" not in carry, "the clerk has no workbook of last year; the report is what to look at"


def test_a_previous_page_that_is_not_a_report_says_so(tmp_path, capsys):
    page = tmp_path / "去年.html"
    page.write_text("<html><title>通知</title><body><p>放假通知</p></body></html>", "utf-8")
    _, report = check(PINGTAN, previous=page)
    assert [f.code for f in report.findings] == ["previous-unreadable"]
    assert "没有找到统计表" in report.findings[0].message and report.not_assessed


def test_another_units_workbook_as_last_year_is_one_finding_not_a_cascade():
    """--previous given a neighbour's workbook: one finding naming both agencies, no carry-over or 内容雷同
    noise, and the cross-year check said not done."""
    from support import DAZHUANG

    _, report = check(PINGTAN, previous=DAZHUANG)
    cross = [(f.code, f.position) for f in report.findings if f.code in (
        "previous-agency", "previous-year", "carryover-mismatch", "valid-count-jump", "copied-text")]
    assert cross == [("previous-agency", "基本信息!B3")]
    finding = next(f for f in report.findings if f.code == "previous-agency")
    assert "大庄乡人民政府" in finding.message and "平潭综合实验区" in finding.message
    assert any("其他单位" in item for item in report.not_assessed)
