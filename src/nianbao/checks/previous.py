"""Last year's workbook against this year's: the carried-over applications, the count of valid normative
documents, and paragraphs copied from last year's report (内容雷同, named by the 2021 form as grounds for
accountability)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

from nianbao.checks.hygiene import texts
from nianbao.findings import Finding
from nianbao.workbook import layout as L
from nianbao.workbook.model import Submission
from nianbao.workbook.values import format_number

SIMILAR = 0.5  # a local rubric in use treats more than half as copied
MIN_CHARS = 30  # short sentences ("无其他需要报告的事项。") repeat legitimately
COPY_CAP = 20  # findings of this kind per report, at most


def check_carry_over(sub: Submission, prev: Submission) -> list[Finding]:
    """This year's 上年结转, column by column, against last year's 结转下年度继续办理 (the forms' roles; the
    two years may use different forms, whose rows differ)."""
    this_table, last_table = sub.form.owner_of("carried_over"), prev.form.owner_of("carried_forward")
    if this_table is None or last_table is None or this_table.name not in sub.readable or last_table.name not in prev.readable:
        return []
    found = []
    for this_ref, last_ref in zip(this_table.role("carried_over"), last_table.role("carried_forward")):
        a, b = sub.figures[this_table.name].get(this_ref), prev.figures[last_table.name].get(last_ref)
        if a is None or b is None or a == b:
            continue
        column = this_table.label_path(this_ref)[1][-1]
        found.append(Finding.of(
            "carryover-mismatch",
            f"上年结转（{column}）填的是 {format_number(a)}，但上年报告的“结转下年度继续办理”是 {format_number(b)}"
            f"（{_where(prev, last_table.name, last_ref)}）",
            sub.sheet(L.TABLE_SHEETS[this_table.name]), sub.at(this_table.name, this_ref),
            expected=format_number(b), actual=format_number(a),
        ))
    return found


def _what(prev: Submission) -> str:
    """工作簿, or 报告 when last year's figures were imported from the report as published."""
    return "工作簿" if prev.source.lower().endswith((".xlsx", ".xlsm")) else "报告"


def _where(prev: Submission, table: str, ref: str) -> str:
    """Where a figure of last year's was: the workbook's cell, or the published report's row and column
    (the workbook it was imported into is not one the clerk has)."""
    if _what(prev) == "工作簿":
        return f"上年工作簿 {prev.position(table, ref)}"
    rows, cols = prev.form.tables[table].label_path(ref)
    return f"上年报告“{Path(prev.source).name}”表格中“{'/'.join(rows)}”行“{'/'.join(cols)}”列"


def check_valid_documents(sub: Submission, prev: Submission) -> list[Finding]:
    """现行有效件数 ≈ last year's + 本年制发 − 本年废止 (forms with those roles, both years; clean-ups break it
    legitimately)."""
    issued, repealed, valid = (sub.figure(r) for r in ("normative_issued", "normative_repealed", "normative_valid"))
    valid_last = prev.figure("normative_valid")
    if issued is None or repealed is None or valid is None or valid_last is None:
        return []
    expected = valid_last + issued - repealed
    if valid == expected:
        return []
    (table, ref), = sub.role_cells("normative_valid")
    return [Finding.of(
        "valid-count-jump",
        f"现行有效行政规范性文件 {format_number(valid)} 件，按上年 {format_number(valid_last)} 件 + 本年制发 {format_number(issued)} 件"
        f" − 本年废止 {format_number(repealed)} 件应为 {format_number(expected)} 件；如有清理或移交，请在正文说明",
        sub.sheet(L.TABLE_SHEETS[table]), sub.at(table, ref), expected=format_number(expected), actual=format_number(valid),
    )]


def _norm(text: str) -> str:
    # Years and figures change every year even in copied text; compare the words.
    return re.sub(r"[\s\d，。；、：:,.;“”\"'（）()]", "", text)


def check_copied(sub: Submission, prev: Submission) -> list[Finding]:
    last = [(t, _norm(t.text)) for t in texts(prev) if t.section in ("一", "五", "六") and len(t.text) >= MIN_CHARS]
    found: list[Finding] = []
    names = {"一": "第一部分", "五": "第五部分", "六": "第六部分"}
    for t in texts(sub):
        if t.section not in names or len(t.text) < MIN_CHARS:
            continue
        mine = _norm(t.text)
        best, ratio = None, 0.0
        for other, theirs in last:
            m = SequenceMatcher(None, mine, theirs, autojunk=False)
            if m.real_quick_ratio() < SIMILAR or m.quick_ratio() < SIMILAR:
                continue
            r = m.ratio()
            if r > ratio:
                best, ratio = other, r
        if best is not None and ratio > SIMILAR:
            found.append(Finding.of(
                "copied-text",
                f"这段文字与上年报告{names.get(best.section, '')}的一段相似度 {ratio:.0%}（内容雷同可被追责）：“{t.text[:30]}……”",
                t.sheet, t.cell, actual=f"{ratio:.0%}",
            ))
            if len(found) >= COPY_CAP:
                break
    return found


def check_previous(sub: Submission, prev: Submission) -> list[Finding]:
    return check_carry_over(sub, prev) + check_valid_documents(sub, prev) + check_copied(sub, prev)


def _name(text: str) -> str:
    return re.sub(r"[\s（）()]|盖章", "", text)


def other_agency(sub: Submission, prev: Submission) -> Finding | None:
    """Last year's report is another unit's (a neighbour's workbook picked up by mistake): every cross-year
    finding would be noise — the carry-over differs, the text is "copied" from a model — so none is made."""
    this, last = _name(sub.meta.agency), _name(prev.meta.agency)
    if not this or not last or this in last or last in this:
        return None
    return Finding.of("previous-agency",
                      f"作为“上年”提供的{_what(prev)}是“{prev.meta.agency}”的，不是本单位“{sub.meta.agency}”的：跨年度核对没有进行。"
                      "请提供本单位上一年度的工作簿或已发布的报告",
                      sub.sheet(L.SHEET_META), sub.meta.cells.get("agency"), expected=sub.meta.agency, actual=prev.meta.agency)


def year_gap(sub: Submission, prev: Submission) -> Finding | None:
    if sub.meta.year and prev.meta.year and prev.meta.year != sub.meta.year - 1:
        return Finding.of("previous-year",
                       f"作为“上年”提供的{_what(prev)}是 {prev.meta.year} 年度的，本年度是 {sub.meta.year} 年，跨年度核对结果可能没有意义",
                       sub.sheet(L.SHEET_META), sub.meta.cells.get("year"), expected=str(sub.meta.year - 1), actual=str(prev.meta.year))
    return None

