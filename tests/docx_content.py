"""Reading a .docx back as content (paragraph styles and texts, table cell texts) for comparisons:
.docx bytes differ between identical renders (zip timestamps), content does not."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph


def open_doc(src: Path | bytes):
    return Document(io.BytesIO(src) if isinstance(src, bytes) else str(src))


def body(src: Path | bytes) -> list[Any]:
    doc = open_doc(src)
    out: list[Any] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            p = Paragraph(el, doc)
            out.append([p.style.name, p.text])
        elif el.tag == qn("w:tbl"):
            t = Table(el, doc)
            out.append(["table", [[cell_text(c) for c in row.cells] for row in t.rows]])
    return out


def cell_text(cell: Any) -> str:
    """A table cell's text; a line break inside a label is layout (the form's break hints), not text."""
    return cell.text.replace("\n", "")


def tables(src: Path | bytes) -> list[Table]:
    return list(open_doc(src).tables)


def texts(src: Path | bytes) -> list[str]:
    return [item[1] for item in body(src) if item[0] != "table"]


def header_text(src: Path | bytes) -> str:
    doc = open_doc(src)
    return "".join(p.text for p in doc.sections[0].header.paragraphs)
