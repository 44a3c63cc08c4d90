"""Whatever bytes arrive as "last year's report", the readers answer with a Chinese reason or a Source —
never another exception (which the CLI would turn into an internal error)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.published.importer import import_report
from nianbao.published.source import SourceError

from conftest import PINGTAN

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
