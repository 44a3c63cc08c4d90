"""The published forms: an HTML fragment a CMS keeps (inline styles, accessible tables) and JSON that
round-trips to the very figures of the workbook."""

from __future__ import annotations

import json
import re

import jsonschema
import lxml.html
import pytest

from nianbao.conversion import check
from nianbao.output.context import context
from nianbao.output.data import export, figures_from_json
from nianbao.output.html import fragment, page
from nianbao.workbook.fill import filled_workbook

from support import DAZHUANG, PINGTAN, ROOT


def _html(path, full=False):
    sub, report = check(path)
    ctx = context(sub, report)
    return (page if full else fragment)(sub, ctx)


@pytest.mark.parametrize("example", [DAZHUANG, PINGTAN], ids=["dazhuang", "pingtan"])
def test_every_figure_cell_has_headers_that_resolve(example):
    doc = lxml.html.fromstring(_html(example))
    tables = doc.findall(".//table")
    assert len(tables) == 3
    for table in tables:
        assert table.find("caption") is not None and table.find("caption").text_content().strip()
        ids = {th.get("id") for th in table.iter("th")}
        assert all(th.get("scope") in ("row", "col", "rowgroup", "colgroup") for th in table.iter("th"))
        tds = [td for td in table.iter("td") if td.text_content().strip()]
        assert tds
        for td in tds:
            headers = td.get("headers", "").split()
            assert headers and set(headers) <= ids, td.get("headers")
    t3 = tables[1]
    assert t3.find("thead") is not None
    cell = next(td for td in t3.iter("td") if "t3-C8" in td.get("headers", "").split())  # 1.属于国家秘密
    names = [t3.xpath(f'.//th[@id="{h}"]')[0].text_content() for h in cell.get("headers").split()]
    assert names == ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "申请人情况", "自然人"]
    assert cell.text_content() == "4" or example == DAZHUANG


def test_fragment_survives_a_cms():
    html = _html(PINGTAN)
    assert "<style" not in html and "class=" not in html and "<script" not in html
    assert not re.search(r"width:\s*\d+px", html), "no fixed pixel widths"
    assert "overflow-x:auto" in html
    doc = lxml.html.fromstring(html)
    assert [h.text_content() for h in doc.iter("h2")][0] == "一、总体情况"
    assert doc.find(".//h1").text_content() == "平潭综合实验区2024年政府信息公开工作年度报告"
    assert "18651.06" in html and ">0<" in html
    last = [p.text_content() for p in doc.iter("p")][-2:]
    assert last == ["平潭综合实验区", "2025年1月10日"] or (last[0] == "平潭综合实验区" and last[1].startswith("2025年")), \
        "the fragment ends with the signature and date, as the document does"


def test_full_page_is_a_document_with_the_signature():
    html = _html(DAZHUANG, full=True)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    assert "大庄乡人民政府</p>" in html and "2025年1月2日" in html


def test_hostile_text_is_escaped(tmp_path):
    text = "R&D <script>alert(1)</script> {{ x }}"
    wb = filled_workbook("2021", {"agency": text, "agency_type": "人民政府", "year": 2024, "date": "2025年1月2日"},
                         general=[(text, text)], problems=[("", "问题。")])
    path = tmp_path / "h.xlsx"
    wb.save(path)
    html = _html(path)
    assert "<script>" not in html and "&lt;script&gt;" in html
    doc = lxml.html.fromstring(html)
    assert text in doc.find(".//h3").text_content()


SCHEMA = json.loads((ROOT / "docs" / "data.schema.json").read_text("utf-8"))


@pytest.mark.parametrize("example", [DAZHUANG, PINGTAN], ids=["dazhuang", "pingtan"])
def test_json_round_trips_to_the_workbook_figures(example):
    sub, report = check(example)
    data = json.loads(json.dumps(export(sub, context(sub, report)), ensure_ascii=False))
    jsonschema.validate(data, SCHEMA)
    assert figures_from_json(data) == sub.figures
    t3 = data["figures"]["三、收到和处理政府信息公开申请情况"]
    if example == PINGTAN:
        assert t3["一、本年新收政府信息公开申请数量"]["申请人情况/总计"] == 218
        assert data["figures"]["二、主动公开政府信息情况"]["行政事业性收费"]["第二十条第（八）项/本年收费金额（单位：万元）"] == 18651.06
        assert data["figures"]["四、政府信息公开行政复议、行政诉讼情况"][""]["行政诉讼/复议后起诉/总计"] == 19


def test_column_headings_break_only_between_words_and_print_with_their_rows():
    """At any width a heading reads 结果/维持, never 结果维/持; 总计 is never split; a block's header row is
    kept with the rows under it when printed; the preview page has a print stylesheet."""
    html = _html(PINGTAN)
    doc = lxml.html.fromstring(html)
    t4 = doc.findall(".//table")[2]
    upheld = next(th for th in t4.iter("th") if th.text_content() == "结果维持")
    assert [s.text_content() for s in upheld.findall("span")] == ["结果", "维持"]  # a line may end between them only
    assert all("white-space:nowrap" in s.get("style") for s in upheld.findall("span"))
    total = next(th for th in t4.iter("th") if th.text_content() == "总计")
    assert "white-space:nowrap" in total.find("span").get("style")
    t2 = doc.findall(".//table")[0]
    heads = [tr for tr in t2.iter("tr") if not tr.findall("td")]
    assert heads and all("break-after:avoid" in tr.get("style", "") for tr in heads)
    full = _html(PINGTAN, full=True)
    assert "@media print" in full and "thead{display:table-header-group}" in full
