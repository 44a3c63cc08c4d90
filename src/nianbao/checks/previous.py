"""Last year's workbook against this year's: the carried-over applications, the count of valid normative
documents, and paragraphs copied from last year's report (内容雷同, named by the 2021 form as grounds for
accountability)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from nianbao.form import layout as L
from nianbao.form.cells import cell_ref
from nianbao.findings import Finding, Level
from nianbao.checks.hygiene import texts
from nianbao.workbook.model import Submission
from nianbao.workbook.values import format_number

SIMILAR = 0.5  # a local rubric in use treats more than half as copied
MIN_CHARS = 30  # short sentences ("无其他需要报告的事项。") repeat legitimately
COPY_CAP = 20  # findings of this kind per report, at most


def _row(sub: Submission, label: str) -> int | None:
    t3 = sub.form.tables["table3"]
    return next((int(ref[1:]) for ref, text in t3.labels.items() if text == label and ref[0] == "A"), None)


def check_carry_over(sub: Submission, prev: Submission) -> list[Finding]:
    if "table3" not in sub.readable or "table3" not in prev.readable:
        return []
    this_row, last_row = _row(sub, "二、上年结转政府信息公开申请数量"), _row(prev, "四、结转下年度继续办理")
    if this_row is None or last_row is None:
        return []
    found = []
    t3 = sub.form.tables["table3"]
    for col in range(4, t3.ncols + 1):
        this_ref, last_ref = cell_ref(this_row, col), cell_ref(last_row, col)
        a, b = sub.figures["table3"].get(this_ref), prev.figures["table3"].get(last_ref)
        if a is None or b is None or a == b:
            continue
        column = t3.label_path(this_ref)[1][-1]
        found.append(Finding(
            "carryover-mismatch", Level.WARNING,
            f"上年结转（{column}）填的是 {format_number(a)}，但上年报告的“结转下年度继续办理”是 {format_number(b)}"
            f"（上年工作簿 {prev.sheet(L.TABLE_SHEETS['table3'])}!{prev.at('table3', last_ref)}）",
            sub.sheet(L.TABLE_SHEETS["table3"]), sub.at("table3", this_ref), expected=format_number(b), actual=format_number(a),
        ))
    return found


def check_valid_documents(sub: Submission, prev: Submission) -> list[Finding]:
    """现行有效件数 ≈ last year's + 本年制发 − 本年废止 (2021 form both years; clean-ups break it legitimately)."""
    if sub.form.id != "2021" or prev.form.id != "2021" or "table2" not in sub.readable or "table2" not in prev.readable:
        return []
    this, last = sub.figures["table2"], prev.figures["table2"]
    values = [this.get("B4"), this.get("C4"), this.get("D4"), last.get("D4")]
    if any(v is None for v in values):
        return []
    issued, repealed, valid, valid_last = values
    expected = valid_last + issued - repealed  # type: ignore[operator]
    if valid == expected:
        return []
    return [Finding(
        "valid-count-jump", Level.WARNING,
        f"现行有效行政规范性文件 {format_number(valid)} 件，按上年 {format_number(valid_last)} 件 + 本年制发 {format_number(issued)} 件"  # type: ignore[arg-type]
        f" − 本年废止 {format_number(repealed)} 件应为 {format_number(expected)} 件；如有清理或移交，请在正文说明",  # type: ignore[arg-type]
        sub.sheet(L.TABLE_SHEETS["table2"]), sub.at("table2", "D4"), expected=format_number(expected), actual=format_number(valid),  # type: ignore[arg-type]
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
            found.append(Finding(
                "copied-text", Level.WARNING,
                f"这段文字与上年报告{names.get(best.section, '')}的一段相似度 {ratio:.0%}（内容雷同可被追责）：“{t.text[:30]}……”",
                t.sheet, t.cell, actual=f"{ratio:.0%}",
            ))
            if len(found) >= COPY_CAP:
                break
    return found


def check_previous(sub: Submission, prev: Submission) -> list[Finding]:
    return check_carry_over(sub, prev) + check_valid_documents(sub, prev) + check_copied(sub, prev)


def year_gap(sub: Submission, prev: Submission) -> Finding | None:
    if sub.meta.year and prev.meta.year and prev.meta.year != sub.meta.year - 1:
        return Finding("previous-year", Level.WARNING,
                       f"作为“上年”提供的工作簿是 {prev.meta.year} 年度的，本年度是 {sub.meta.year} 年，跨年度核对结果可能没有意义",
                       sub.sheet(L.SHEET_META), sub.meta.cells.get("year"), expected=str(sub.meta.year - 1), actual=str(prev.meta.year))
    return None

