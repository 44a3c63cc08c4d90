"""The evaluator's desk: a folder of published reports — real ones, our own rendered ones with planted
defects, a scanned PDF and a hostile file — read, checked, compared, scored by the rubric and ranked."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from nianbao.apps.cli import main
from nianbao.workbook import layout as L

from support import DAZHUANG, PINGTAN, ROOT, SHARED, strict_json

PUBLISHED = SHARED / "fixtures" / "published"
WORK = ("更新主动公开目录", "规范依申请公开办理", "解读重要政策文件", "回应群众关切问题", "整理村务公开栏", "核对公开属性认定",
        "组织业务培训", "检查网站专栏链接", "归档政府信息台账", "征求群众意见建议", "公开惠民资金发放", "公示低保救助名单")
YEAR_CELL = f"B{L.field_row(L.META_FIELDS, 'year')}"
DATE_CELL = f"B{L.field_row(L.META_FIELDS, 'date')}"


def _render(tmp: Path, workbook: Path, name: str) -> Path:
    out = tmp / f"{name}.docx"
    assert main(["convert", str(workbook), "--format", "html", "-o", str(out)]) == 0
    return out.with_suffix(".html")


def _edited(tmp: Path, base: Path, name: str, edit) -> Path:
    wb = openpyxl.load_workbook(base)
    edit(wb)
    path = tmp / f"{name}.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The evaluator's download folder, in sub-folders as it came."""
    tmp = tmp_path_factory.mktemp("audit")
    work, src = tmp / "work", tmp / "下载"
    work.mkdir()
    (src / "本区").mkdir(parents=True)
    (src / "外地").mkdir()
    clean = _render(work, PINGTAN, "clean")
    shutil.copy(clean, src / "本区" / "平潭2024.html")

    def unit(name: str, more: int, said: int):  # Pingtan's workbook as another unit's: more applications, text saying `said`
        def edit(wb):
            wb[L.SHEET_META]["B3"] = name
            ws = wb["依申请公开"]
            ws["D6"], ws["D8"] = ws["D6"].value + more, ws["D8"].value + more
            ws = wb[L.SHEET_GENERAL]
            ws["B6"] = ws["B6"].value.replace("218件", f"{said}件")
        return _render(work, _edited(work, PINGTAN, name, edit), name).read_text("utf-8")
    # a wrong sum: 一、本年新收's 总计 printed 228 where its columns add up to 223
    page = unit("甲县人民政府", 5, 223)
    row = re.search(r"<tr>(?:(?!</tr>).)*一、本年新收政府信息公开申请数量(?:(?!</tr>).)*</tr>", page, re.S)
    assert row
    head, tail = row.group(0).rsplit(">223<", 1)
    (src / "本区" / "甲县.html").write_text(page.replace(row.group(0), head + ">228<" + tail), "utf-8")
    # a figure in the text that contradicts the table: 225 in the table, 250 in the text
    (src / "本区" / "乙县.html").write_text(unit("乙县人民政府", 7, 250), "utf-8")
    # the same tables as another unit: 丙县 took 甲县's figures (its text its own)
    (src / "本区" / "丙县.html").write_text(unit("丙县人民政府", 5, 223), "utf-8")
    # 大庄乡 2023 and 2024: 2024's 五 is 2023's word for word, its 一 rewritten
    last = _edited(work, DAZHUANG, "dz2023", lambda wb: (wb[L.SHEET_META].__setitem__(YEAR_CELL, 2023),
                                                         wb[L.SHEET_META].__setitem__(DATE_CELL, "2024年1月15日")))
    rendered_last = _render(work, last, "dz2023")

    def rewrite(wb):  # a new 一, longer than 五 and in words of its own
        ws = wb[L.SHEET_GENERAL]
        for i, r in enumerate(range(L.LIST_FIRST_ROW, L.LIST_FIRST_ROW + 3)):
            ws.cell(r, 2).value = "".join(f"第{i * 40 + n}号工作台账记载：{WORK[(i * 7 + n) % len(WORK)]}，完成{n + 3}次，覆盖{(n * 13 + i) % 29 + 2}个村。"
                                          for n in range(12))
    this = _render(work, _edited(work, DAZHUANG, "dz2024", rewrite), "dz2024")
    shutil.copy(this, src / "本区" / "大庄乡2024.html")
    (src / "上年").mkdir()
    shutil.copy(rendered_last, src / "上年" / "大庄乡2023.html")
    # two units, the same 总体情况: 小庄乡 took 大庄乡's 2024 一 and changed its name, figures and 五
    def copy_general(wb):
        rewrite(wb)
        wb[L.SHEET_META]["B3"] = "青山县小庄乡人民政府"
        wb["依申请公开"]["D6"] = (wb["依申请公开"]["D6"].value or 0) + 3
        wb["依申请公开"]["D8"] = (wb["依申请公开"]["D8"].value or 0) + 3
        ws = wb[L.SHEET_PROBLEMS]
        for r in range(L.LIST_FIRST_ROW, L.LIST_FIRST_ROW + 6):
            if ws.cell(r, 2).value:
                ws.cell(r, 2).value = f"小庄乡第{r}条：便民服务点的公开栏更新不够及时，已建立每月检查制度并指定专人负责，按月通报。"
    shutil.copy(_render(work, _edited(work, DAZHUANG, "xz2024", copy_general), "xz2024"), src / "外地" / "小庄乡.html")
    # the same report twice, under another name
    shutil.copy(clean, src / "外地" / "平潭（重复下载）.html")
    # the real reports of other sites
    if PUBLISHED.is_dir():
        shutil.copy(PUBLISHED / "pingtan-2024.html", src / "外地" / "pingtan-2024-原网页.html")
        for pdf in sorted((PUBLISHED / "outside").glob("*.pdf")):
            shutil.copy(pdf, src / "外地" / pdf.name)
    # a scanned report (an image in a PDF, no text) and a hostile file
    from PIL import Image

    Image.new("RGB", (600, 800), "white").save(src / "外地" / "扫描件.pdf")
    (src / "外地" / "恶意.html").write_bytes(b"<html>" + b"<div>" * 200_000 + b"\x00\xff" * 1000)
    return src


