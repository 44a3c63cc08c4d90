"""The printed page to the millimetre (GB/T 9704), measured in the PDF LibreOffice makes from our .docx:
characters a line, the page number, the signature block, tables that hold six-digit counts and stay on
one page, labels that break only between words, generated sentences without a lone last line.

Needs LibreOffice and poppler (.ci/run installs them); skipped without them unless NIANBAO_REQUIRE_SOFFICE=1."""

from __future__ import annotations

import io
import os
import runpy
import shutil
from pathlib import Path

import pytest

from nianbao.conversion import check, convert
from nianbao.form.model import load_form
from nianbao.output.sentences import sentences
from nianbao.workbook.fill import filled_workbook

from pdf_layout import BLOCK_BOTTOM, BLOCK_LEFT, BLOCK_RIGHT, MM, Line, pages
from support import DAZHUANG, PINGTAN, ROOT

pytestmark = [pytest.mark.soffice, pytest.mark.slow]

CHAR = 15.75  # one body character as printed (3号, condensed by 0.25 pt)
LONG_NAME = "国家税务总局平潭综合实验区税务局第一税务分局"


def _scaled_workbook(path: Path, sealed: bool = False) -> None:
    """Pingtan's figures scaled so that tables 三 and 四 hold counts up to 999 999 (every relation of the
    form is a sum, so multiplying a table by one integer keeps it valid), under a long agency name."""
    ex = runpy.run_path(str(ROOT / "examples" / "make_examples.py"))
    k3, k4 = 999_999 // 218, 999_999 // 19
    t3 = {f"{col}{row}": v * k3 for row, vals in ex["PINGTAN_T3"].items() for col, v in zip("DEFGHI", vals)}
    t4 = {ref: v * k4 for ref, v in ex["PINGTAN_T4"].items()}
    meta = {"agency": LONG_NAME, "agency_type": "政府部门", "year": 2024, "date": "2025年1月20日", "seal": "是" if sealed else "否"}
    wb = filled_workbook("2021", meta, figures={"table2": ex["PINGTAN_T2"], "table3": t3, "table4": t4},
                         general=ex["PINGTAN_GENERAL"], problems=ex["PINGTAN_PROBLEMS"], other={"other": "无其他需要报告的事项。"})
    wb.save(path)


