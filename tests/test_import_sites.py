"""nianbao import on reports from sites it was not built against: no text lost in silence, every figure or a
named reason. The real WPS-exported PDFs in ../shared (read from there, skipped when absent) with the figures
read from them by hand; synthetic reproductions of what the readers met there (text on white or shaded
backgrounds, headings worded otherwise, fee sentences, amounts in 元, a page printed by a browser with its
header and footer, a table row split by a page break)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from nianbao.apps.cli import main
from nianbao.conversion import convert
from nianbao.published.importer import import_report
from nianbao.published.narrative import _fees
from test_import import _content, _page_of

from support import DAZHUANG, PINGTAN, ROOT, SHARED

OUTSIDE = SHARED / "fixtures" / "published" / "outside"
sys.path.insert(0, str(ROOT / "tools"))
import import_measure  # noqa: E402  (the measurement the closing notes quote, shared with these tests)

pytestmark = pytest.mark.slow  # the inner loop: pytest -m "not slow" (CI runs everything)


def _outside_cases() -> list[Path]:
    return sorted(OUTSIDE.glob("*.yaml")) if OUTSIDE.is_dir() else []


@pytest.mark.skipif(not _outside_cases(), reason="../shared/fixtures/published/outside is not beside this checkout")
@pytest.mark.parametrize("spec", _outside_cases(), ids=lambda p: p.stem)
def test_real_wps_pdfs_import_every_figure_and_all_their_text(spec):
    """Every figure read by hand from the report comes through exactly (a cell the source leaves blank or
    does not have stays empty, named); sections 一 and 五 are placed whole — their characters as poppler
    extracts them, less only the sub-headings' numbers (（一）…, added back when a report is made)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    pdf = spec.with_suffix(".pdf")
    hand = yaml.safe_load(spec.read_text("utf-8"))
    imported = import_report(pdf)
    wanted = import_measure.expected_cells(imported.form, hand)
    assert len(wanted) >= 170
    got = {key: imported.figures.get(key[0], {}).get(key[1]) for key in wanted}
    assert {k: v for k, v in got.items() if wanted[k] is not None} == {k: v for k, v in wanted.items() if v is not None}
    assert all(got[k] is None for k, v in wanted.items() if v is None), "a cell the source does not have stays empty"
    source = import_measure.source_sections(import_measure.source_text(pdf))
    placed = import_measure.placed_sections(imported)
    for no, blocks in (("一", imported.general), ("五", imported.problems)):
        numbers = sum(1 for heading, _ in blocks if heading)  # "（一）" … : one numeral a sub-heading
        assert source[no] - numbers <= placed[no] <= source[no], (no, placed[no], source[no])
    # paragraphs as published: none cut mid-sentence (a body set in two 仿宋 fonts is still one body)
    cut = [p for _, text in imported.general + imported.problems for p in text.split("\n") if p and p[-1] not in "。；：！？”）"]
    assert cut == []
    codes = [f.code for f in imported.findings]
    assert "import-text-lost" not in codes
    assert imported.meta["agency"] == hand["agency"].removeprefix("淮安市") or imported.meta["agency"] == hand["agency"]
    assert imported.meta["year"] == hand["year"]


@pytest.mark.skipif(not _outside_cases(), reason="../shared/fixtures/published/outside is not beside this checkout")
def test_real_fee_sentences_and_misprinted_labels(capsys, tmp_path):
    """淮安 states only the fee collected ("全年收取…信息处理费 3940 元"): that figure is read, the two the
    text does not state stay empty and are named. 洪泽 ("…0 元"): all three 0. 洪泽 misprints a label of
    table 三 ("2.其他法律行政止公开"): its figures are placed, with a warning quoting both wordings."""
    huaian = import_report(OUTSIDE / "01-huaian-szf-2024.pdf")
    assert (huaian.other["fee_notices"], huaian.other["fee_billed"], huaian.other["fee_collected"]) == (None, None, Decimal(3940))
    assert any(f.code == "import-unplaced" and "收费通知件数、应收金额" in f.message for f in huaian.findings)
    assert "信息处理费" not in "".join(str(v) for v in huaian.other.values()), "the fee sentence leaves the text"
    hongze = import_report(OUTSIDE / "03-hongze-qzf-2024.pdf")
    assert (hongze.other["fee_notices"], hongze.other["fee_billed"], hongze.other["fee_collected"]) == (0, 0, 0)
    variant = [f for f in hongze.findings if f.code == "import-label-variant"]
    assert len(variant) == 1 and "其他法律行政止公开" in variant[0].message and "其他法律行政法规禁止公开" in variant[0].message
    assert variant[0].position == "依申请公开!D11"


