"""nianbao batch: an inbox of good, wrong and hostile files; the summary; the county total; re-runs."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nianbao.apps.batch.run import run_batch
from nianbao.apps.cli import main
from nianbao.conversion import Status
from nianbao.form.model import load_form

from support import DAZHUANG, PINGTAN, set_cells


def _copy_with(src: Path, dst: Path, changes: dict) -> Path:
    wb = set_cells(openpyxl.load_workbook(src), changes)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


@pytest.fixture
def inbox(tmp_path) -> Path:
    box = tmp_path / "收件夹"
    box.mkdir()
    shutil.copy(DAZHUANG, box / "大庄乡.xlsx")
    shutil.copy(PINGTAN, box / "平潭.xlsx")
    _copy_with(PINGTAN, box / "各乡镇" / "李村镇.xlsx", {"基本信息!B3": "李村镇人民政府", "基本信息!B4": "乡镇街道", "依申请公开!D6": 222, "依申请公开!D8": 76})
    _copy_with(PINGTAN, box / "各乡镇" / "错的.xlsx", {"基本信息!B3": "王庄镇人民政府", "依申请公开!J6": 1})
    (box / "扫描件.pdf").write_bytes(b"%PDF-1.4 scanned")
    (box / "~$大庄乡.xlsx").write_bytes(b"lock file of an open workbook")
    return box


def test_statuses_outputs_and_summary(inbox, tmp_path):
    out = tmp_path / "输出"
    result = run_batch(inbox, out, jobs=2)
    by_file = {it.file: it for it in result.items}
    assert set(by_file) == {"大庄乡.xlsx", "平潭.xlsx", "各乡镇/李村镇.xlsx", "各乡镇/错的.xlsx", "扫描件.pdf"}
    assert [by_file[f].status for f in ("大庄乡.xlsx", "平潭.xlsx", "各乡镇/李村镇.xlsx")] == [Status.OK] * 3
    assert by_file["各乡镇/错的.xlsx"].status is Status.ERRORS and "依申请公开!J6" in by_file["各乡镇/错的.xlsx"].first[0]
    assert by_file["扫描件.pdf"].status is Status.UNREADABLE and "file-not-xlsx" in by_file["扫描件.pdf"].first[0]
    assert [it.status for it in result.items][:2] == [Status.UNREADABLE, Status.ERRORS], "offices that must act come first"
    assert (out / by_file["大庄乡.xlsx"].report).name == "大庄乡人民政府2024年政府信息公开工作年度报告.docx"
    assert (out / by_file["各乡镇/错的.xlsx"].annotated).is_file()
    assert by_file["扫描件.pdf"].report is None and by_file["扫描件.pdf"].annotated is None
    rows = list(openpyxl.load_workbook(out / "汇总.xlsx")["汇总"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == [it.file for it in result.items]
    assert rows[0][4] == "无法读取"
    data = json.loads((out / "summary.json").read_text("utf-8"))
    assert data["schema"] == "nianbao.batch/1" and data["counts"] == {"无法读取": 1, "有错误": 1, "已生成": 3}


def test_same_agency_twice_never_overwrites_and_is_flagged(tmp_path):
    box = tmp_path / "in"
    box.mkdir()
    shutil.copy(PINGTAN, box / "a.xlsx")
    _copy_with(PINGTAN, box / "b.xlsx", {"主动公开!B9": 4530})  # same agency and year, one figure differs
    shutil.copy(PINGTAN, box / "c.xlsx")  # the very same file again
    result = run_batch(box, tmp_path / "out", jobs=2)
    reports = sorted(it.report for it in result.items)
    assert len(set(reports)) == 3 and all((tmp_path / "out" / r).is_file() for r in reports)
    by_file = {it.file: it for it in result.items}
    assert "数字不同" in by_file["a.xlsx"].duplicate and "数字不同" in by_file["b.xlsx"].duplicate
    assert "同一文件" in by_file["c.xlsx"].duplicate


def test_zip_inbox_with_hostile_member_names(tmp_path):
    archive = tmp_path / "各单位.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(PINGTAN, "../../逃出去.xlsx")
        zf.write(DAZHUANG, "/abs/大庄乡.xlsx")
        zf.writestr("文件夹/", "")
        zf.writestr("坏的.xlsx", b"PK\x03\x04 broken")
    out = tmp_path / "out"
    result = run_batch(archive, out, jobs=1)
    assert sorted(it.file for it in result.items) == ["abs/大庄乡.xlsx", "坏的.xlsx", "逃出去.xlsx"]
    assert not (tmp_path.parent / "逃出去.xlsx").exists()
    assert {it.status for it in result.items} == {Status.OK, Status.UNREADABLE}
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))


def test_aggregate_is_the_sum_of_the_parts_and_passes_the_relations(inbox, tmp_path):
    result = run_batch(inbox, tmp_path / "out", jobs=2, aggregate=True)
    agg = result.aggregate["forms"]["2021"]
    passed = [it for it in result.items if it.status is Status.OK]
    assert agg["agencies"] == len(passed) == 3
    assert agg["findings"] == []
    form = load_form("2021")
    for name, table in form.tables.items():
        for ref in table.numeric:
            expected = sum(float(it.figures[name][ref]) for it in passed)
            assert float(agg["totals"][name][ref]) == pytest.approx(expected), (name, ref)
    assert agg["totals"]["table3"]["J4"] == str(218 + 0 + 223)  # 平潭 218, 大庄乡 0, 李村镇 218 + 5
    wb = openpyxl.load_workbook(tmp_path / "out" / "汇总.xlsx")
    assert {"合计-依申请公开", "分单位明细"} <= set(wb.sheetnames)
    assert wb["合计-依申请公开"]["J6"].value == 441
    detail = wb["分单位明细"]
    assert detail.cell(1, 5).value == "合计" and detail.max_column == 5 + 3


def test_rerun_skips_unchanged_inputs_unless_forced(inbox, tmp_path):
    out = tmp_path / "out"
    first = run_batch(inbox, out, jobs=2)
    again = run_batch(inbox, out, jobs=2)
    assert all(it.skipped for it in again.items)
    assert {it.file: it.report for it in again.items} == {it.file: it.report for it in first.items}
    _copy_with(DAZHUANG, inbox / "大庄乡.xlsx", {"基本信息!B7": "2025年1月3日"})
    third = run_batch(inbox, out, jobs=2)
    assert [it.file for it in third.items if not it.skipped] == ["大庄乡.xlsx"]
    forced = run_batch(inbox, out, jobs=2, force=True)
    assert not any(it.skipped for it in forced.items)


def test_cli_batch_exit_codes_and_messages(inbox, tmp_path, capsys):
    assert main(["batch", str(inbox), "-o", str(tmp_path / "out"), "--jobs", "2", "--aggregate"]) == 1
    err = capsys.readouterr().err
    assert "无法读取 1" in err and "2021 版合计：3 个单位，各项关系成立" in err
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(PINGTAN, good / "p.xlsx")
    assert main(["batch", str(good), "-o", str(tmp_path / "out2")]) == 0
    assert main(["batch", str(tmp_path / "没有"), "-o", str(tmp_path / "out3")]) == 2


def test_zip_members_are_named_in_messages_as_sent(tmp_path):
    archive = tmp_path / "收件.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("各乡镇/扫描件.xlsx", b"%PDF-1.4 scanned")
    result = run_batch(archive, tmp_path / "out", jobs=1)
    [item] = result.items
    assert item.file == "各乡镇/扫描件.xlsx" and "“扫描件.xlsx”" in item.first[0], item.first


def test_a_folder_of_last_years_reports_is_matched_by_agency(tmp_path, edit):
    """--previous 上年文件夹: each workbook meets last year's report of its own agency (here a published web
    page); an agency without one is marked 未核对, not failed."""
    from nianbao.conversion import convert

    last = edit({"基本信息!B5": 2023, "基本信息!B7": "2024年1月20日", "依申请公开!D30": 2, "依申请公开!D8": 69})
    prev = tmp_path / "2023"
    prev.mkdir()
    (prev / "平潭2023年报告.html").write_bytes(convert(last, formats=("docx", "html")).outputs[".html"])
    box = tmp_path / "inbox"
    box.mkdir()
    shutil.copy(PINGTAN, box / "平潭.xlsx")
    shutil.copy(DAZHUANG, box / "大庄乡.xlsx")
    result = run_batch(box, tmp_path / "out", jobs=2, previous=prev)
    by_file = {it.file: it for it in result.items}
    assert any("上年结转" in line for line in by_file["平潭.xlsx"].first), by_file["平潭.xlsx"].first
    assert not any("上年结转" in line for line in by_file["大庄乡.xlsx"].first)
    alone = run_batch(box, tmp_path / "out2", jobs=2)
    assert not any("上年结转" in line for it in alone.items for line in it.first)
