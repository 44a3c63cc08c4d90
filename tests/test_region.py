"""The region's own report: its workbook written as the sum of its units (and converted like any other),
a region's report — workbook or published page — checked cell by cell against its units, the units'
figures as open data (validated against their Frictionless data package, read back equal), and the key
figures at a glance against last year."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from nianbao.apps.batch.run import run_batch
from nianbao.apps.cli import main
from nianbao.form.model import load_form
from nianbao.output.data import figures_from_json
from nianbao.season.record import RECORD_NAME, SeasonRecord
from nianbao.season.roster import read_roster
from nianbao.workbook import layout as L
from test_season import NEW, PUBLISHED, YEAR_CELL, _roster

from support import PINGTAN, SHARED, agency_workbook, set_cells, strict_json

FORM = load_form("2021")
PINGTAN_PAGE = SHARED / "fixtures" / "published" / "pingtan-2024.html"
DATE_CELL = f"{L.SHEET_META}!B{L.field_row(L.META_FIELDS, 'date')}"
FEE_CELLS = {f.key: f"{L.SHEET_OTHER}!B{L.field_row(L.SECTION6_FIELDS, f.key)}" for f in L.FEE_FIELDS}


def _unit(name: str, i: int, year: int = 2024, **changes: object) -> bytes:
    """Pingtan's figures under a unit's name, changed by i in every table (every relation still holds):
    more applications received and published, 规范性文件 issued and in force, reviews upheld, fees."""
    base = openpyxl.load_workbook(PINGTAN)
    new, pub = base["依申请公开"]["D6"].value, base["依申请公开"]["D8"].value
    return agency_workbook(name, {NEW: new + i, PUBLISHED: pub + i, "主动公开!B6": i, "主动公开!D6": 10 * i,
                                  "复议诉讼!A6": i, FEE_CELLS["fee_notices"]: i, FEE_CELLS["fee_billed"]: 100 * i,
                                  FEE_CELLS["fee_collected"]: 50 * i, YEAR_CELL: year} | changes)


def _quiet(name: str) -> bytes:
    """A unit with nothing to count: every figure 0 (a small office's year)."""
    zeros = {f"{L.TABLE_SHEETS[n]}!{L.to_sheet(ref)}": 0 for n, t in FORM.tables.items() for ref in t.input_cells()}
    return agency_workbook(name, zeros)


def _season(tmp: Path, names: list[str], sent: dict[int, bytes], year: int = 2024) -> Path:
    """A collection season (batch --roster) of these units, where only `sent` sent a workbook."""
    roster = _roster(tmp / f"名单{year}.xlsx", [(n, "", "") for n in names])
    inbox, out = tmp / f"收件箱{year}", tmp / f"季{year}"
    inbox.mkdir()
    for i, data in sent.items():
        (inbox / f"{names[i]}.xlsx").write_bytes(data)
    run_batch(inbox, out, jobs=2, roster=read_roster(roster), year=year)
    return out


def _finish(path: Path, changes: dict[str, object] | None = None) -> Path:
    """The office's part of the region's workbook: the date, the text of 一 and 五 (and any change)."""
    wb = openpyxl.load_workbook(path)
    sheet, ref = DATE_CELL.split("!")
    wb[sheet][ref] = "2025年1月10日"
    wb[L.SHEET_GENERAL]["B4"] = "本报告汇总全县各有关单位政府信息公开工作情况编制而成。" + "全县各单位认真落实政府信息公开条例，主动公开、依申请公开、政府信息管理和平台建设等各项工作有序开展。" * 5
    wb[L.SHEET_PROBLEMS]["B4"] = "部分单位公开内容不够及时，将加强督促检查和业务培训。"
    wb[L.SHEET_PROBLEMS]["B5"] = "建立定期检查机制，按季度通报各单位公开情况。"
    set_cells(wb, changes or {})
    wb.save(path)
    return path


def _json(tmp: Path, workbook: Path, capsys) -> dict:
    out = tmp / (workbook.stem + ".docx")
    assert main(["convert", str(workbook), "--format", "json", "-o", str(out)]) == 0, capsys.readouterr()
    return strict_json(out.with_suffix(".json").read_bytes())


def _region_findings(capsys, *args: str) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(["check", *args, "--json"])
    return code, [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"].startswith("region-")]


def test_the_region_workbook_is_the_sum_of_its_units_and_converts_to_their_sum(tmp_path, capsys):
    names = [f"青山县第{i}镇人民政府" for i in range(3)]
    units = {i: _unit(n, i + 1) for i, n in enumerate(names)}
    season = _season(tmp_path, names, units)
    out = tmp_path / "本地区.xlsx"
    assert main(["region", str(season), "-o", str(out), "--agency", "青山县人民政府"]) == 0
    assert "3 个单位之和" in capsys.readouterr().err
    wb = openpyxl.load_workbook(out)
    ws = wb[L.SHEET_REGION_UNITS]
    assert [ws.cell(r, 2).value for r in range(3, 6)] == names and {ws.cell(r, 5).value for r in range(3, 6)} == {"计入"}
    assert ws.protection.sheet, "a reference sheet, not a place to write"
    meta = wb[L.SHEET_META]
    assert (meta["B3"].value, meta["B4"].value, meta["B5"].value) == ("青山县人民政府", "人民政府", 2024)

    # what each unit reports, through the unit's own conversion; summed here, cell by cell
    expected: dict[str, dict[str, Decimal]] = {}
    for i, data in units.items():
        path = tmp_path / f"unit{i}.xlsx"
        path.write_bytes(data)
        doc = _json(tmp_path, path, capsys)
        for table, cells in figures_from_json(doc).items():
            for ref, v in cells.items():
                expected.setdefault(table, {})[ref] = expected.get(table, {}).get(ref, Decimal(0)) + Decimal(str(v))
        fees = doc["fees"]
        for key, field in (("fee_notices", "notices"), ("fee_billed", "billed_yuan"), ("fee_collected", "collected_yuan")):
            expected.setdefault("fees", {})[key] = expected.get("fees", {}).get(key, Decimal(0)) + Decimal(str(fees[field]))
    region = _json(tmp_path, _finish(out), capsys)
    got = figures_from_json(region)
    assert {t: {r: Decimal(str(v)) for r, v in cells.items()} for t, cells in got.items()} == {
        t: c for t, c in expected.items() if t != "fees"}
    assert got["table3"]["D4"] == 3 * openpyxl.load_workbook(PINGTAN)["依申请公开"]["D6"].value + 6
    assert (Decimal(str(region["fees"]["notices"])), Decimal(str(region["fees"]["billed_yuan"])),
            Decimal(str(region["fees"]["collected_yuan"]))) == tuple(expected["fees"][k] for k in ("fee_notices", "fee_billed", "fee_collected"))
    assert expected["table2"]["D4"] == 60, "现行有效件数 summed too"
    # and the region's workbook is checked against its units: nothing to say
    assert _region_findings(capsys, str(out), "--units", str(season)) == (0, [])


def test_a_unit_with_errors_is_summed_unless_the_office_says_so(tmp_path, capsys):
    names = ["甲镇人民政府", "乙镇人民政府", "丙镇人民政府"]
    broken = _unit(names[1], 2, **{NEW: 1})  # 一+二 no longer equals 三+四: the unit's own error
    season = _season(tmp_path, names, {0: _unit(names[0], 1), 1: broken, 2: _unit(names[2], 3)})
    out = tmp_path / "本地区.xlsx"
    assert main(["region", str(season), "-o", str(out), "--agency", "青山县人民政府"]) == 0
    err = capsys.readouterr().err
    assert "3 个单位之和" in err
    # the sum inherits the unit's broken relation, and says whose it is
    assert re.search(r"\[region-relation-broken\] 各单位之和勾稽关系不成立.*各单位中自身即不符的：乙镇人民政府", err)
    ws = openpyxl.load_workbook(out)[L.SHEET_REGION_UNITS]
    assert [ws.cell(4, c).value for c in (2, 4, 5)] == ["乙镇人民政府", "有错误", "计入"]

    assert main(["region", str(season), "-o", str(out), "--agency", "青山县人民政府", "--exclude-errors"]) == 0
    err = capsys.readouterr().err
    assert "2 个单位，另有 1 个单位未计入之和" in err and "乙镇人民政府（有错误，按要求不计入" in err
    assert "region-relation-broken" not in err
    ws = openpyxl.load_workbook(out)[L.SHEET_REGION_UNITS]
    assert [ws.cell(r, 5).value for r in range(3, 6)] == ["计入", "计入", "否"] and ws.cell(5, 2).value == "乙镇人民政府"
    assert "2 个单位之和" in ws["A1"].value and "另有 1 个单位未计入" in ws["A1"].value

    assert main(["region", str(season), "-o", str(out), "--agency", "青山县人民政府", "--exclude", "甲镇人民政府"]) == 0
    assert "甲镇人民政府（按要求不计入）" in capsys.readouterr().err
    assert main(["region", str(season), "-o", str(out), "--agency", "青山县人民政府", "--exclude", "丁镇"]) == 2
    assert "--exclude 的单位不在来源中：丁镇" in capsys.readouterr().err


def test_a_region_report_with_two_wrong_cells_and_a_unit_missing(tmp_path, capsys):
    """Exactly: the unit that did not report (a quiet one: its figures are all 0), and the two cells
    (warnings: the missing unit may explain them); once every unit has reported, the same two cells are
    errors."""
    names = ["甲镇人民政府", "乙镇人民政府", "丙镇人民政府", "丁镇人民政府"]
    sent = {i: _unit(n, i + 1) for i, n in enumerate(names[:3])} | {3: _quiet(names[3])}
    complete = _season(tmp_path, names, sent)
    report = tmp_path / "本地区.xlsx"
    assert main(["region", str(complete), "-o", str(report), "--agency", "青山县人民政府"]) == 0
    wb = openpyxl.load_workbook(report)
    upheld, issued = wb["复议诉讼"]["A6"].value, wb["主动公开"]["B6"].value
    _finish(report, {"复议诉讼!A6": upheld + 7, "主动公开!B6": issued - 2})  # the report's own relations hold

    (tmp_path / "partial").mkdir()
    partial = _season(tmp_path / "partial", names, {i: d for i, d in sent.items() if i != 3})
    code, found = _region_findings(capsys, str(report), "--units", str(partial))
    assert code == 0, "warnings only: the missing unit may explain the differences"
    assert [(f["code"], f["level"], f["position"]) for f in found] == [
        ("region-units-missing", "warning", ""),
        ("region-sum-mismatch", "warning", "主动公开!B6"),
        ("region-sum-mismatch", "warning", "复议诉讼!A6")]
    assert "丁镇人民政府（未报送）" in found[0]["message"]
    assert "差额可能来自未计入的 1 个单位：丁镇人民政府" in found[2]["message"]
    assert found[2]["expected"] == str(upheld) and found[2]["actual"] == str(upheld + 7), "the sum of the three that reported"

    code, found = _region_findings(capsys, str(report), "--units", str(complete))
    assert code == 1
    assert [(f["code"], f["level"], f["position"], f["expected"], f["actual"]) for f in found] == [
        ("region-sum-mismatch", "error", "主动公开!B6", str(issued), str(issued - 2)),
        ("region-sum-mismatch", "error", "复议诉讼!A6", str(upheld), str(upheld + 7))]
    assert "应为各单位之和" in found[1]["message"] and "（4 个单位）" in found[1]["message"] and "多 7" in found[1]["message"]
    assert "复议诉讼!E6" not in json.dumps(found, ensure_ascii=False), "the total of a wrong part is not a third finding"
    assert "计入的单位中此格不为 0 的：" in found[1]["message"], "the units that contribute"


@pytest.mark.skipif(not PINGTAN_PAGE.is_file(), reason="../shared/fixtures not present")
def test_pingtans_published_page_against_units_that_sum_to_it_and_units_that_do_not(tmp_path, capsys):
    wb = openpyxl.load_workbook(PINGTAN)
    halves: list[dict[str, object]] = [{}, {}]
    for name, table in FORM.tables.items():
        ws = wb[L.TABLE_SHEETS[name]]
        for ref in table.input_cells():
            at = f"{L.TABLE_SHEETS[name]}!{L.to_sheet(ref)}"
            value = ws[L.to_sheet(ref)].value or 0
            if isinstance(value, int):
                halves[0][at], halves[1][at] = value // 2, value - value // 2
            else:  # an amount (万元): halves to the cent
                amount = Decimal(str(value))
                half = (amount / 2).quantize(Decimal("0.01"))
                halves[0][at], halves[1][at] = half, amount - half
    folder = tmp_path / "各单位"
    folder.mkdir()
    for i, changes in enumerate(halves):
        (folder / f"{i}.xlsx").write_bytes(agency_workbook(f"平潭第{i}片区管理局", changes))
    code, found = _region_findings(capsys, str(PINGTAN_PAGE), "--units", str(folder))
    assert (code, found) == (0, [])

    unit = openpyxl.load_workbook(folder / "0.xlsx")
    unit["依申请公开"]["E6"] = unit["依申请公开"]["E6"].value + 3   # 法人 · 商业企业 new applications
    unit["复议诉讼"]["K6"] = unit["复议诉讼"]["K6"].value + 1      # 复议后起诉 · 结果维持
    unit.save(folder / "0.xlsx")
    code, found = _region_findings(capsys, str(PINGTAN_PAGE), "--units", str(folder))
    assert code == 1
    assert [f["position"] for f in found] == ["依申请公开!E6", "复议诉讼!K6"]
    assert "实际为 1（少 3）" in found[0]["message"]


def test_open_data_validates_against_its_package_and_reads_back_as_the_units(tmp_path, capsys):
    frictionless = pytest.importorskip("frictionless")
    import pandas as pd

    names = ["甲镇人民政府", "乙镇人民政府", "丙镇人民政府"]
    sent = {0: _unit(names[0], 1), 1: _unit(names[1], 2, **{NEW: 1})}
    this = _season(tmp_path, names, sent)  # 丙 never sent
    folder = tmp_path / "2023"
    folder.mkdir()
    for i, n in enumerate(names):
        (folder / f"{n}.xlsx").write_bytes(_unit(n, 10 * i, year=2023))
    out = tmp_path / "数据"
    assert main(["export", str(this), str(folder), "-o", str(out)]) == 0
    assert "2023、2024 年度 5 个单位·年度的" in capsys.readouterr().err
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    package = json.loads((out / "datapackage.json").read_text("utf-8"))
    assert [r["name"] for r in package["resources"]] == ["figures", "units", "cells"]

    data = pd.read_csv(out / "figures.csv", dtype={"value": str})
    assert len(data) == 5 * (sum(len(t.numeric) for t in FORM.tables.values()) + 3)
    units = list(csv.DictReader(io.StringIO((out / "units.csv").read_text("utf-8"))))
    assert [(u["unit"], u["year"], u["status"]) for u in units if u["year"] == "2024"] == [
        ("丙镇人民政府", "2024", "not_submitted"), ("乙镇人民政府", "2024", "errors"), ("甲镇人民政府", "2024", "ok")]
    # pivot back: one unit-year's figures, equal to what that unit's workbook says
    for (unit, year), rows in data.groupby(["unit", "year"]):
        raw = openpyxl.load_workbook(io.BytesIO(sent[names.index(unit)]) if year == 2024 else folder / f"{unit}.xlsx")
        got = {(r.table, r.cell): Decimal(r.value) for r in rows.itertuples()}
        for name, table in FORM.tables.items():
            ws = raw[L.TABLE_SHEETS[name]]
            for ref in table.input_cells():
                assert got[(name, ref)] == Decimal(str(ws[L.to_sheet(ref)].value or 0)), (unit, year, ref)
        for key, at in FEE_CELLS.items():
            s, r = at.split("!")
            assert got[("fees", key)] == Decimal(str(raw[s][r].value))
    labels = data[(data.table == "table3") & (data.cell == "D4")].iloc[0]
    assert (labels.row_label, labels.column_label, labels.sheet_cell) == ("一、本年新收政府信息公开申请数量", "申请人情况 / 自然人", "依申请公开!D6")
    book = openpyxl.load_workbook(out / "figures.xlsx", read_only=True)
    rows_xlsx = list(book["数字"].values)
    assert len(rows_xlsx) == len(data) + 1 and rows_xlsx[0][0] == "单位"

    # the overview: the region and every unit against 2023, each chart beside its figures
    page = (out / "概览.html").read_text("utf-8")
    assert "与2023年度对比" in page and "本地区合计" in page and "丙镇人民政府" in page
    cells = re.findall(r"<td>(.*?)</td>", page)
    assert len(cells) == 4 * 6, "the region and three units, six key figures each"
    for cell in cells:
        assert "<svg" in cell and re.search(r'class="figure">([^<]*\d|无数据)', cell), "no chart without its figure"
        assert re.search(r'role="img" aria-label="[^"]+2024年 [^"]+；2023年 ', cell), "words for screen readers"
    assert main(["export", str(this), str(this), "-o", str(out)]) == 2
    assert "同一单位同一年度出现在多个来源中" in capsys.readouterr().err


def test_the_sources_that_cannot_be_used_are_named(tmp_path, capsys):
    assert main(["region", str(tmp_path / "无"), "-o", str(tmp_path / "x.xlsx"), "--agency", "青山县人民政府"]) == 2
    assert "找不到文件夹" in capsys.readouterr().err
    empty = tmp_path / "空"
    empty.mkdir()
    assert main(["export", str(empty), "-o", str(tmp_path / "数据")]) == 2
    assert "没有工作簿" in capsys.readouterr().err
    # a season's folder whose record never saw a roster
    SeasonRecord(empty / RECORD_NAME).db.close()
    assert main(["region", str(empty), "-o", str(tmp_path / "x.xlsx"), "--agency", "青山县人民政府"]) == 2
    assert "请用 --roster 指定报送名单" in capsys.readouterr().err
    assert main(["check", str(PINGTAN), "--exclude", "甲"]) == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_a_record_of_an_earlier_nianbao_opens_with_the_columns_added_since(tmp_path):
    path = tmp_path / RECORD_NAME
    SeasonRecord(path).db.close()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE received DROP COLUMN agency_type")
    with SeasonRecord(path) as record:
        assert record.all() == []
        assert "agency_type" in {row[1] for row in record.db.execute("PRAGMA table_info(received)")}


def test_the_office_page_shows_the_key_figures_against_last_year(tmp_path):
    """serve --season --roster --previous: /office shows the region's and each unit's key figures beside
    their charts, against last year's units."""
    import httpx

    from webserver import Server

    names = ["甲镇人民政府", "乙镇人民政府"]
    season = _season(tmp_path, names, {0: _unit(names[0], 1)})
    last = tmp_path / "上年"
    last.mkdir()
    (last / "甲.xlsx").write_bytes(_unit(names[0], 0, year=2023, **{NEW: 100, PUBLISHED: 40}))
    token = "office-" + "y" * 20
    server = Server(tmp_path / "web", "--season", str(season / RECORD_NAME), "--roster", str(tmp_path / "名单2024.xlsx"),
                    "--previous", str(last), env={"NIANBAO_OFFICE_TOKEN": token})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            page = client.get("/office", params={"token": token}).text
    finally:
        assert "Traceback" not in server.stop()
    overview = page[page.index('id="overview"'):]
    assert "（与2023年度对比）" in overview
    ws = openpyxl.load_workbook(PINGTAN)["依申请公开"]
    others = sum(ws.cell(6, c).value for c in range(5, 10))  # 法人或其他组织: unchanged
    new, before = ws["D6"].value + 1 + others, 100 + others
    assert f"{new} 件" in overview and f"上年 {before} 件，增加 {new - before} 件" in overview
    assert re.search(r'<tr><th scope="row">乙镇人民政府<div class="note">未报送</div></th>(<td class="none">—</td>){6}</tr>', overview)
    assert overview.count('role="img"') == 12, "the region and 甲: six charts each; 乙 sent nothing, so no chart"
