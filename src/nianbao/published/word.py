"""A Word file (.docx) as offices leave it, read through python-docx: body paragraphs and tables in reading
order, tracked changes as accepted, content controls read, text boxes left out."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from nianbao.published.source import HEADING_FACE, Source, SourceError, run_in_lead
from nianbao.published.text import norm, para

MAX_DOCX_UNPACKED = 100 * 1024 * 1024

def read_word(data: bytes, name: str) -> Source:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_DOCX_UNPACKED:
                raise SourceError(f"“{name}”解压后过大，不像是一份年度报告")
            if any(b"<!DOCTYPE" in zf.read(i)[:2048] for i in zf.infolist() if i.filename.endswith(".xml")):
                raise SourceError(f"“{name}”含有不安全的内容（XML 实体声明）")
    except zipfile.BadZipFile as exc:
        raise SourceError(f"“{name}”不是 Word 文档（.docx）") from exc

    doc = Document(io.BytesIO(data))
    paragraphs, tables = [], []
    headings: set[str] = set()
    run_in: dict[str, str] = {}
    body = doc.element.body
    # paragraphs and tables in reading order, those inside content controls (w:sdt) too; a table's own
    # paragraphs and tables nested in its cells belong to it
    for el in body.iter(qn("w:p"), qn("w:tbl")):
        if any(a.tag in (qn("w:tbl"), qn("w:txbxContent")) for a in el.iterancestors()):
            continue
        if el.tag == qn("w:p"):
            p = Paragraph(el, doc)
            text = para(_word_text(el))
            if text:
                paragraphs.append(text)
                style = p.style.name if p.style is not None else ""
                runs = [(r, _set_apart(r, p)) for r in el.iter(qn("w:r")) if _word_text(r).strip()]
                numbered = bool(el.xpath("./w:pPr/w:numPr")) and len(text) <= 30
                if re.match(r"(?i)heading|标题|二级|三级", style or "") or numbered or (runs and all(a for _, a in runs)):
                    headings.add(text)
                elif runs and runs[0][1]:
                    lead = run_in_lead(text, para("".join(_word_text(r) for r, _ in itertools.takewhile(lambda x: x[1], runs))))
                    if lead:
                        run_in[text] = lead
        else:
            table = Table(el, doc)
            tables.append([[norm(_word_text(cell._tc)) for cell in row.cells] for row in table.rows])
    title = paragraphs[0] if paragraphs else ""
    return Source(paragraphs, tables, title, 0, headings, run_in)


def _word_text(el: Any) -> str:
    """The text Word shows once its tracked changes are accepted: insertions and moves kept, deletions and
    the old place of moved text left out; line breaks and tabs as such; text boxes are not part of the
    paragraph they are anchored in."""
    t, br, tab = qn("w:t"), qn("w:br"), qn("w:tab")
    left_out = {qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent")}  # deleted, moved away, in a text box
    out = []
    for node in el.iter(t, br, tab, qn("w:cr"), qn("w:p")):
        if any(a.tag in left_out for a in node.iterancestors()):
            continue
        if node.tag == t:
            out.append(node.text or "")
        elif node.tag == tab:
            out.append("\t")
        elif node.tag == qn("w:p") and node is not el and out:
            out.append("\n")  # a cell's next paragraph
        elif node.tag in (br, qn("w:cr")):
            out.append("\n")
    return "".join(out)


def _set_apart(run: Any, paragraph: Any) -> bool:
    """A run printed bold or in a heading typeface (黑体, 楷体), set on the run or by its paragraph's style."""
    rpr = run.find(qn("w:rPr"))
    bold = rpr.find(qn("w:b")) if rpr is not None else None
    if bold is not None:
        return bold.get(qn("w:val"), "true") not in ("0", "false", "off")
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    face = fonts.get(qn("w:eastAsia"), "") if fonts is not None else ""
    style = paragraph.style
    while style is not None and not face:
        if style.font.bold:
            return True
        sfonts = style.element.find(qn("w:rPr") + "/" + qn("w:rFonts")) if style.element is not None else None
        face = sfonts.get(qn("w:eastAsia"), "") if sfonts is not None else ""
        style = style.base_style
    return bool(HEADING_FACE.search(face))