def _shaded_pdf(tmp_path: Path, fill: str) -> Path:
    """The Pingtan report's Word file with every paragraph shaded (as WPS draws a white box behind each line
    of body text when it exports), printed by LibreOffice."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    from nianbao.output.pdf import pdf_bytes

    conv = convert(PINGTAN, formats=("docx",))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(conv.outputs[".docx"])) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:pPr>", b'<w:pPr><w:shd w:val="clear" w:color="auto" w:fill="' + fill.encode() + b'"/>')
            zout.writestr(item, data)
    pdf = tmp_path / f"shaded-{fill}.pdf"
    pdf.write_bytes(pdf_bytes(out.getvalue()))
    return pdf


@pytest.mark.parametrize("fill", ["FFFFFF", "E7E6E6"], ids=["white", "grey"])
def test_text_on_a_filled_background_is_text_not_a_table(tmp_path, fill):
    """Filled rectangles behind the text (white, or a grey highlight) never make a table: the report comes
    back whole, figures and every section."""
    source = _shaded_pdf(tmp_path, fill)
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 0
    assert _content(out) == _content(PINGTAN)


def _example_page(example: Path, edit=lambda html: html) -> str:
    return edit(convert(example, formats=("docx", "html")).outputs[".html"].decode("utf-8"))


@pytest.mark.parametrize("five", ["五、存在的主要问题及整改措施", "五、政府信息公开工作存在的主要问题及改进情况",
                                  "五、存在的主要问题和改进情况："])
def test_section_headings_worded_otherwise_are_found(tmp_path, five):
    source = tmp_path / "report.html"
    source.write_text(_example_page(PINGTAN, lambda html: html.replace("五、存在的主要问题及改进情况", five)), "utf-8")
    imported = import_report(source)
    wanted = _content(PINGTAN)["problems"]
    assert [(h, t.split("\n")) for h, t in imported.problems] == [(h, list(p)) for h, p in wanted]
    assert not [f for f in imported.findings if f.code == "import-text-lost" and f.level.value != "info"]


def test_a_section_whose_heading_is_not_found_is_named(tmp_path, capsys):
    """五 headed in a way nothing can tell ("五、下一步工作打算"): its text would go under 四 unseen; the
    import names the section instead."""
    source = tmp_path / "report.html"
    source.write_text(_example_page(PINGTAN, lambda html: html.replace("五、存在的主要问题及改进情况", "五、下一步工作打算")), "utf-8")
    out = tmp_path / "back.xlsx"
    main(["import", str(source), "-o", str(out)])
    err = capsys.readouterr().err
    assert "没有找到“五、存在的主要问题及改进情况”这一部分的标题" in err and "问题及改进!B4" in err


def test_sentences_in_a_table_that_is_not_the_reports_are_named(tmp_path):
    """A paragraph boxed in a frame (a one-cell table) is in no section: named with how much text it holds."""
    boxed = "本机关高度重视政府信息公开工作，主要负责同志多次听取工作汇报，研究部署重点任务，压实各科室责任。"
    page = _example_page(PINGTAN, lambda html: html.replace("五、存在的主要问题及改进情况", "五、存在的主要问题及改进情况</p>"
                                                           f"<table><tr><td>{boxed}</td></tr></table><p>", 1))
    source = tmp_path / "report.html"
    source.write_text(page, "utf-8")
    lost = [f for f in import_report(source).findings if f.code == "import-text-lost"]
    assert any(boxed[:30] in f.message and f"{len(boxed)} 字" in f.message for f in lost), [f.message for f in lost]


@pytest.mark.parametrize(("text", "figures", "rest"), [
    ("本年度发出信息处理费收费通知2件，应收信息处理费300元，实际收取300元。", (2, 300, 300), ""),
    ("全年收取政府信息公开信息处理费3940元。", (None, None, 3940), ""),
    ("2024年，全年收取政府信息公开信息处理费0元。无其他需要报告的事项。", (0, 0, 0), "无其他需要报告的事项。"),
    ("未发生收费情况。", (0, 0, 0), ""),
    ("本年度无收取信息处理费情况。", (0, 0, 0), ""),
    ("发出收费通知书1份，应收信息处理费0.05万元，实收500元。", (1, 500, 500), ""),
    ("本机关依法收取信息处理费。", (None, None, None), "本机关依法收取信息处理费。"),
])
def test_fee_sentences_as_offices_write_them(text, figures, rest):
    fees = _fees(text)
    assert fees is not None
    assert tuple(fees.figures[k] for k in ("fee_notices", "fee_billed", "fee_collected")) == figures
    assert fees.rest == rest
    assert fees.understood == (figures != (None, None, None))


def test_fees_in_wan_yuan_are_converted_and_unstated_ones_named(tmp_path, capsys):
    """六 stating only "收取信息处理费0.394万元": 3940 元 collected, with a note of the conversion; notices and
    billed left empty and named; the fee sentence does not stay in the text (a draft would print both)."""
    page = _example_page(PINGTAN).replace("本年度未发出信息处理费收费通知，未收取信息处理费。", "本年度共收取信息处理费0.394万元。")
    source = tmp_path / "report.html"
    source.write_text(page, "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "已换算为 3940 元" in err and "没有写收费通知件数、应收金额" in err
    imported = import_report(source)
    assert (imported.other["fee_notices"], imported.other["fee_billed"], imported.other["fee_collected"]) == (None, None, 3940)
    assert "信息处理费" not in "".join(str(v) for v in imported.other.values())


def test_a_2019_report_is_asked_nothing_about_fees(tmp_path):
    from test_page import _form_2019

    book = tmp_path / "2020.xlsx"
    _form_2019(book)
    page = convert(book, formats=("docx", "html")).outputs[".html"].decode("utf-8")
    page = re.sub(r"<p[^>]*>[^<]*信息处理费[^<]*</p>", "", page)
    source = tmp_path / "report.html"
    source.write_text(page, "utf-8")
    imported = import_report(source)
    assert imported.form.id == "2019"
    assert not [f for f in imported.findings if "收费" in f.message]
    assert "fee_notices" not in imported.other


def test_an_amount_in_yuan_under_a_wan_yuan_header_is_converted(tmp_path, capsys):
    """"251000元" printed in 本年收费金额（单位：万元）: 25.1 万元, with a finding; written as printed it would
    be 10,000 times too large in next year's report."""
    page = _example_page(PINGTAN)
    assert page.count(">18651.06<") == 1
    source = tmp_path / "report.html"
    source.write_text(page.replace(">18651.06<", ">186510600元<"), "utf-8")
    imported = import_report(source)
    assert imported.figures["table2"]["B14"] == Decimal("18651.06")
    unit = [f for f in imported.findings if f.code == "import-unit"]
    assert len(unit) == 1 and unit[0].position == "主动公开!B16" and "186510600元" in unit[0].message


