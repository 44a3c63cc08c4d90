"""nianbao import: a published report (web page or Word file) back into a filled workbook — every figure
found by its labels, the narrative split by its headings; our own outputs round-trip exactly."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from nianbao.apps.cli import main
from nianbao.conversion import check, convert
from nianbao.published.importer import import_report
from nianbao.published.source import SourceError

from support import DAZHUANG, PINGTAN, SHARED

PUBLISHED = SHARED / "fixtures" / "published" / "pingtan-2024.html"


def _figures(path: Path) -> dict[str, dict[str, object]]:
    sub, _ = check(path)
    assert sub is not None
    return sub.figures


@pytest.mark.skipif(not PUBLISHED.exists(), reason="../shared/fixtures is not beside this checkout")
def test_the_published_pingtan_page_imports_every_figure(tmp_path):
    out = tmp_path / "平潭2024.xlsx"
    assert main(["import", str(PUBLISHED), "-o", str(out)]) == 0
    assert _figures(out) == _figures(PINGTAN), "every figure of the published tables, from the page with the site around it"
    imported = import_report(PUBLISHED)
    assert imported.meta["agency"] == "平潭综合实验区" and imported.meta["year"] == 2024 and imported.form.id == "2021"
    headings = [h for h, _ in imported.general]
    assert headings == ["", "主动公开方面", "依申请公开方面", "政府信息管理方面", "信息公开平台建设方面", "监督保障方面"]
    assert imported.problems
    # 六 says only that no 信息处理费 was charged: the three fee figures, no text left over
    assert imported.other == {"fee_notices": 0, "fee_billed": 0, "fee_collected": 0}
    assert not any("版权所有" in text or "扫一扫" in text for _, text in imported.general + imported.problems)


def _refused(source: Path, capsys) -> str:
    """nianbao import of a source that cannot be imported: exit 1, no workbook written; what it said."""
    out = source.with_name("refused.xlsx")
    assert main(["import", str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert not out.exists() and "Traceback" not in err and err.startswith("无法导入："), err
    return err


def _content(path: Path) -> dict[str, object]:
    """What a report says: figures, agency, year, date, every section's sub-headings and paragraphs."""
    sub, _ = check(path)
    assert sub is not None
    return {"figures": sub.figures, "meta": (sub.meta.agency, sub.meta.year, sub.meta.date, sub.form.id),
            "general": [(b.heading, b.paragraphs) for b in sub.general.blocks],
            "problems": [(b.heading, b.paragraphs) for b in sub.problems.blocks],
            "other": (sub.other.fee_notices, sub.other.fee_billed, sub.other.fee_collected, sub.other.items)}