@pytest.fixture(scope="module")
def audited(folder, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("评估") / "评估"
    assert main(["audit", str(folder), "-o", str(out), "-j", "2"]) == 0
    return out, strict_json((out / "评估结果.json").read_bytes())


def _report(data: dict, source: str) -> dict:
    return next(r for r in data["reports"] if r["source"] == source)


def _codes(report: dict) -> list[str]:
    return [f["code"] for f in report["findings"]]


def test_the_contract_and_the_schema(audited):
    out, data = audited
    jsonschema.validate(data, json.loads((ROOT / "docs" / "audit.schema.json").read_text("utf-8")))
    for r in data["reports"]:
        assert {"source", "agency", "year", "readable", "score", "rank", "findings"} <= set(r)
        for f in r["findings"]:
            assert {"code", "level", "message", "evidence"} <= set(f)
    assert (out / "评估结果.xlsx").is_file()


def test_each_planted_defect_is_found_with_its_evidence(audited):
    _, data = audited
    bad_sum = _report(data, "本区/甲县.html")
    total = [f for f in bad_sum["findings"] if f["code"] == "total-mismatch"]
    assert len(total) == 1 and total[0]["evidence"] == "印作“228”"
    assert re.fullmatch(r"三、收到和处理政府信息公开申请情况：原文第 \d 个表格第 \d+ 行第 \d+ 列", total[0]["where"])

    said = [f for f in _report(data, "本区/乙县.html")["findings"] if f["code"] == "narrative-figure"]
    assert len(said) == 1 and "新收政府信息公开申请250件" in said[0]["evidence"] and said[0]["where"].startswith("一、总体情况")

    copied = [f for f in _report(data, "本区/大庄乡2024.html")["findings"] if f["code"] == "audit-similar-previous"]
    assert len(copied) == 1 and "“五、存在的主要问题及改进情况”部分" in copied[0]["message"] and "上年/大庄乡2023.html" in copied[0]["message"]
    assert len(copied[0]["evidence"]) >= 20, "the longest shared passage, quoted"

    for source, other in (("外地/小庄乡.html", "大庄乡"), ("本区/大庄乡2024.html", "小庄乡")):
        same = [f for f in _report(data, source)["findings"] if f["code"] == "audit-similar-other"]
        assert len(same) == 1 and other in same[0]["message"] and "一、总体情况" in same[0]["message"], source
        assert same[0]["evidence"]

    pair = [_report(data, "外地/平潭（重复下载）.html"), _report(data, "本区/平潭2024.html")]
    twice = [f for r in pair for f in r["findings"] if f["code"] == "audit-duplicate"]
    assert len(twice) == 1 and "平潭" in twice[0]["message"]
    for source, other in (("本区/丙县.html", "甲县人民政府"), ("本区/甲县.html", "丙县人民政府")):
        same = [f for f in _report(data, source)["findings"] if f["code"] == "audit-same-tables"]
        assert len(same) == 1 and other in same[0]["message"], source


def test_unreadable_and_hostile_files_are_rows(audited):
    _, data = audited
    scan = _report(data, "外地/扫描件.pdf")
    assert scan["readable"] is False and scan["score"] == 0 and "扫描" in scan["why"] or "文字" in scan["why"]
    hostile = _report(data, "外地/恶意.html")
    assert hostile["readable"] is False and hostile["why"]
    assert max(r["rank"] for r in data["reports"]) == scan["rank"] == hostile["rank"], "the unreadable rank last"


def test_clean_reports_are_not_penalised_and_the_ranking_follows_the_rubric(audited):
    _, data = audited
    clean = _report(data, "本区/平潭2024.html")
    assert clean["score"] == 100 and clean["rank"] == 1
    if PUBLISHED.is_dir():
        assert _report(data, "外地/pingtan-2024-原网页.html")["score"] == 100
    scored = sorted((r for r in data["reports"] if r["readable"]), key=lambda r: r["rank"])
    assert [r["score"] for r in scored] == sorted((r["score"] for r in scored), reverse=True)
    bad_sum = _report(data, "本区/甲县.html")
    assert bad_sum["categories"]["tables"] == 20 and bad_sum["score"] < 100  # one error: 10 of 30 deducted


def test_changing_the_rubric_changes_the_scores(folder, audited, tmp_path, capsys):
    _, data = audited
    capsys.readouterr()
    assert main(["audit", "--example-rubric"]) == 0
    rules = capsys.readouterr().out
    assert "categories:" in rules
    strict = rules.replace("deduct: {error: 10, warning: 3}", "deduct: {error: 30, warning: 3}")
    assert strict != rules
    (tmp_path / "严格.yaml").write_text(strict, "utf-8")
    out = tmp_path / "严格"
    assert main(["audit", str(folder), "-o", str(out), "--rubric", str(tmp_path / "严格.yaml")]) == 0
    again = strict_json((out / "评估结果.json").read_bytes())
    assert _report(again, "本区/甲县.html")["score"] == _report(data, "本区/甲县.html")["score"] - 20
    assert again["rubric"]["file"].endswith("严格.yaml")
    ws = openpyxl.load_workbook(out / "评估结果.xlsx")["评估结果"]
    assert "严格" in ws["A1"].value or again["rubric"]["name"] in ws["A1"].value
    (tmp_path / "坏.yaml").write_text("categories:\n  - {key: x, codes: [no-such-code], points: 5}\n", "utf-8")
    assert main(["audit", str(folder), "-o", str(out), "--rubric", str(tmp_path / "坏.yaml")]) == 2
    assert "问题代码不存在：no-such-code" in capsys.readouterr().err
    assert main(["audit", str(folder)]) == 2 and "-o 输出文件夹" in capsys.readouterr().err


def test_the_results_sheet_prints_on_a4_one_page_wide_and_each_report_has_its_page(audited):
    out, data = audited
    wb = openpyxl.load_workbook(out / "评估结果.xlsx")
    assert wb.sheetnames == ["评估结果", "问题明细", "评分规则"]
    for ws in wb.worksheets:
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    detail = wb["问题明细"]
    rows = [[c.value for c in row] for row in detail.iter_rows(min_row=3)]
    assert any(r[4] == "total-mismatch" and r[8] == "印作“228”" for r in rows)
    page = (out / _report(data, "本区/乙县.html")["page"]).read_text("utf-8")
    assert "<mark>" in page and "新收政府信息公开申请250件" in page and "narrative-figure" in page


def test_last_years_reports_given_apart_with_previous(folder, tmp_path):
    """--previous: last year's reports in a folder of their own (or a .zip); only this year's are scored."""
    this = tmp_path / "今年"
    this.mkdir()
    shutil.copy(folder / "本区" / "大庄乡2024.html", this)
    out = tmp_path / "评估"
    assert main(["audit", str(this), "-o", str(out), "--previous", str(folder / "上年")]) == 0
    data = strict_json((out / "评估结果.json").read_bytes())
    assert [r["source"] for r in data["reports"]] == ["大庄乡2024.html"]
    (report,) = data["reports"]
    assert report["previous"] == "大庄乡2023.html" and report["similarity_previous"] > 0.3
    assert _codes(report).count("audit-similar-previous") == 1
    assert report["categories"]["previous"] == 0


def test_a_roster_lists_the_units_whose_report_was_not_found(folder, tmp_path):
    from test_season import _roster

    this = tmp_path / "今年"
    this.mkdir()
    shutil.copy(folder / "本区" / "平潭2024.html", this)
    roster = _roster(tmp_path / "名单.xlsx", [("平潭综合实验区", "", ""), ("青山县白沙镇人民政府", "", "")])
    out = tmp_path / "评估"
    assert main(["audit", str(this), "-o", str(out), "--roster", str(roster)]) == 0
    data = strict_json((out / "评估结果.json").read_bytes())
    missing = [r for r in data["reports"] if not r["readable"]]
    assert [(r["agency"], r["why"]) for r in missing] == [("青山县白沙镇人民政府", "文件夹中没有找到该单位的报告")]
    assert missing[0]["rank"] == 2 and missing[0]["score"] == 0
