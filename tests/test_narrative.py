"""Figures in the narrative against the tables: the classic confusions, percentages and claims."""

from __future__ import annotations

import pytest

from nianbao.conversion import check

CELL = "总体情况!B6"  # the 依申请公开 paragraph of the Pingtan example


def narrative_findings(edit, text, extra=None):
    _, report = check(edit({CELL: text} | (extra or {})))
    return [f for f in report.findings if f.position == CELL and f.code.startswith("narrative-")]


@pytest.mark.parametrize("text", [
    "全年新收政府信息公开申请218件，予以公开71件，占32.6%，部分公开29件，不予公开39件，其他处理3件。",
    "全年共收到政府信息公开申请二百一十八件，行政复议七件。",
    "全年受理申请218件，办结218件。",
])
def test_correct_figures_pass(edit, text):
    assert narrative_findings(edit, text) == []


@pytest.mark.parametrize("text,expected,actual,table", [
    ("全年收到政府信息公开申请219件，其他处理3件。", "218", "219", "依申请公开"),       # neither 一 nor 一+二
    ("全年新收申请218件，不予公开4件，其他处理3件。", "39", "4", "依申请公开"),          # one sub-row quoted as its group
    ("现行有效行政规范性文件393件，其他处理3件。", "440", "393", "主动公开"),
    ("因政府信息公开引起行政复议八件，其他处理3件。", "7", "8", "复议诉讼"),           # Chinese numerals
])
def test_wrong_figure_is_a_warning_quoting_both_numbers(edit, text, expected, actual, table):
    found = narrative_findings(edit, text)
    assert [(f.code, f.expected, f.actual) for f in found] == [("narrative-figure", expected, actual)]
    message = found[0].message
    assert found[0].level.value == "warning" and f"原句：“{text}”" in message
    assert f"（{table}!" in message and f"为 {expected}" in message, "the table's cell and its figure are named"


def test_received_may_mean_new_or_new_plus_carried_over(edit):
    carried = {"依申请公开!D7": 1, "依申请公开!D8": 72}  # one application carried over, answered in full
    # 一 + 二: not wrong, but a 提示 that the table counts 一 alone (evaluators call it 口径不一致)
    basis = narrative_findings(edit, "全年收到申请219件，其他处理3件。", carried)
    assert [(f.code, f.level.value, f.expected, f.actual) for f in basis] == [("narrative-basis", "info", "218", "219")]
    assert "本年新收 218 件加上年结转 1 件" in basis[0].message
    assert narrative_findings(edit, "全年收到申请218件，其他处理3件。", carried) == []   # 一 alone
    found = narrative_findings(edit, "全年收到申请220件，其他处理3件。", carried)
    assert len(found) == 1 and "本年新收" in found[0].message and "为 218" in found[0].message and "为 219" in found[0].message


def test_percentage_is_recomputed(edit):
    found = narrative_findings(edit, "全年新收申请218件，予以公开71件，占30%，其他处理3件。")
    assert [(f.code, f.actual) for f in found] == [("narrative-percent", "30%")]
    message = found[0].message
    assert found[0].expected == "33%" and "“30%”" in message and "71 件按本年新收计算为 33%" in message, message
    assert "32.6" not in message, "shown as the text shows it: whole per cent"


@pytest.mark.parametrize("text,changes", [
    ("行政复议案件均获维持，其他处理3件。", {}),                      # Pingtan has 纠正 and 尚未审结
    ("全年无败诉案件，其他处理3件。", {}),
    ("本年度未收取信息处理费，其他处理3件。", {"其他事项!B5": 100}),
    ("本年度未发生行政复议，其他处理3件。", {}),
])
def test_claims_are_checked_against_the_tables(edit, text, changes):
    found = narrative_findings(edit, text, changes)
    assert [f.code for f in found] == ["narrative-claim"]


def test_claim_that_holds_passes(edit):
    zero = {f"复议诉讼!{c}6": 0 for c in "BCDGHILMN"} | {"复议诉讼!A6": 7, "复议诉讼!K6": 19}
    assert narrative_findings(edit, "行政复议、行政诉讼案件均获维持，其他处理3件。", zero) == []


@pytest.mark.parametrize("text,blanks,found", [
    # blanks elsewhere: the figures the text names are whole, so the text is checked as ever
    ("全年新收政府信息公开申请275件，其他处理3件。", {"依申请公开!D11": None}, [("narrative-figure", "218", "275")]),
    ("全年新收政府信息公开申请218件，予以公开71件，占43.4%。", {"依申请公开!D11": None}, [("narrative-percent", "32.6%", "43.4%")]),
    ("行政复议均获维持。", {"复议诉讼!A6": None, "复议诉讼!C6": None}, [("narrative-claim", None, "均获维持")]),
    # a blank inside the figure named: less than what is filled in is wrong whatever the blank holds …
    ("全年新收政府信息公开申请200件，其他处理3件。", {"依申请公开!E6": None}, [("narrative-figure", "≥ 217", "200")]),
    # … and a share larger than any the filled-in cells allow
    ("全年新收政府信息公开申请218件，予以公开71件，占40.5%。", {"依申请公开!E6": None, "依申请公开!D11": None},
     [("narrative-percent", "≤ 32.7%", "40.5%")]),
    # … but more than is filled in may be right: nothing said until the blank is filled
    ("全年新收政府信息公开申请218件，其他处理3件。", {"依申请公开!D6": None}, []),
])
def test_text_is_checked_when_some_cells_are_blank(edit, text, blanks, found):
    """Blank cells (each its own error) do not silence the text checks: a figure the text names whose
    cells are all filled is compared as ever, and one with a blank cell is at least what is filled in."""
    got = narrative_findings(edit, text, blanks)
    assert [(f.code, f.expected, f.actual) for f in got] == found