def _form_2019(path: Path) -> None:
    ex = runpy.run_path(str(ROOT / "examples" / "make_examples.py"))
    rows = ex["PINGTAN_T3"]  # the 2021 rows; the 2019 form has one （六） row and its carry-over in row 26
    t3 = {f"{col}{row}": v for row, vals in rows.items() if row <= 23 for col, v in zip("DEFGHI", vals)}
    t3 |= {f"{col}24": sum(rows.get(r, [0] * 6)[i] for r in (24, 25, 26)) for i, col in enumerate("DEFGHI")}
    t3 |= {f"{col}26": rows.get(28, [0] * 6)[i] for i, col in enumerate("DEFGHI")}
    wb = filled_workbook("2019", {"agency": "某县人民政府办公室", "agency_type": "政府办公厅（室）", "year": 2020, "date": "2021年1月15日"},
                         figures={"table2": {"B4": 5, "C4": 5, "D4": 40, "D7": 120, "B18": 3, "C18": 45.5}, "table3": t3},
                         general=ex["PINGTAN_GENERAL"], problems=ex["PINGTAN_PROBLEMS"])
    wb.save(path)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name -> (workbook, PDF)."""
    missing = [t for t in ("soffice", "pdftotext") if not shutil.which(t)]
    if missing:
        if os.environ.get("NIANBAO_REQUIRE_SOFFICE") == "1":
            pytest.fail(f"missing: {missing}")
        pytest.skip(f"missing: {missing}")
    out = tmp_path_factory.mktemp("page")
    books = {"dazhuang": DAZHUANG, "pingtan": PINGTAN}
    for name, make in (("large", _scaled_workbook), ("sealed", lambda p: _scaled_workbook(p, sealed=True)), ("form2019", _form_2019)):
        books[name] = out / f"{name}.xlsx"
        make(books[name])
    made = {}
    for name, book in books.items():
        conv = convert(book, book.name, ("docx", "pdf"), pdf_optional=False)
        assert conv.outputs, [f.line() for f in conv.report.errors]
        pdf = out / f"{name}.pdf"
        pdf.write_bytes(conv.outputs[".pdf"])
        made[name] = (book, pdf)
    return made


def _chars(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def _in_block(page: list[Line]) -> list[Line]:
    return [ln for ln in page if ln.y1 < BLOCK_BOTTOM + 1]


@pytest.mark.parametrize("name", ["dazhuang", "pingtan", "large"])
def test_full_body_lines_hold_28_characters(reports, name):
    body = [ln for page in pages(reports[name][1]) for ln in _in_block(page)]
    full = [(ln, nxt) for ln, nxt in zip(body, body[1:])
            if abs(ln.x0 - BLOCK_LEFT) < 1.5 and ln.x1 > BLOCK_RIGHT - CHAR and not any(ch.isdigit() for ch in ln.text)]
    assert len(full) >= 5
    # 27 only where the 28th character went down with the punctuation mark after it, which may neither
    # start a line nor hang past the margin
    assert all(len(ln.text) == 28 or (len(ln.text) == 27 and nxt.text[1:2] in "，。、；：？！）》”’")
               for ln, nxt in full), sorted({(len(ln.text), ln.text, nxt.text[:3]) for ln, nxt in full})


def test_22_lines_a_page(reports):
    first = [ln for ln in _in_block(pages(reports["pingtan"][1])[1]) if ln.x0 < BLOCK_LEFT + 3 * CHAR]
    pitches = {round(b.y0 - a.y0, 1) for a, b in zip(first, first[1:]) if 20 < b.y0 - a.y0 < 40}
    assert pitches == {28.9} or pitches == {28.9, 29.0}
    assert (BLOCK_BOTTOM - (37 * MM)) / 28.95 == pytest.approx(22, abs=0.05)


@pytest.mark.parametrize("name", ["dazhuang", "pingtan", "large"])
def test_page_number_7mm_below_the_text_block_right_on_odd_left_on_even(reports, name):
    for number, page in enumerate(pages(reports[name][1]), start=1):
        folio = [ln for ln in page if ln.y0 > BLOCK_BOTTOM]
        assert [ln.text for ln in folio] == [f"—{number}—"]
        dash = folio[0].words[0]
        below = ((dash[2] + dash[4]) / 2 - BLOCK_BOTTOM) / MM
        assert below == pytest.approx(7, abs=1.5)
        inset = (BLOCK_RIGHT - folio[0].x1) if number % 2 else (folio[0].x0 - BLOCK_LEFT)
        assert inset == pytest.approx(14, abs=3), "1 character (4号) in from the edge"


def _signature(pdf: Path) -> tuple[Line, Line]:
    last = [ln for ln in _in_block(pages(pdf)[-1])]
    return last[-2], last[-1]


@pytest.mark.parametrize("name", ["dazhuang", "pingtan", "large"])
def test_signature_without_seal_7_3_5_2(reports, name):
    agency, date = _signature(reports[name][1])
    assert date.text.endswith("日") and date.y0 > agency.y0
    name_right = (BLOCK_RIGHT - agency.x1) / CHAR
    date_right = (BLOCK_RIGHT - date.x1) / CHAR
    shift = (date.x0 - agency.x0) / CHAR
    assert shift == pytest.approx(2, abs=0.5), "the date starts 2 characters right of the name"
    assert min(name_right, date_right) == pytest.approx(2, abs=0.5), "the longer line stands 2 characters from the right"


def test_signature_with_seal_7_3_5_1(reports):
    last = _in_block(pages(reports["sealed"][1])[-1])
    date = last[-1]
    names = [ln for ln in last[-3:-1] if ln.text in LONG_NAME]
    assert "".join(ln.text for ln in names) == LONG_NAME, "a name too long to centre over the date takes two lines"
    assert (BLOCK_RIGHT - date.x1) / CHAR == pytest.approx(4, abs=0.5)
    for agency in names:
        assert ((agency.x0 + agency.x1) / 2 - (date.x0 + date.x1) / 2) / CHAR == pytest.approx(0, abs=0.5), "centred over the date"


def test_a_long_name_is_never_split_mid_word_in_the_title(reports):
    title = [ln.text for ln in pages(reports["large"][1])[0] if ln.y0 < 200]
    assert "".join(title) == f"{LONG_NAME}2024年政府信息公开工作年度报告"
    assert all(not t.startswith(("分局", "局", "务")) for t in title), title
    assert title[-1] == "政府信息公开工作年度报告"


def _table_pages(pdf: Path, first_label: str, last_label: str) -> tuple[int, int]:
    found = {}
    for i, page in enumerate(pages(pdf)):
        for ln in page:
            for label in (first_label, last_label):
                if label in ln.text and label not in found:
                    found[label] = i
    return found[first_label], found[last_label]


@pytest.mark.parametrize("name", ["dazhuang", "pingtan", "large", "form2019"])
def test_table_3_stays_on_one_page_with_its_heading(reports, name):
    pdf = reports[name][1]
    start, end = _table_pages(pdf, "三、收到和处理政府信息公开申请情况", "四、结转下年度继续办理")
    assert start == end


@pytest.mark.parametrize("name", ["large", "sealed"])
def test_six_digit_counts_print_on_one_line(reports, name):
    book, pdf = reports[name]
    sub, _ = check(book)
    assert sub is not None
    words = {w[0] for page in pages(pdf) for ln in page for w in ln.words}
    for table in ("table3", "table4"):
        big = {str(v) for v in sub.figures[table].values() if v is not None and v >= 10_000}
        assert big and big <= words, sorted(big - words)


@pytest.mark.parametrize("name", ["pingtan", "form2019"])
def test_labels_break_only_between_words(reports, name):
    """Every label with line-break hints prints as exactly those lines; no label line is a fragment."""
    lines = {ln.text for page in pages(reports[name][1]) for ln in page}
    form = load_form("2021" if name == "pingtan" else "2019")
    for table in form.tables.values():
        for ref, parts in table.layout.breaks.items():
            for part in parts:
                assert any(part in line for line in lines), (table.name, ref, part)
    for fragment in ("（三）不", "予公开", "自然", "社会公", "益组织", "三、本年度办", "理结果", "结果维", "本年度办"):
        assert fragment not in lines


@pytest.mark.parametrize("name", ["dazhuang", "pingtan", "large", "form2019"])
def test_generated_sentences_never_end_in_a_lone_character_or_two(reports, name):
    book, pdf = reports[name]
    sub, _ = check(book)
    assert sub is not None
    generated = [s for group in sentences(sub).values() for s in group]
    assert generated
    body = [ln for page in pages(pdf) for ln in _in_block(page)]
    for sentence in generated:
        tail = sentence[-6:]
        ends = [i for i, ln in enumerate(body) if ln.text.endswith(tail) or (len(ln.text) < 6 and tail.endswith(ln.text))]
        assert ends, sentence
        last = body[ends[0]]
        assert _chars(last.text) >= 3, (sentence, last.text)


@pytest.mark.parametrize("name", ["dazhuang", "pingtan", "large"])
def test_every_punctuation_mark_reaches_the_page(reports, name):
    """A mark that would hang past a full line is printed (LibreOffice drops it when punctuation may hang)."""
    import re
    import subprocess
    import zipfile

    book, pdf = reports[name]
    docx = convert(book, book.name, ("docx",)).outputs[".docx"]
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        words = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", zf.read("word/document.xml").decode("utf-8")))
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert {m: printed.count(m) for m in "、，。；："} == {m: words.count(m) for m in "、，。；："}
