"""A published report read as what matters here: its paragraphs in order and its tables as grids (a
cell spanning rows or columns repeated in each position it covers). HTML pages (with the site's header,
menus and footer around the article) through lxml; Word files through python-docx. Nothing is fetched and
no script runs: lxml builds the tree from the bytes alone."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
MAX_DOCX_UNPACKED = 100 * 1024 * 1024


class SourceError(Exception):
    """The file cannot be read as a published report (Chinese message)."""


@dataclass
class Source:
    paragraphs: list[str] = field(default_factory=list)  # body text, one item a paragraph, tables left out
    tables: list[list[list[str]]] = field(default_factory=list)  # each a grid of cell texts
    title: str = ""


_WIDE_DIGITS = str.maketrans("０１２３４５６７８９．＋－", "0123456789.+-")


def norm(text: str) -> str:
    """Cell or label text as compared: full-width digits made ASCII, no spaces of any kind (CMS pages put
    stray spaces inside labels: "社会公益 组织"). Chinese punctuation stays as the form prints it."""
    return re.sub(r"\s+", "", (text or "").replace("\u00a0", " ").replace("\u3000", " ")).translate(_WIDE_DIGITS)


def para(text: str) -> str:
    """A paragraph as text: the spaces a page's markup adds between Chinese characters removed, the rest kept."""
    text = re.sub(r"[ \t\r\n\u00a0\u3000]+", " ", text or "").strip()
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])", "", text)


def read(path: Path) -> Source:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise SourceError(f"“{path.name}”超过 {MAX_BYTES // 1024 // 1024} MB，不像是一份年度报告")
    if data.startswith(b"PK"):
        return _docx(data, path.name)
    if data.lstrip()[:5] == b"%PDF-":
        raise SourceError(f"“{path.name}”是 PDF：请改用网页（另存为 .html）或 Word 版")
    return _html(data)


# --- HTML -------------------------------------------------------------------------------------------------

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def _decode(data: bytes) -> str:
    """The page as text: the charset it declares, else UTF-8, else GB18030 (older government sites). Decoded
    here rather than by lxml, which takes undeclared bytes as Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    candidates = []
    declared = _CHARSET.search(data[:4096])
    if declared:
        candidates.append(declared.group(1).decode("ascii").lower())
    candidates += ["utf-8", "gb18030"]
    for name in candidates:
        if name in ("gb2312", "gbk"):
            name = "gb18030"
        try:
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        # lxml refuses a str that still declares an encoding in an XML prolog
        return re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    return data.decode("utf-8", errors="replace")

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "section", "article", "td", "th", "tr"}


def _html(data: bytes) -> Source:
    import lxml.html  # only for HTML sources

    try:
        root = lxml.html.fromstring(_decode(data))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise SourceError(f"网页无法解析（{exc}）") from exc
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    title = para(" ".join(root.xpath("//title//text()")))
    tables = []
    for table in root.xpath("//table[not(ancestor::table)]"):
        rows = []
        for tr in table.xpath(".//tr"):
            rows.append([(norm(cell.text_content()), int(cell.get("rowspan") or 1), int(cell.get("colspan") or 1))
                         for cell in tr.xpath("./td|./th")])
        grid = _expand(rows)
        if grid:
            tables.append(grid)
        table.getparent().replace(table, lxml.html.fromstring("<p>\u2063</p>"))  # a marker: a table stood here
    paragraphs = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.lower() not in _BLOCK:
            continue
        own = para("".join(el.xpath("./text()")) + "".join(c.tail or "" for c in el))
        if el.tag.lower() == "p":
            own = para(el.text_content())
        if own and own != "\u2063":
            paragraphs.append(own)
    return Source(_dedupe(paragraphs), tables, title)


def _dedupe(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for p in paragraphs:
        if not out or out[-1] != p:
            out.append(p)
    return out


def _expand(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """rowspan/colspan expanded: every grid position holds the text of the cell covering it."""
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            for dr in range(max(1, min(rowspan, 200))):
                for dc in range(max(1, min(colspan, 50))):
                    grid[(r + dr, c + dc)] = text
            c += max(1, colspan)
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


# --- Word ---------------------------------------------------------------------------------------------------

def _docx(data: bytes, name: str) -> Source:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_DOCX_UNPACKED:
                raise SourceError(f"“{name}”解压后过大，不像是一份年度报告")
            if any(b"<!DOCTYPE" in zf.read(i)[:2048] for i in zf.infolist() if i.filename.endswith(".xml")):
                raise SourceError(f"“{name}”含有不安全的内容（XML 实体声明）")
    except zipfile.BadZipFile as exc:
        raise SourceError(f"“{name}”不是 Word 文档（.docx）") from exc
    from docx import Document  # only for Word sources
    from docx.oxml.ns import qn  # as above
    from docx.table import Table  # as above
    from docx.text.paragraph import Paragraph  # as above

    doc = Document(io.BytesIO(data))
    paragraphs, tables = [], []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            text = para(Paragraph(el, doc).text)
            if text:
                paragraphs.append(text)
        elif el.tag == qn("w:tbl"):
            table = Table(el, doc)
            tables.append([[norm(cell.text) for cell in row.cells] for row in table.rows])
    title = paragraphs[0] if paragraphs else ""
    return Source(paragraphs, tables, title)
