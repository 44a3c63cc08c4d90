"""Whatever bytes arrive as "last year's report", the readers answer with a Chinese reason or a Source —
never another exception (which the CLI would turn into an internal error)."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nianbao.published.importer import import_report
from nianbao.published.source import SourceError

from support import PINGTAN

pytestmark = pytest.mark.slow  # the inner loop: pytest -m "not slow" (CI runs everything)

_HTML_BITS = st.sampled_from(["<table>", "</table>", "<tr>", "<td rowspan='99999'>", "<td colspan='-3'>", "<th>",
                              "</td>", "<p>", "一、总体情况", "三、收到和处理政府信息公开申请情况", "（一）予以公开", "12",
                              "&nbsp;", "<img src=x>", "<meta charset='gbk'>", "<!DOCTYPE html>", "\x00", "<script>x</script>",
                              "<td rowspan='abc'>", "<td colspan='999999999'>", "<td rowspan=' 2px'>", "年度报告", "<?xml version='1.0' encoding='utf-16'?>"])


def _read(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"r{suffix}"
        path.write_bytes(data)
        try:
            import_report(path)
        except SourceError as exc:
            assert str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HTML_BITS, max_size=40))
@example(["&nbsp;", "<?xml version='1.0' encoding='utf-16'?>"])  # a page that parses to a lone comment (found by this test)
def test_any_html_is_read_or_refused(bits):
    _read("".join(bits).encode("utf-8"), ".html")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_pdf_bytes_are_read_or_refused(tail):
    _read(b"%PDF-1.7\n" + tail, ".pdf")


@functools.lru_cache(maxsize=1)
def _our_docx() -> bytes:
    from nianbao.conversion import convert

    return convert(PINGTAN, formats=("docx",)).outputs[".docx"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=200_000), st.binary(min_size=1, max_size=64))
def test_a_damaged_word_file_is_read_or_refused(at, junk):
    docx = bytearray(_our_docx())
    at = at % len(docx)
    docx[at:at + len(junk)] = junk
    _read(bytes(docx), ".docx")


@functools.lru_cache(maxsize=1)
def _ours() -> tuple[str, dict[str, dict[str, object]]]:
    from nianbao.conversion import check, convert

    sub, _ = check(PINGTAN)
    assert sub is not None
    return convert(PINGTAN, formats=("docx", "html")).outputs[".html"].decode("utf-8"), sub.figures


def _in_tables(html: str, change) -> str:
    return re.sub(r"<table.*?</table>", lambda m: change(m.group(0)), html, flags=re.S)


# what government CMS pages do to a report's tables, one habit at a time; any mix must import exactly
_HABITS = {  # applied in this order
    "split-table": lambda h: h[:h.index("<tr", h.index("（四）</span>") - 400)] + "</tbody></table><table><tbody>"
    + h[h.index("<tr", h.index("（四）</span>") - 400):],
    "ascii-brackets": lambda h: _in_tables(h, lambda t: t.replace("（", "(").replace("）", ")")),
    "dun-numbering": lambda h: _in_tables(h, lambda t: re.sub(r">(\d)\.", r">\1、", t)),
    "p-span-cells": lambda h: re.sub(r"(<td[^>]*>)(\d+)(</td>)", r"\1<p><span>\2</span></p>\3", h),
    "wide-digits": lambda h: re.sub(r"(<td[^>]*>)(\d+)(</td>)", lambda m: m.group(1) + m.group(2).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")) + m.group(3), h),
    "nbsp-padding": lambda h: re.sub(r"(<td[^>]*>)(\d+)(</td>)", r"\1&nbsp;\2&nbsp;\3", h),
    # (column headings are written a word a span: 社会|公益|组织)
    "spaced-labels": lambda h: h.replace(">公益</span>", ">公益 </span>").replace(">服务</span>", ">服务\n</span>"),
    "layout-table": lambda h: h.replace("<body>", "<body><table width='100%'><tr><td>首页 &gt; 政务公开</td></tr><tr><td>", 1)
    .replace("</body>", "</td></tr><tr><td>版权所有</td></tr></table></body>", 1),
    "upper-case-tags": lambda h: re.sub(r"<(/?)(td|tr|th)\b", lambda m: f"<{m.group(1)}{m.group(2).upper()}", h),
    "no-quotes": lambda h: h.replace("“三安全一稳定”", "三安全一稳定"),
    "comments": lambda h: h.replace("公开", "公<!-- cms -->开").replace("<body>", "<body><!-- 正文开始 -->", 1),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.sampled_from(sorted(_HABITS))))
@example(set(_HABITS) - {"upper-case-tags", "wide-digits"})  # nearly every habit at once
def test_any_mix_of_cms_habits_imports_every_figure(habits):
    html, wanted = _ours()
    for name in (n for n in _HABITS if n in habits):
        html = _HABITS[name](html)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, "utf-8")
        imported = import_report(page)
    assert not [f.message for f in imported.findings if f.code == "import-unplaced"]
    for name, cells in imported.figures.items():
        assert {ref: v for ref, v in cells.items()} == {ref: wanted[name][ref] for ref in cells}, (habits, name)
    clean = _clean_import()
    assert (imported.meta, imported.general, imported.problems, imported.other) == \
        (clean.meta, clean.general, clean.problems, clean.other), habits


@functools.lru_cache(maxsize=1)
def _clean_import():
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(_ours()[0], "utf-8")
        return import_report(page)


_WORD = st.fixed_dictionaries({
    "text": st.sampled_from(["12", "0", "—", "/", "1.属于国家秘密", "（三）", "不予公开", "总计", "。", "45.5万元", "— 3 —", "本年新收政府信息公开申请"]),
    "x0": st.floats(min_value=-50, max_value=600, allow_nan=False), "top": st.floats(min_value=-50, max_value=900, allow_nan=False),
    "width": st.floats(min_value=0, max_value=400, allow_nan=False), "height": st.floats(min_value=0, max_value=30, allow_nan=False),
})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_WORD, max_size=80), max_size=3))
def test_tables_are_rebuilt_from_any_word_positions_without_failing(pages):
    """Whatever words a PDF page holds, wherever they stand, rebuilding its tables gives grids of text."""
    from nianbao.published.lineless import rebuild

    words = [[{"text": w["text"], "x0": w["x0"], "x1": w["x0"] + w["width"], "top": w["top"], "bottom": w["top"] + w["height"]}
              for w in page] for page in pages]
    for grid in rebuild(words):
        assert all(isinstance(cell, str) for row in grid for cell in row)