@pytest.mark.parametrize("size", ["A4", "letter", "legal", "A4 landscape", "B5"])
def test_a_page_printed_by_a_browser_with_its_header_and_footer(tmp_path, size):
    """The web page saved as PDF by Chromium with its header (date, page title) and footer (address, "3/7")
    on every page, in several page sizes: the report comes back as from the page itself — no row lost at a
    page break, no furniture in the text."""
    page = tmp_path / "report.html"
    page.write_text(_example_page(PINGTAN, lambda html: html.replace("</head>", f"<style>@page {{ size: {size}; }}</style></head>", 1)), "utf-8")
    pdf = tmp_path / "printed.pdf"
    _browser_pdf(page, pdf)
    out = tmp_path / "back.xlsx"
    assert main(["import", str(pdf), "-o", str(out)]) == 0
    assert _content(out) == _content(PINGTAN)


def _browser_pdf(html: Path, pdf: Path) -> None:
    """Chromium's print to PDF with its header and footer on (the default for a person printing)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)


@pytest.mark.parametrize("size", ["A4", "letter", "B5"])
@pytest.mark.parametrize("example", [PINGTAN, DAZHUANG], ids=["pingtan", "dazhuang"])
def test_a_plain_cms_table_split_by_page_breaks(tmp_path, size, example):
    """A CMS page whose tables have no header repetition and let rows break across pages, printed with the
    browser's header and footer: rows that a page break cut in two are put back together, every figure
    is found."""
    from nianbao.published.reading import read

    rendered = tmp_path / "report.html"
    rendered.write_text(_example_page(example), "utf-8")
    grids = read(rendered).tables
    # narrow label columns: rows several lines tall, which Chromium splits at page breaks (one or two rows
    # in each of these page sizes, measured)
    style = (f"@page {{ size: {size}; }} td {{ border: 1px solid #000; padding: 6px; font-size: 15px; width: 4em }} "
             "td:last-child { width: auto } table { border-collapse: collapse; width: 100% }")
    body = "<p>一、总体情况</p><p>本机关认真落实政府信息公开各项工作。</p>" + "".join(
        f"<p>{heading}</p>" + _page_of([grid], []).removeprefix("<html><body>").removesuffix("</body></html>")
        for heading, grid in zip(("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"), grids))
    page = tmp_path / "cms.html"
    page.write_text(f"<html><head><title>年度报告</title><style>{style}</style></head><body>{body}</body></html>", "utf-8")
    pdf = tmp_path / "cms.pdf"
    _browser_pdf(page, pdf)
    imported = import_report(pdf)
    assert not [f.message for f in imported.findings if f.code in ("import-unplaced", "import-unknown-row")
                and "信息处理费" not in f.message]  # the page has no 六
    assert imported.figures == import_report(page).figures


@pytest.mark.skipif(not (SHARED / "fixtures" / "published" / "pingtan-2024.html").exists(), reason="../shared is not beside this checkout")
@pytest.mark.parametrize("size", ["A4", "letter"])
def test_the_published_pingtan_page_printed_by_a_browser(tmp_path, size):
    """The real published page (site header, menus, footer), printed by Chromium with its own header and
    footer: in A4 a row of table 三 is split by a page break; all 200 figures come through."""
    page = tmp_path / "pingtan.html"
    html = (SHARED / "fixtures" / "published" / "pingtan-2024.html").read_text("utf-8")
    page.write_text(html.replace("</head>", f"<style>@page {{ size: {size}; }}</style></head>", 1), "utf-8")
    pdf = tmp_path / "printed.pdf"
    _browser_pdf(page, pdf)
    printed, original = import_report(pdf), import_report(SHARED / "fixtures" / "published" / "pingtan-2024.html")
    assert printed.figures == original.figures
    assert [h for h, _ in printed.general] == [h for h, _ in original.general]
    assert not [f.message for f in printed.findings if f.code != "import-text-lost"]


def test_a_row_labelled_in_the_other_forms_wording_is_matched_and_named(tmp_path):
    """A 2021 report whose table 二 keeps the 2019 wording "规范性文件": its figures are placed under
    行政规范性文件, with a warning that says so; a label like no row (a row the site added) is not."""
    page = re.sub(r"(<t[dh][^>]*>)\s*行政规范性文件\s*(</t[dh]>)", r"\1规范性文件\2", _example_page(PINGTAN), count=1)
    assert ">规范性文件<" in page
    source = tmp_path / "report.html"
    source.write_text(page, "utf-8")
    imported = import_report(source)
    assert imported.figures == import_report(_html_of(tmp_path, PINGTAN)).figures
    variant = [f for f in imported.findings if f.code == "import-label-variant"]
    assert len(variant) == 1 and "“规范性文件”" in variant[0].message and "2019 版表格的写法" in variant[0].message


def _html_of(tmp_path: Path, example: Path) -> Path:
    path = tmp_path / f"{example.stem}.html"
    path.write_text(_example_page(example), "utf-8")
    return path


@pytest.mark.parametrize("kind", [".html", ".docx"])
@pytest.mark.parametrize("example", [PINGTAN, DAZHUANG], ids=["pingtan", "dazhuang"])
def test_our_own_reports_import_without_a_warning(tmp_path, example, kind):
    """Nothing is said to be lost where nothing is: the text accounting counts sub-headings' numbers as the
    import drops them; the generated text under the tables is only noted (提示)."""
    source = tmp_path / f"report{kind}"
    source.write_bytes(convert(example, formats=("docx", "html")).outputs[kind])
    assert [f.message for f in import_report(source).findings if f.level.value != "info"] == []
