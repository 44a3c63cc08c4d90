"""What is on the page: the example report through LibreOffice to PDF, read back as text.

Needs LibreOffice, poppler-utils and the CJK fonts (.ci/run installs them); without them the test is
skipped, unless NIANBAO_REQUIRE_SOFFICE=1 (as in CI), where it fails instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from nianbao.apps.cli import main

from support import DAZHUANG, ROOT

pytestmark = [pytest.mark.soffice, pytest.mark.slow]

TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdffonts")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        if os.environ.get("NIANBAO_REQUIRE_SOFFICE") == "1":
            pytest.fail(f"missing: {missing}")
        pytest.skip(f"missing: {missing}")
    out = tmp_path_factory.mktemp("pdf")
    docx = out / "大庄乡.docx"
    assert main(["convert", str(DAZHUANG), "-o", str(docx)]) == 0
    subprocess.run([sys.executable, str(ROOT / "tools" / "preview.py"), str(docx), str(out), "--dpi", "40"], check=True, timeout=300)
    return out / "大庄乡.pdf"


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_has_every_section_and_the_whole_table_3(pdf):
    text = _text(pdf)
    flat = "".join(text.split())
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert heading in flat, heading
    # the seed's table stopped at "4.保护第三方合法"; every row must be on the page now
    for label in ("4.保护第三方合法权益", "8.属于行政查询事项", "（七）总计", "四、结转下年度继续办理", "复议后起诉"):
        assert label in flat, label
    assert "本年新公开数量" not in flat, "no 2019 header in a 2024 report"
    assert "—1—" in flat and "—2—" in flat


def test_pdf_pages_and_fonts(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 4 <= pages <= 8
    assert "(A4)" in info
    assert "大庄乡人民政府2024年政府信息公开工作年度报告" in info  # the document title, not the template's
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Serif" in fonts and ("UKai" in fonts or "Kai" in fonts), "body serif and 楷体 stand-ins were used"


def _need_soffice():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        if os.environ.get("NIANBAO_REQUIRE_SOFFICE") == "1":
            pytest.fail(f"missing: {missing}")
        pytest.skip(f"missing: {missing}")


def test_convert_format_pdf_writes_a_verified_pdf(tmp_path, capsys):
    _need_soffice()
    out = tmp_path / "报告.docx"
    assert main(["convert", str(DAZHUANG), "-o", str(out), "--format", "docx,pdf"]) == 0
    from nianbao.output.pdf import stand_ins

    err = capsys.readouterr().err
    if stand_ins():  # this machine lacks the official fonts: which stood in for which, once
        assert err.count("注意：本机没有安装正式字体") == 1 and "仿宋_GB2312 →" in err and "fc-cache" in err
    pdf = out.with_suffix(".pdf").read_bytes()
    from nianbao.output.pdf import page_count

    assert pdf.startswith(b"%PDF") and page_count(pdf) >= 4
    assert out.is_file()


def test_batch_with_pdf(tmp_path):
    _need_soffice()
    box = tmp_path / "in"
    box.mkdir()
    shutil.copy(DAZHUANG, box / "a.xlsx")
    from support import PINGTAN

    shutil.copy(PINGTAN, box / "b.xlsx")
    from nianbao.apps.batch.run import run_batch

    result = run_batch(box, tmp_path / "out", jobs=2, formats=["pdf"])
    assert all(it.pdf and (tmp_path / "out" / it.pdf).read_bytes().startswith(b"%PDF") for it in result.items)
    assert all(it.report is None for it in result.items), "only PDF was asked for"


def test_missing_libreoffice_is_a_clear_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    code = main(["convert", str(DAZHUANG), "-o", str(tmp_path / "r.docx"), "--format", "pdf"])
    assert code == 3
    assert "未安装 LibreOffice" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "r.docx").exists()


def test_pdf_and_web_page_without_the_word_file(tmp_path):
    """--format pdf,html: the PDF is printed from a Word document made on the way, which is not left behind."""
    assert main(["convert", str(DAZHUANG), "-o", str(tmp_path / "r.pdf"), "--format", "pdf,html"]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF") and (tmp_path / "r.html").exists()
    assert not (tmp_path / "r.docx").exists()


def test_the_stand_in_fonts_are_named_from_fontconfig():
    if not shutil.which("fc-match"):
        pytest.skip("fontconfig not installed")
    from nianbao.output.pdf import stand_ins

    installed = subprocess.run(["fc-match", "-f", "%{family}", "serif"], capture_output=True, text=True).stdout.split(",")[0]
    assert stand_ins((installed,)) == {}, "an installed font stands for itself"
    got = stand_ins(("仿宋_GB2312",))
    assert not got or (list(got) == ["仿宋_GB2312"] and got["仿宋_GB2312"] != "仿宋_GB2312")


def test_a_seven_digit_count_stays_on_one_line_in_table_3(tmp_path, edit):
    """表三's narrow columns hold six digits at 小五; a longer figure is set smaller, not broken in two —
    measured on the printed page."""
    _need_soffice()
    from pdf_layout import pages

    wb = edit({"依申请公开!D6": 2170000, "依申请公开!D8": 2170000 - 217 + 71,
               "总体情况!B6": "规范申请登记、审查、答复和归档各环节，均在法定期限内答复；对逾期不补正等其他处理情形，在答复中逐件说明理由。"})
    out = tmp_path / "大数.docx"
    assert main(["convert", str(wb), "-o", str(out), "--format", "pdf"]) == 0
    words = [w[0] for page in pages(out.with_suffix(".pdf")) for line in page for w in line.words]
    assert "2170000" in words and "2170001" in words, "each count whole, on one line"
    assert not any(w in ("2170", "21700", "217000") for w in words), "no count broken across lines"
