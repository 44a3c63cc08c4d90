"""Warnings the clerk acknowledged on the 说明 sheet, by (code, position) — stable across runs, so an
acknowledgement survives re-sending the workbook. Errors cannot be acknowledged away."""

from __future__ import annotations

import re
from dataclasses import replace

from nianbao.findings import CODES, Finding, Level, Report
from nianbao.workbook import layout as L
from nianbao.workbook.model import Submission

_BY_TITLE = {title: code for code, title in CODES.items()}
_BRACKETED = re.compile(r"\[([a-z0-9-]+)\]")


def _code(written: str) -> str:
    """The finding code a clerk wrote: the code itself, its Chinese title (问题代码表), or a finding's whole
    line pasted from the results ("警告 依申请公开!J28 [other-unexplained] …")."""
    text = written.strip()
    if text in CODES:
        return text
    if m := _BRACKETED.search(text):
        return m.group(1)
    return _BY_TITLE.get(text, text)


def apply_acknowledgements(sub: Submission, report: Report) -> None:
    if not sub.acks:
        return
    notes = {(_code(code), pos): (reason, cell) for code, pos, reason, cell in sub.acks}
    used: set[tuple[str, str]] = set()
    extra: list[Finding] = []
    for i, f in enumerate(report.findings):
        key = (f.code, f.position)
        if key not in notes:
            continue
        used.add(key)
        reason, cell = notes[key]
        if f.level is Level.WARNING:
            report.findings[i] = replace(f, acknowledged=reason)
        elif f.level is Level.ERROR:
            extra.append(Finding.of("ack-error", f"{f.position} 的“{f.code}”是错误，不能以说明代替修改，请按提示改正", L.SHEET_NOTES, cell))
    for key, (_, cell) in notes.items():
        if key not in used:
            extra.append(Finding.of("ack-unused", f"说明中的“{key[0]} {key[1]}”没有对应的警告（问题可能已经改正），可以删除这一行", L.SHEET_NOTES, cell))
    report.extend(extra)
