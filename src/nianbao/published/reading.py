"""Which reader a file needs, told by its bytes (not its name): Word, PDF, else a web page."""

from __future__ import annotations

from pathlib import Path

from nianbao.published.source import Source, SourceError

MAX_BYTES = 10 * 1024 * 1024


def read(path: Path) -> Source:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise SourceError(f"“{path.name}”超过 {MAX_BYTES // 1024 // 1024} MB，不像是一份年度报告")
    # each reader's library is loaded only for its own format: the sandbox child of one import pays for one
    if data.startswith(b"PK"):
        from nianbao.published.word import read_word as reader  # python-docx: Word sources only
        kind = "Word 文档（.docx）"
    elif data.lstrip()[:5] == b"%PDF-":
        from nianbao.published.pdf import read_pdf as reader  # pdfplumber: PDF sources only
        kind = "PDF "
    else:
        from nianbao.published.webpage import read_html  # lxml: web pages only
        return read_html(data)
    try:
        return reader(data, path.name)
    except SourceError:
        raise
    except Exception as exc:  # python-docx / pdfminer on untrusted bytes: any failure means a damaged file
        raise SourceError(f"“{path.name}”不是有效的 {kind}或已损坏（{type(exc).__name__}）") from exc
