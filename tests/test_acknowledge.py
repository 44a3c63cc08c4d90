"""Warnings a person can clear: the 说明 sheet acknowledges a warning by its code and position."""

from __future__ import annotations

import json

from nianbao.apps.cli import main
from nianbao.conversion import check

from support import DAZHUANG

REASON = "原文如此：此段回顾2023年的工作，已核实"


def test_acknowledged_warning_is_listed_with_its_reason_and_no_longer_open(edit, capsys):
    path = edit({"说明!A4": "narrative-year", "说明!B4": "问题及改进！b4", "说明!C4": REASON}, base=DAZHUANG)
    _, report = check(path)
    year = next(f for f in report.findings if f.code == "narrative-year")
    assert year.acknowledged == REASON
    open_before = len(check(DAZHUANG)[1].warnings)
    assert report.counts()["warning"] == open_before - 1 and report.counts()["acknowledged"] == 1
    assert "narrative-year" not in {f.code for f in report.warnings}
    assert main(["check", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["acknowledged"] == 1
    assert next(f for f in data["findings"] if f["code"] == "narrative-year")["acknowledged"] == REASON
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "警告（已说明） 问题及改进!B4 [narrative-year]" in out and REASON in out and "另有 1 个警告已说明" in out


def test_identities_are_stable_across_runs(edit):
    path = edit({"依申请公开!J6": 1})
    first = [(f.code, f.position) for f in check(path)[1].findings]
    again = [(f.code, f.position) for f in check(path)[1].findings]
    assert first == again


def test_errors_cannot_be_acknowledged_and_stale_notes_are_pointed_out(edit):
    path = edit({"依申请公开!J6": 1,
                 "说明!A4": "total-mismatch", "说明!B4": "依申请公开!J6", "说明!C4": "我们就是这样统计的",
                 "说明!A5": "narrative-year", "说明!B5": "总体情况!B9", "说明!C5": "旧的说明"})
    _, report = check(path)
    assert not report.ok
    info = {(f.code, f.position) for f in report.findings if f.level.value == "info"}
    assert {("ack-error", "说明!A4"), ("ack-unused", "说明!A5")} <= info


def test_incomplete_note(edit):
    _, report = check(edit({"说明!A4": "narrative-year"}, base=DAZHUANG))
    assert ("ack-unused", "说明!A4") in {(f.code, f.position) for f in report.findings}


def test_a_note_written_in_words_is_matched(edit):
    """The clerk writes the problem's Chinese title (or pastes its whole line) and the position in words:
    the warning is acknowledged, not told "问题可能已经改正"."""
    from nianbao.findings import CODES

    for written, position in ((CODES["narrative-year"], "问题及改进 B4"), ("警告 问题及改进!B4 [narrative-year] 段落以…", "问题及改进表B4"),
                              ("narrative-year", "问题及改进工作表的b4单元格")):
        _, report = check(edit({"说明!A4": written, "说明!B4": position, "说明!C4": REASON}, base=DAZHUANG))
        year = next(f for f in report.findings if f.code == "narrative-year")
        assert year.acknowledged == REASON, (written, position)
        assert not any(f.code == "ack-unused" for f in report.findings), (written, position)
