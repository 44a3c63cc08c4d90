"""The Word report: golden content of the examples, the official tables cell for cell, escaping,
the template contract, GB/T 9704 styles, drafts."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from nianbao.conversion import check
from nianbao.form.cells import parse_cell
from nianbao.form.model import load_form
from nianbao.output.context import context
from nianbao.output.doctemplate import build_doc_template
from nianbao.output.word import bundled_template, jinja_env, render_docx
from nianbao.workbook.fill import filled_workbook
from nianbao.workbook.values import format_figure

from docx_content import body, cell_text, header_text, open_doc, tables, texts
from support import DAZHUANG, PINGTAN, ROOT

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("NIANBAO_REGEN_GOLDEN") == "1"
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def render(path: Path, draft: bool = False) -> bytes:
    sub, report = check(path)
    assert sub is not None
    return render_docx(context(sub, report, draft))


@pytest.mark.parametrize("example", [DAZHUANG, PINGTAN], ids=["dazhuang", "pingtan"])
def test_golden_content(example):
    """Paragraph styles and texts and every table cell, against the reviewed golden copy.
    Regenerate after a deliberate change: NIANBAO_REGEN_GOLDEN=1 pytest tests/test_render.py"""
    got = body(render(example))
    golden = GOLDEN / (example.stem + ".json")
    if REGEN:
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", "utf-8")
    assert got == json.loads(golden.read_text("utf-8"))


def test_dazhuang_report_is_complete_and_in_the_2021_form():
    doc = render(DAZHUANG)
    paras = texts(doc)
    assert paras[0] == "大庄乡人民政府2024年\n政府信息公开工作年度报告"
    opening = paras[1]
    assert "《中华人民共和国政府信息公开条例》" in opening and "国办公开办函〔2021〕30号" in opening
    assert "统计期限为2024年1月1日至2024年12月31日" in opening
    assert "共六个部分" in opening and "政府信息公开行政复议、行政诉讼情况" in opening
    positions = [paras.index(h) for h in HEADINGS]
    assert positions == sorted(positions), "all six sections, in order"
    assert "（一）强化组织领导，构建有力保障体系" in paras
    assert not any("（一）一、" in p for p in paras), "typed numbering is never doubled"
    assert "（二）加强业务培训，拓展信息公开维度" in paras
    assert any(p.startswith("领导小组下设专门办公室") and "到审核、发布" in p for p in paras), "PDF line split repaired"
    assert paras[-2:] == ["大庄乡人民政府", "2025年1月2日"]
    assert "本年度未发出信息处理费收费通知，未收取信息处理费。" in paras
    assert "无其他需要报告的事项。" in paras
    assert len(tables(doc)) == 3
    assert header_text(doc) == ""


@pytest.mark.parametrize("form_id,year", [("2021", 2024), ("2019", 2020)])
def test_every_label_and_figure_of_the_official_tables(tmp_path, form_id, year):
    form = load_form(form_id)
    # distinct figures everywhere, so a shifted column would show
    figures = {}
    for name, table in form.tables.items():
        figures[name] = {ref: (i % 97) + 1 for i, ref in enumerate(table.input_cells())}
    wb = filled_workbook(form_id, {"agency": "测试镇人民政府", "agency_type": "乡镇街道", "year": year, "date": "2021年1月5日"},
                         figures, general=[("", "正文。")], problems=[("", "问题。")])
    path = tmp_path / f"{form_id}.xlsx"
    wb.save(path)
    sub, report = check(path)
    doc = render_docx(context(sub, report, draft=not report.ok))
    docx_tables = tables(doc)
    assert len(docx_tables) == 3
    for t, (name, table) in zip(docx_tables, form.tables.items()):
        assert len(t.rows) == table.nrows and len(t.columns) == table.ncols
        for ref, label in table.labels.items():
            r, c = parse_cell(ref)
            assert cell_text(t.cell(r - 1, c - 1)) == label, (form_id, name, ref)
        for ref in table.numeric:
            r, c = parse_cell(ref)
            unit = table.layout.units.get(ref, "")  # the 2019 form's 采购总金额 prints its 万元
            assert t.cell(r - 1, c - 1).text == format_figure(sub.figures[name][ref], table.numeric[ref]) + unit, (form_id, name, ref)


def test_2019_change_figures_carry_their_sign(tmp_path):
    wb = filled_workbook("2019", {"agency": "测试局", "agency_type": "政府部门", "year": 2020, "date": "2021年1月5日"},
                         {"table2": {"C7": 3, "C8": -2, "B7": 10, "D7": 4}}, general=[("", "正文。")], problems=[("", "问题。")])
    path = tmp_path / "2019.xlsx"
    wb.save(path)
    t2 = tables(render(path))[0]
    assert (t2.cell(6, 2).text, t2.cell(7, 2).text, t2.cell(10, 2).text) == ("+3", "-2", "0")


def test_figures_print_as_typed_zero_not_blank_no_float_artefacts():
    doc = render(PINGTAN)
    t2, t3, t4 = tables(doc)
    assert t2.cell(13, 1).text == "18651.06"
    assert t2.cell(2, 1).text == "0"
    assert t3.cell(3, 9).text == "218" and t3.cell(26, 9).text == "218"
    assert t4.cell(3, 14).text == "19"
    assert not any(".0" in c.text for t in (t3, t4) for row in t.rows for c in row.cells)


HOSTILE = "R&D <预算> {{ x }} {% if %} \"引号\" 'single' </w:t>"


def test_hostile_text_in_every_text_cell_comes_out_verbatim(tmp_path):
    meta = {"agency": HOSTILE, "agency_type": "人民政府", "year": 2024, "date": "2025年1月2日",
            "url": HOSTILE, "contact_unit": HOSTILE, "contact_address": HOSTILE, "contact_postcode": HOSTILE, "contact_phone": HOSTILE}
    other = {key: HOSTILE for key in ("key_points", "proposals", "innovation", "other")}
    wb = filled_workbook("2021", meta, general=[(HOSTILE, HOSTILE)], problems=[(HOSTILE, HOSTILE)], other=other)
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    doc = render(path)
    paras = texts(doc)
    assert paras[0].startswith(HOSTILE)
    assert paras[-2].replace("\n", "") == HOSTILE  # signature (a long name is broken into lines)
    assert f"（一）{HOSTILE}" in paras and paras.count(HOSTILE) >= 6
    assert HOSTILE in paras[1] and HOSTILE + "联系" in paras[1]
    assert len(tables(doc)) == 3, "nothing after the text was swallowed"


def test_template_needs_nothing_the_context_lacks():
    tpl = DocxTemplate(ROOT / "doc_template.docx")
    for path in (DAZHUANG, PINGTAN):
        sub, report = check(path)
        assert tpl.get_undeclared_template_variables(jinja_env(), context(sub, report)) == set()


def test_missing_variable_is_an_error_not_a_blank():
    sub, report = check(DAZHUANG)
    ctx = context(sub, report)
    del ctx["agency"]
    from nianbao.output.word import RenderError

    with pytest.raises(RenderError, match="agency"):
        render_docx(ctx)


def test_draft_is_marked_and_lists_findings(edit):
    path = edit({"依申请公开!F6": "三"})
    doc = render(path, draft=True)
    assert "草稿：校验未通过" in header_text(doc)
    paras = texts(doc)
    assert "附：校验发现的问题（草稿，修改后重新生成）" in paras
    assert any("依申请公开!F6" in p and "阿拉伯数字" in p and "value-not-number" not in p for p in paras), "Chinese only"
    t3 = tables(doc)[1]
    assert t3.cell(3, 5).text == "?", "an unreadable figure is not printed as a number"


def test_page_and_styles_follow_gbt9704():
    doc = open_doc(render(DAZHUANG))
    sec = doc.sections[0]
    assert (sec.page_width.twips, sec.page_height.twips) == (11906, 16838)
    assert (sec.top_margin.twips, sec.bottom_margin.twips, sec.left_margin.twips, sec.right_margin.twips) == (2098, 1984, 1587, 1474)
    fonts = {}
    for name in ("Normal", "报告标题", "一级标题", "二级标题", "表格文字"):
        rfonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        fonts[name] = rfonts.get(qn("w:eastAsia"))
        assert not [a for a in rfonts.attrib if "Theme" in a]
    assert fonts == {"Normal": "仿宋_GB2312", "报告标题": "方正小标宋简体", "一级标题": "黑体", "二级标题": "楷体_GB2312", "表格文字": "仿宋_GB2312"}
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 16
    spacing = normal.element.pPr.find(qn("w:spacing"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    assert normal.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    lang = doc.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (sec.footer, sec.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml and " —" in xml and 'w:fldCharType="end"' in xml
    for t in doc.tables:
        tblPr = t._tbl.tblPr
        assert tblPr.find(qn("w:tblBorders")) is not None
        assert tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        assert all(tc.tcPr is not None and tc.tcPr.find(qn("w:tcW")) is not None for tc in t._tbl.iter(qn("w:tc")))


def _parts(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_committed_templates_match_the_builder():
    fresh = _parts(build_doc_template())
    for committed in (ROOT / "doc_template.docx", None):
        data = (committed.read_bytes() if committed else bundled_template())
        assert _parts(data) == fresh, "run: python tools/regenerate.py"


def test_compiled_template_cache_survives_damage(tmp_path, monkeypatch):
    """The on-disk cache of compiled templates (like .pyc) is an optimisation only: a damaged entry is rebuilt."""
    import jinja2

    from nianbao.output import word as R

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = "{{ a }} & {{ b }}"
    first = R._CachingEnvironment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source)
    entries = list((tmp_path / "nianbao").iterdir())
    assert len(entries) == 1
    again = R._CachingEnvironment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source)
    assert again.render(a="R&D", b="<x>") == first.render(a="R&D", b="<x>") == "R&amp;D & &lt;x&gt;"
    entries[0].write_bytes(b"garbage")
    rebuilt = R._CachingEnvironment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source)
    assert rebuilt.render(a=1, b=2) == "1 & 2"
    with pytest.raises(jinja2.UndefinedError):
        rebuilt.render(a=1)


def test_the_word_file_carries_chinese_defaults_not_python_docxs():
    """The report's package: Chinese as the theme's East Asian language and the official fonts in its
    theme and font table (with the fallbacks Word shows when one is missing), no Japanese faces, no
    blank thumbnail, no unused table styles; the title's figures in the title's face."""
    import io

    from nianbao.conversion import convert

    docx = convert(PINGTAN).outputs[".docx"]
    z = zipfile.ZipFile(io.BytesIO(docx))
    names = z.namelist()
    assert "docProps/thumbnail.jpeg" not in names and "word/stylesWithEffects.xml" not in names
    assert 'w:eastAsia="zh-CN"' in z.read("word/settings.xml").decode()
    theme = z.read("word/theme/theme1.xml").decode()
    assert 'script="Jpan"' not in theme and '<a:ea typeface="仿宋_GB2312"/>' in theme
    fonts = z.read("word/fontTable.xml").decode()
    assert "ＭＳ" not in fonts
    assert re.search(r'w:name="仿宋_GB2312">\s*<w:altName w:val="仿宋"/>', fonts) and 'w:name="方正小标宋简体"' in fonts
    styles = z.read("word/styles.xml").decode()
    assert styles.count('w:type="table"') <= 2
    title = styles[styles.index('w:styleId="报告标题"'):]
    title = title[:title.index("</w:style>")]
    assert 'w:ascii="方正小标宋简体"' in title