def _chromium_pdf(html: Path, pdf: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", html.as_uri()], check=True, capture_output=True, timeout=120)


@pytest.mark.parametrize("example", [PINGTAN, DAZHUANG], ids=["pingtan", "dazhuang"])
@pytest.mark.parametrize("kind", [".html", ".fragment.html", ".docx", ".pdf", ".chromium.pdf"])
def test_our_own_outputs_round_trip(tmp_path, example, kind):
    """convert → import gives back the same report: the web page, the fragment pasted into a CMS, the Word
    file, the PDF LibreOffice prints from it and the PDF a browser prints from the web page."""
    if kind == ".pdf" and shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    conv = convert(example, formats=("docx", "html") + (("pdf",) if kind == ".pdf" else ()), pdf_optional=False)
    source = tmp_path / f"report{kind}"
    if kind == ".chromium.pdf":
        page = tmp_path / "report.html"
        page.write_bytes(conv.outputs[".html"])
        _chromium_pdf(page, source)
    else:
        source.write_bytes(conv.outputs[kind])
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(example)
    assert got == wanted, "the fragment pasted into a CMS article too: signature and date included"


def test_a_page_without_tables_is_not_a_report(tmp_path, capsys):
    page = tmp_path / "guide.html"
    page.write_text("<html><head><title>某县政府信息公开指南</title></head><body><p>政府信息公开指南</p></body></html>", "utf-8")
    with pytest.raises(SourceError, match="指南"):
        import_report(page)
    _refused(page, capsys)


def test_a_page_with_other_tables_is_not_a_report(tmp_path, capsys):
    """A 指南 has tables too (where to apply, opening hours): not the report's, and said so."""
    page = tmp_path / "guide.html"
    page.write_text("<html><head><title>某县财政局政府信息公开指南</title></head><body><p>一、总体情况</p>"
                    "<table><tr><td>受理机构</td><td>地址</td><td>电话</td></tr><tr><td>办公室</td><td>某路1号</td>"
                    "<td>12345678</td></tr><tr><td>予以公开</td><td>1</td><td>2</td></tr></table></body></html>", "utf-8")
    err = _refused(page, capsys)
    assert "像是政府信息公开指南，其中的 1 个表格不是年度报告的统计表" in err, err


def test_a_missing_row_is_a_finding_not_a_zero(tmp_path, capsys):
    conv = convert(PINGTAN, formats=("docx", "html"))
    # a label like no row of the form (a misprint close to one row is matched: test_label_variants…)
    html = conv.outputs[".html"].decode("utf-8").replace("4.保护第三方合法权益", "4.涉及其他情形")
    source = tmp_path / "edited.html"
    source.write_text(html, "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 1
    assert "4.保护第三方合法权益" in capsys.readouterr().err
    sub, report = check(out)
    assert any(f.code == "value-blank" and f.position.startswith("依申请公开!") for f in report.findings), "left empty, never 0"



def test_dashes_and_blanks_for_zeros_are_found_and_left_empty(tmp_path, capsys):
    """Tables that print "—", "/" or nothing where a zero would be: the row is still found by its labels,
    its figures are imported, the marked cells stay empty (never a silent 0) with one finding a row."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".html"].decode("utf-8")
    start = html.index("1.本机关不掌握相关政府信息")
    row_end = html.index("</tr>", start)
    row = html[start:row_end]
    assert row.count(">0<") == 5
    marks = iter(["—", "", "/", "0", "－"])
    row = re.sub(r">0<", lambda m: f">{next(marks)}<", row)
    source = tmp_path / "dashes.html"
    source.write_text(html[:start] + row + html[row_end:], "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"1\.本机关不掌握相关政府信息”：4 格印的是“—”、空白、“/”、“-”而不是数字（[A-Z]\d+(、[A-Z]\d+){3}）", err), err
    assert err.count("错误") == 1, "one finding for the row"
    got, wanted = _figures(out)["table3"], _figures(PINGTAN)["table3"]
    differ = {ref for ref in wanted if got.get(ref) != wanted[ref]}
    assert len(differ) == 4 and all(got.get(ref) is None and wanted[ref] == 0 for ref in differ), differ


@pytest.mark.parametrize("data", [b"%PDF-1.4\n%garbage\n", b"%PDF-1.7\n" + b"\x00" * 2000, b"PK\x03\x04broken zip"])
def test_a_damaged_pdf_or_word_file_is_a_clear_answer(tmp_path, capsys, data):
    source = tmp_path / "去年报告.pdf"
    source.write_bytes(data)
    _refused(source, capsys)


def test_tables_published_as_pictures_are_named(tmp_path, capsys):
    page = tmp_path / "年报.html"
    page.write_text("<html><head><title>某镇2024年政府信息公开工作年度报告</title></head><body>"
                    "<p>某镇人民政府2024年政府信息公开工作年度报告</p><p>一、总体情况</p><p>……</p>"
                    "<p><img src='table2.png'></p><p><img src='table3.png'></p></body></html>", "utf-8")
    assert "统计表是图片" in _refused(page, capsys)


def test_a_published_total_that_is_not_the_sum_is_kept_and_named(tmp_path):
    """Published reports contain wrong totals: the import keeps what was published and check says so."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".html"].decode("utf-8")
    # table 四's first 总计 (行政复议, 7 = 2 + 1 + 3 + 1) published as 8
    cells = html.split("<td")
    row = [i for i, c in enumerate(cells) if c.startswith(' headers="t4-A1 t4-E2"')]
    assert row, "table 四's 总计 cell"
    cells[row[0]] = cells[row[0]].replace(">7<", ">8<", 1)
    page = tmp_path / "wrong.html"
    page.write_text("<td".join(cells), "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0
    _, report = check(out)
    assert any(f.code == "total-mismatch" and f.position == "复议诉讼!E6" for f in report.findings), report.findings


@pytest.mark.parametrize("kind", [".html", ".docx", ".lineless.pdf"])
def test_a_2019_form_report_imports_as_2019(tmp_path, kind):
    """The form is told by the tables' labels: a 2020 report on the 2019 form comes back on the 2019 form,
    from its web page, its Word file, or a PDF of its page printed without table borders."""
    from test_page import _form_2019

    book = tmp_path / "2020.xlsx"
    _form_2019(book)
    conv = convert(book, formats=("docx", "html"))
    assert conv.outputs, conv.report.findings
    if kind == ".lineless.pdf":
        source = _lineless_pdf(tmp_path, book, "chromium")
    else:
        source = tmp_path / f"report{kind}"
        source.write_bytes(conv.outputs[kind])
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 0
    assert import_report(source).form.id == "2019"
    assert _content(out) == _content(book)


def test_a_cms_page_with_its_noise_imports_exactly(tmp_path):
    """What government CMS pages do to a report: sub-headings as bold paragraphs or "1." lines, cell text
    wrapped in <p><span>, &nbsp; and full-width digits, stray spaces inside labels, a table split in two."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".fragment.html"].decode("utf-8")
    html = re.sub(r"<h3[^>]*>（一）([^<]*)</h3>", r"<p><strong>\1</strong></p>", html)  # bold, unnumbered
    html = re.sub(r"<h3[^>]*>（二）([^<]*)</h3>", r"<p>2.\1</p>", html)  # numbered "2."
    html = html.replace(">公益</span>", ">公益 </span>").replace(">217<", ">&nbsp;２１７&nbsp;<")
    html = re.sub(r"(<td[^>]*>)(\d+)(</td>)", r"\1<p><span>\2</span></p>\3", html)
    assert html.count("<strong>") >= 2 and "<p>2." in html and "２１７" in html and "<p><span>" in html and "公益 <" in html
    cut = html.index("<tr", html.index("（四）</span>") - 400)  # the row of （四）无法提供
    html = html[:cut] + "</tbody></table><table><tbody>" + html[cut:]  # table 三 split in two
    page = tmp_path / "cms.html"
    page.write_text(f"<html><head><meta charset='utf-8'><title>x</title></head><body><div class='nav'>首页 政务公开</div>"
                    f"<div class='article'>{html}</div><div class='footer'>版权所有 网站标识码</div></body></html>", "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(PINGTAN)
    assert got["figures"] == wanted["figures"]
    assert got["general"] == wanted["general"] and got["problems"] == wanted["problems"]


def test_a_row_the_form_does_not_have_is_named_with_where_it_was(tmp_path, capsys):
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".html"].decode("utf-8")
    end = html.index("</tr>", html.index("行政事业性收费")) + len("</tr>")
    html = html[:end] + "<tr><td>政府集中采购</td><td colspan='3'>12</td></tr>" + html[end:]  # a 2019-form row
    page = tmp_path / "extra.html"
    page.write_text(html, "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0, "every figure the form asks for was found"
    err = capsys.readouterr().err
    assert re.search(r"第 \d+ 个表格第 \d+ 行：标签“政府集中采购”不在 2021 版表格中，这一行的数字（12）没有导入", err), err
    assert _figures(out) == _figures(PINGTAN)


def test_hostile_word_files_are_refused_without_being_opened(tmp_path, capsys):
    """An XML entity declaration (XXE, billion laughs) and a zip that unpacks past 100 MB: refused before
    python-docx parses anything."""
    import zipfile

    xxe = tmp_path / "xxe.docx"
    with zipfile.ZipFile(xxe, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>')
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * (101 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    for path, why in ((xxe, "不安全的内容"), (bomb, "解压后过大")):
        assert why in _refused(path, capsys)


def test_sub_headings_numbered_yi_shi_split_section_one(tmp_path):
    """Section 一 written as "一是主动公开。……二是依申请公开。……": each opens a sub-heading, as "（一）" would."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".fragment.html"].decode("utf-8")
    numerals = iter("一二三四五")
    one, rest = html.split("二、主动公开政府信息情况", 1)
    one, n = re.subn(r"<h3[^>]*>（[一二三四五]）([^<]*)</h3>\s*<p([^>]*)>",
                     lambda m: f"<p{m.group(2)}>{next(numerals)}是{m.group(1)}。", one)
    html = one + "二、主动公开政府信息情况" + rest
    assert n == 5 and "<p" in html and "一是主动公开。围绕" in html
    page = tmp_path / "yishi.html"
    page.write_text(html, "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(PINGTAN)
    assert got["general"] == wanted["general"] and got["figures"] == wanted["figures"]


@pytest.mark.parametrize("paragraphs", [
    ["（一）主动公开", "一是规范发布。及时公开文件。", "二是做好解读。同步发布解读。"],  # a list under a heading
    ["一是规范发布。及时公开文件。", "三是做好解读。同步发布解读。"],  # a gap: not a heading sequence
    ["一是围绕重点领域主动公开政府信息，及时更新。", "二是规范申请办理。按期答复。"],  # the first is a sentence
    ["本年度，一是规范发布。", "二是做好解读。"],  # not at the paragraph's start
], ids=["under-a-heading", "gap", "sentence", "mid-paragraph"])
def test_yi_shi_lists_that_are_not_sub_headings_stay_text(paragraphs):
    from nianbao.published.narrative import _blocks

    blocks = _blocks(paragraphs, enumerated=True)
    text = "\n".join(body for _, body in blocks)
    assert all(p in text for p in paragraphs if not p.startswith("（一）")), blocks
    assert [h for h, _ in blocks] in ([""], ["主动公开"])


@pytest.mark.parametrize("style", ["kaiti", "bold"])
def test_unnumbered_sub_headings_in_a_pdf_are_told_by_their_typeface(tmp_path, style):
    """A PDF has no heading marks: a short paragraph whose Chinese is set in another typeface than the body's
    (楷体 as 公文 set their sub-headings, or the body face in bold) opens a sub-heading, numbered or not."""
    import docx

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    from nianbao.output.pdf import pdf_bytes

    conv = convert(PINGTAN, formats=("docx",))
    source = tmp_path / "report.docx"
    source.write_bytes(conv.outputs[".docx"])
    document = docx.Document(str(source))
    body_style = next(p.style for p in document.paragraphs if p.text.startswith("2024年，本机关"))
    changed = 0
    for p in document.paragraphs:
        if p.text.startswith("二、"):
            break
        m = re.match(r"（[一二三四五]）(.*)", p.text)
        if m:
            for run in p.runs[1:]:
                run.text = ""
            p.runs[0].text = m.group(1)
            if style == "bold":
                p.style = body_style
                p.runs[0].bold = True
            changed += 1
    assert changed == 5
    document.save(str(source))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes(source.read_bytes()))
    out = tmp_path / "back.xlsx"
    assert main(["import", str(pdf), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(PINGTAN)
    assert got["general"] == wanted["general"], got["general"]
    assert got["figures"] == wanted["figures"] and got["problems"] == wanted["problems"]


def test_a_page_that_flattened_its_tables_into_text_is_named(tmp_path, capsys):
    """A page whose tables became paragraphs: the labels are there but no grid — a clear answer naming a
    label found, nothing written."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".html"].decode("utf-8")
    html = re.sub(r"</?(?:table|tbody|thead|caption|colgroup|col)\b[^>]*>", "", html)
    html = re.sub(r"<t[dh]\b[^>]*>", "<p>", re.sub(r"</t[dh]>", "</p>", re.sub(r"</?tr\b[^>]*>", "", html)))
    source = tmp_path / "flat.html"
    source.write_text(html, "utf-8")
    err = _refused(source, capsys)
    assert re.search(r"统计表的文字（如“[^”]+”）不在表格中", err) and "Word（.docx）" in err, err


def _lineless_pdf(tmp_path: Path, book: Path, producer: str, edit=lambda html: html) -> Path:
    """The report printed to PDF with its tables drawn without any ruling line: by Chromium from the web page
    with its borders taken out (as the page spaces it, with no cell padding so that headers wrap, or with
    horizontal rules only), or by LibreOffice from the Word file with every border set to none."""
    conv = convert(book, formats=("docx", "html"))
    pdf = tmp_path / f"lineless-{producer}.pdf"
    if producer.startswith("chromium"):
        style = {"chromium": "",  # the page's own spacing
                 "chromium-tight": "td,th{padding:0 !important;line-height:1.1 !important}",  # headers wrap
                 "chromium-rules": "td,th{border-bottom:1px solid #000 !important}"}[producer]  # 横线 only
        html = re.sub(r"border[^:;\"]*:[^;\"]*;?", "", conv.outputs[".html"].decode("utf-8"))
        page = tmp_path / "lineless.html"
        page.write_text(edit(html.replace("</head>", f"<style>{style}</style></head>", 1)), "utf-8")
        _chromium_pdf(page, pdf)
        return pdf
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    import io
    import zipfile

    from nianbao.output.pdf import pdf_bytes

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(conv.outputs[".docx"])) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in ("word/document.xml", "word/styles.xml"):
                data = re.sub(rb'<w:(top|left|bottom|right|insideH|insideV|start|end) w:val="[^"]*"', rb'<w:\1 w:val="nil"', data)
            zout.writestr(item, data)
    pdf.write_bytes(pdf_bytes(out.getvalue()))
    return pdf


@pytest.mark.slow  # lineless imports: a browser or LibreOffice prints each PDF
@pytest.mark.parametrize("example", [PINGTAN, DAZHUANG], ids=["pingtan", "dazhuang"])
@pytest.mark.parametrize("producer", ["chromium", "chromium-tight", "chromium-rules", "libreoffice"])
def test_a_pdf_whose_tables_have_no_ruling_lines(tmp_path, capsys, example, producer):
    """No lines, no cells: the tables are rebuilt from where their words stand, and taken because every
    figure was found and every total adds up — the same report comes back, with a warning to compare."""
    import pdfplumber

    pdf = _lineless_pdf(tmp_path, example, producer)

    with pdfplumber.open(pdf) as doc:
        assert not any(page.find_tables() for page in doc.pages), "the PDF must really have no ruled table"
    out = tmp_path / "back.xlsx"
    assert main(["import", str(pdf), "-o", str(out)]) == 0
    assert "没有表格线，已按文字的位置读取" in capsys.readouterr().err
    got, wanted = _content(out), _content(example)
    assert got == wanted


def test_a_lineless_pdf_with_a_misprinted_total_is_imported_as_published(tmp_path, capsys):
    """A report may misprint a figure: one that breaks a total or two is imported as published, and the
    warning names each total and its sum (the check then names them in the workbook too)."""
    pdf = _lineless_pdf(tmp_path, PINGTAN, "chromium", lambda html: html.replace(">217<", ">216<", 1))
    out = tmp_path / "back.xlsx"
    assert main(["import", str(pdf), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 个合计与分项之和不符" in err and "印的是 218，分项之和是 217" in err, err
    _, report = check(out)
    assert any(f.code == "total-mismatch" and f.position == "依申请公开!J6" for f in report.findings), report.findings


def test_a_lineless_pdf_that_does_not_add_up_is_refused(tmp_path, capsys):
    """Rebuilt from positions, a figure in the wrong place would go unnoticed; more totals that are not the
    sum of their parts than a misprint makes mean a misreading: refused, said why."""
    def misprint(html: str) -> str:
        for old, new in ((">71<", ">70<"), (">29<", ">28<"), (">75<", ">74<")):
            html = html.replace(old, new, 1)
        return html

    pdf = _lineless_pdf(tmp_path, PINGTAN, "chromium", misprint)
    err = _refused(pdf, capsys)
    assert "按文字位置读出的数字对不上" in err and "个合计与分项之和不符" in err, err


def test_an_older_cms_page_laid_out_in_a_table_with_br_paragraphs(tmp_path):
    """Older CMS pages: the article is a cell of a layout table, paragraphs are separated by <br> and
    &nbsp; indents inside one <font>, text pasted from Word keeps font-family 仿宋 for the body and 楷体 for
    unnumbered sub-headings; the data tables sit inside the layout table."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".fragment.html"].decode("utf-8")
    cut = html.index('<div style="overflow-x')
    head, rest = html[:cut], html[cut:]
    one, after = head.split("二、主动公开政府信息情况", 1)
    one = re.sub(r"<h3[^>]*>（[一二三四五]）([^<]*)</h3>", r"<font face='楷体_GB2312'>\1</font><br>", one)
    head = one + "二、主动公开政府信息情况" + after
    head = re.sub(r"<p[^>]*>(.*?)</p>", r"&nbsp;&nbsp;<span style='font-family: 仿宋_GB2312'>\1</span><br/>", head)
    head = re.sub(r"<h[123][^>]*>(.*?)</h[123]>", r"&nbsp;&nbsp;<span style='font-family:黑体'>\1</span><br/>", head)
    assert "<p" not in head and "（一）主动公开" not in head
    page = tmp_path / "old.html"
    page.write_text("<html><head><meta charset='utf-8'><title>平潭综合实验区2024年政府信息公开工作年度报告</title></head>"
                    "<body><table width='100%'><tr><td>首页 &gt; 政务公开</td></tr>"
                    f"<tr><td class='content'><font size='3'>{head}</font>{rest}</td></tr>"
                    "<tr><td>附件下载</td></tr><tr><td>版权所有 网站标识码</td></tr></table></body></html>", "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(PINGTAN)
    assert got["meta"][2] == wanted["meta"][2], "the fragment ends with its signature and date"
    assert got["figures"] == wanted["figures"]
    assert got["general"] == wanted["general"] and got["problems"] == wanted["problems"] and got["other"] == wanted["other"]


@pytest.mark.parametrize(("title", "paragraphs", "agency", "year"), [
    ("", ["XX县财政局2024年政府信息公开工作年度报告"], "XX县财政局", 2024),
    ("", ["XX县财政局2024年度政府信息公开工作年度报告（全文）"], "XX县财政局", 2024),
    ("", ["2024年度XX县财政局政府信息公开工作年度报告"], "XX县财政局", 2024),
    ("", ["XX县财政局政府信息公开工作2024年度报告"], "XX县财政局", 2024),
    ("", ["XX镇人民政府2023年政府信息公开年度报告"], "XX镇人民政府", 2023),
    ("XX县财政局2024年政府信息公开工作年度报告_政府信息公开年报_XX县人民政府网", ["首页", "信息公开年报"], "XX县财政局", 2024),
    ("详情页", ["当前位置：", "首页", "政府信息公开年报", "XX县财政局2024年政府信息公开工作年度报告"], "XX县财政局", 2024),
    ("", ["国家税务总局平潭综合实验区", "税务局第一税务分局2024年", "政府信息公开工作年度报告", "本报告依据……"],
     "国家税务总局平潭综合实验区税务局第一税务分局", 2024),
    ("", ["根据《条例》要求，现将本机关2024年政府信息公开工作年度报告公布如下。", "XX县财政局2024年", "政府信息公开工作年度报告"],
     "XX县财政局", 2024),
], ids=["standard", "full-text", "year-first", "year-last", "no-gongzuo", "page-title", "breadcrumbs", "three-lines", "a-sentence-is-not-a-title"])
def test_agency_and_year_from_the_title_as_offices_write_it(title, paragraphs, agency, year):
    from nianbao.published.importer import _title
    from nianbao.published.source import Source

    assert _title(Source(paragraphs, [], title)) == (agency, year)


def test_a_word_file_as_offices_leave_it(tmp_path):
    """Word files as they come from offices: headings numbered by Word's automatic numbering (the "一、" and
    "（一）" are not in the text), a figure changed with track changes on (70 deleted, 71 inserted), section
    五 inside a content control."""
    import docx
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls

    conv = convert(PINGTAN, formats=("docx",))
    source = tmp_path / "office.docx"
    source.write_bytes(conv.outputs[".docx"])
    document = docx.Document(str(source))
    numbered = 0
    for p in document.paragraphs:
        m = re.fullmatch(r"(?:[一二三四五六]、|（[一二三四五]）)(.{2,28})", p.text)
        if m:
            for run in p.runs[1:]:
                run.text = ""
            p.runs[0].text = m.group(1)
            p._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'))
            numbered += 1
    assert numbered >= 11
    cell = next(c for t in document.tables for row in t.rows for c in row.cells if c.text == "71")
    run = cell.paragraphs[0].runs[0]._r
    run.addprevious(parse_xml(f'<w:del {nsdecls("w")} w:id="1" w:author="a"><w:r><w:delText>70</w:delText></w:r></w:del>'))
    ins = parse_xml(f'<w:ins {nsdecls("w")} w:id="2" w:author="a"/>')
    run.addprevious(ins)
    ins.append(run)
    body = document.element.body
    five = next(p._p for p in document.paragraphs if p.text == "存在的主要问题及改进情况")
    six = next(p._p for p in document.paragraphs if p.text == "其他需要报告的事项")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    sdt.append(content)
    five.addprevious(sdt)
    moving = []
    for el in body.iterchildren():
        if el is six:
            break
        if moving or el is five:
            moving.append(el)
    for el in moving:
        content.append(el)
    document.save(str(source))

    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(PINGTAN)
    assert got["figures"] == wanted["figures"]
    assert got["general"] == wanted["general"] and got["problems"] == wanted["problems"]
    assert got["other"] == wanted["other"] and got["meta"] == wanted["meta"]


def test_labels_typed_with_other_punctuation_are_found(tmp_path):
    """Sites retype the form's labels: "(一)予以公开" with ASCII brackets, "1、本机关不掌握…" for "1.",
    "三安全一稳定" in straight quotes or none."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".html"].decode("utf-8")

    def retype(m: re.Match[str]) -> str:
        table = m.group(0).replace("（", "(").replace("）", ")")
        table = re.sub(r">(\d)\.", r">\1、", table)
        return table.replace("“三安全一稳定”", '"三安全一稳定"').replace("“", "").replace("”", "")

    html, n = re.subn(r"<table.*?</table>", retype, html, flags=re.S)
    assert n >= 3 and "(一)予以公开" in html and ">1、本机关不掌握" in html and '"三安全一稳定"' in html
    page = tmp_path / "retyped.html"
    page.write_text(html, "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0
    assert _figures(out) == _figures(PINGTAN)


@pytest.mark.parametrize("kind", [".html", ".docx", ".pdf"])
def test_bold_run_in_sub_headings(tmp_path, kind):
    """"<b>主动公开。</b>围绕……": a paragraph opening with a bold run that ends at a full stop is a
    sub-heading run into its text; bold emphasis elsewhere ("<b>2024年</b>，本机关……") is not."""
    import docx

    conv = convert(PINGTAN, formats=("docx", "html"))
    if kind == ".html":
        html = conv.outputs[".fragment.html"].decode("utf-8")
        one, rest = html.split("二、主动公开政府信息情况", 1)
        one, n = re.subn(r"<h3[^>]*>（[一二三四五]）([^<]*)</h3>\s*<p([^>]*)>", r"<p\2><b>\1。</b>", one)
        one = one.replace("2024年，本机关", "<strong>2024年</strong>，本机关")
        assert n == 5
        source = tmp_path / "bold.html"
        source.write_text(one + "二、主动公开政府信息情况" + rest, "utf-8")
    else:
        source = tmp_path / "bold.docx"
        source.write_bytes(conv.outputs[".docx"])
        document = docx.Document(str(source))
        paragraphs = document.paragraphs
        n = 0
        for i, p in enumerate(paragraphs):
            if p.text.startswith("二、"):
                break
            m = re.fullmatch(r"（[一二三四五]）(.+)", p.text)
            if m:
                following = paragraphs[i + 1]
                first = following.runs[0]._r
                lead = following.add_run(m.group(1) + "。")
                lead.bold = True
                first.addprevious(lead._r)  # moved to the paragraph's start
                p._p.getparent().remove(p._p)
                n += 1
        assert n == 5
        document.save(str(source))
        if kind == ".pdf":
            if shutil.which("soffice") is None:
                pytest.skip("LibreOffice is not installed")
            from nianbao.output.pdf import pdf_bytes

            source = tmp_path / "bold.pdf"
            source.write_bytes(pdf_bytes((tmp_path / "bold.docx").read_bytes()))
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 0
    got, wanted = _content(out), _content(PINGTAN)
    assert got["general"] == wanted["general"], got["general"]
    assert got["figures"] == wanted["figures"] and got["problems"] == wanted["problems"]


def _page_of(grids: list[list[list[str]]], paragraphs: list[str]) -> str:
    """A page of plain tables (one <td> a grid position, labels repeated as a spanned cell's expansion
    reads), with the report's paragraphs before them."""
    from html import escape

    tables = "".join("<table>" + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in grid)
                     + "</table>" for grid in grids)
    return "<html><body>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + tables + "</body></html>"


def test_columns_are_found_by_their_headers_not_their_order(tmp_path):
    """Table 三 with its 商业企业 and 科研机构 columns swapped, table 四 with 行政复议's columns reversed:
    every figure lands under its own header. Table 三 without its 其他 column: the column is named and
    left empty, never filled from its neighbour."""
    from nianbao.published.reading import read

    conv = convert(PINGTAN, formats=("docx", "html"))
    page = tmp_path / "report.html"
    page.write_bytes(conv.outputs[".html"])
    src = read(page)
    three = next(i for i, g in enumerate(src.tables) if any("申请人情况" in c for row in g for c in row))
    four = next(i for i, g in enumerate(src.tables) if any("行政复议" in c for row in g for c in row))
    grid3 = src.tables[three]
    business = next(c for c, cell in enumerate(next(r for r in grid3 if "商业企业" in r)) if cell == "商业企业")
    grids = [[row[:] for row in g] for g in src.tables]
    for row in grids[three]:
        row[business], row[business + 1] = row[business + 1], row[business]
    for row in grids[four]:
        row[0:3] = row[0:3][::-1]
    swapped = tmp_path / "swapped.html"
    swapped.write_text(_page_of(grids, src.paragraphs), "utf-8")
    imported = import_report(swapped)
    wanted = _figures(PINGTAN)
    for name in ("table2", "table3", "table4"):
        assert {k: v for k, v in imported.figures[name].items() if k in wanted[name]} == \
            {k: wanted[name][k] for k in imported.figures[name]}, name
    assert wanted["table3"]["E4"] != wanted["table3"]["F4"], "the swap must show"

    other = 4 + business  # 其他 is the fourth column after 商业企业
    assert grid3[next(i for i, r in enumerate(grid3) if "其他" in r)][other] == "其他"
    dropped = [[row[:other] + row[other + 1:] for row in g] if i == three else g for i, g in enumerate(src.tables)]
    page = tmp_path / "dropped.html"
    page.write_text(_page_of(dropped, src.paragraphs), "utf-8")
    imported = import_report(page)
    t3 = imported.figures["table3"]
    assert all(t3.get(f"I{r}") is None for r in range(4, 29)), "the 其他 column left empty, not shifted"
    assert t3.get("J4") == wanted["table3"]["J4"] and t3["D4"] == wanted["table3"]["D4"], [f.message for f in imported.findings]
    assert [f.message for f in imported.findings if "这一列" in f.message] == [
        f"第 {three + 1} 个表格没有“申请人情况/法人或其他组织/其他”这一列：这一列的 25 格导入后为空，请按原报告核实后填写"]


def test_a_pdf_whose_text_cannot_be_extracted_says_so(tmp_path, capsys):
    """A PDF whose fonts carry no character map (ToUnicode) gives "(cid:12)" for every character: said so,
    not misread as a page without the report's tables."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    conv = convert(PINGTAN, formats=("docx", "pdf"), pdf_optional=False)
    data = conv.outputs[".pdf"]
    assert b"/ToUnicode" in data
    pdf = tmp_path / "garbled.pdf"
    pdf.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))  # same length: the cross-reference holds
    assert "文字无法正确提取" in _refused(pdf, capsys)


def test_the_signature_date_is_found_above_a_site_footer(tmp_path):
    """The date under the signature ends the article; a site's footer of many lines may follow it."""
    conv = convert(PINGTAN, formats=("docx", "html"))
    footer = "".join(f"<p>{t}</p>" for t in ("相关链接", "福建省人民政府", "福州市政府网站", "联系我们", "网站地图",
                                             "版权所有：平潭综合实验区", "网站标识码 3501280001", "闽ICP备00000000号"))
    page = tmp_path / "signed.html"
    page.write_text(conv.outputs[".html"].decode("utf-8").replace("</body>", f"<div class='footer'>{footer}</div></body>"), "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(page), "-o", str(out)]) == 0
    assert _content(out) == _content(PINGTAN)
