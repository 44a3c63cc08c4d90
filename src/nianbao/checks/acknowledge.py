"""Warnings the clerk acknowledged on the 说明 sheet, by (code, position) — stable across runs, so an
acknowledgement survives re-sending the workbook. Errors cannot be acknowledged away."""

from __future__ import annotations

from dataclasses import replace

from nianbao.findings import Finding, Level, Report
from nianbao.form import layout as L
from nianbao.workbook.model import Submission


def apply_acknowledgements(sub: Submission, report: Report) -> None:
    if not sub.acks:
        return
    notes = {(code, pos): (reason, cell) for code, pos, reason, cell in sub.acks}
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
