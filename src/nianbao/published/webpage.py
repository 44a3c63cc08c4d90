"""A web page as published (the site's header, menus and footer around the article) read through lxml:
paragraphs by block, tables holding no other table as grids."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import Any

import lxml.etree
import lxml.html

from nianbao.published.source import HEADING_FACE, Source, SourceError, run_in_lead
from nianbao.published.text import norm, para

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

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "section", "article", "td", "th", "tr", "table",
          "ul", "ol", "dl", "dt", "dd", "blockquote", "center", "header", "footer", "nav", "main", "aside", "pre",
          "form", "hr", "body", "figure", "figcaption"}


def read_html(data: bytes) -> Source:
    try:
        root = lxml.html.fromstring(_decode(data))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise SourceError(f"网页无法解析（{exc}）") from exc
    if not isinstance(root.tag, str):  # a page that is only a comment or a processing instruction
        raise SourceError("网页中没有正文")
    title = para(" ".join(root.xpath("//title//text()")))
    for bad in root.xpath("//script|//style|//noscript|//template|//head"):
        if bad.getparent() is not None:
            bad.drop_tree()
    # comments gone, the text after them kept: CMS pages mark their templates' parts with comments, and the
    # tree walk below never visits one (its tail would go with it)
    lxml.etree.strip_tags(root, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    images = len(root.xpath("//img"))
    tables = []
    # tables holding no other table: older CMS pages lay the whole article out in a table of their own,
    # whose cells are read as text like any other block
    for table in root.xpath("//table[not(.//table)]"):
        rows = []
        for tr in table.xpath(".//tr"):
            rows.append([(norm(cell.text_content()), _span(cell.get("rowspan"), 200), _span(cell.get("colspan"), 50))
                         for cell in tr.xpath("./td|./th")])
        grid = _expand(rows)
        if grid:
            tables.append(grid)
        table.getparent().replace(table, lxml.html.fromstring("<p>\u2063</p>"))  # a marker: a table stood here
    paragraphs, headings, run_in = _html_paragraphs(root)
    return Source(_dedupe(paragraphs), tables, title, images, headings, run_in)


_FACE = re.compile(r"font-family\s*:\s*([^;]+)", re.I)
_WEIGHT = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.I)


def _html_paragraphs(root: Any) -> tuple[list[str], set[str], dict[str, str]]:
    """The page's text as paragraphs: a block element (p, div, td, li, h1–h6 …) or a <br> ends one, inline
    markup (span, font, a) does not — older CMS pages put a whole article in one cell with <br> between
    paragraphs. A paragraph is a heading when all its text is in h1–h6, bold (b, strong, font-weight), or a
    heading typeface other than the body's (<font face>, font-family: 楷体 or 黑体 pasted from Word)."""
    paragraphs: list[str] = []
    headings: set[str] = set()
    chunks: list[tuple[str, bool, str]] = []  # text, set apart (heading tag or bold), typeface
    faces: Counter[str] = Counter()
    marked: list[tuple[int, list[tuple[str, bool, str]]]] = []
    apart = 0
    face: list[str] = [""]

    def flush() -> None:
        text = para("".join(c[0] for c in chunks))
        if text:
            paragraphs.append(text)
            marked.append((len(paragraphs) - 1, list(chunks)))
            for t, _, f in chunks:
                faces[f] += len(norm(t))
        chunks.clear()

    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        style = el.get("style") or "" if tag else ""
        strong = tag in ("b", "strong", "h1", "h2", "h3", "h4", "h5", "h6") or bool(_WEIGHT.search(style))
        declared = _FACE.search(style)
        own_face = declared.group(1) if declared else el.get("face") if tag == "font" else None
        if event == "start":
            if tag in _BLOCK:
                flush()
            apart += strong
            face.append(re.sub(r"[\s'\"]", "", own_face).split(",")[0] if own_face else face[-1])
            if el.text and tag:
                chunks.append((el.text, apart > 0, face[-1]))
        else:
            apart -= strong
            face.pop()
            if tag in _BLOCK:
                flush()
            if el.tail:
                chunks.append((el.tail, apart > 0, face[-1]))
    flush()
    body = faces.most_common(1)[0][0] if faces else ""
    run_in: dict[str, str] = {}
    for i, parts in marked:
        shown = [(t, bool(a or (f != body and HEADING_FACE.search(f)))) for t, a, f in parts if norm(t)]
        if shown and all(set_apart for _, set_apart in shown):
            headings.add(paragraphs[i])
        elif shown and shown[0][1]:
            lead = run_in_lead(paragraphs[i], para("".join(t for t, _ in itertools.takewhile(lambda x: x[1], shown))))
            if lead:
                run_in[paragraphs[i]] = lead
    return paragraphs, headings, run_in


def _dedupe(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for p in paragraphs:
        if not out or out[-1] != p:
            out.append(p)
    return out


def _span(value: str | None, most: int) -> int:
    """A rowspan/colspan as browsers read it: its leading digits ("2", " 2px"), 1 when there are none or
    they say 0, and at most `most` (a span no report table has, which would only blow up the grid)."""
    m = re.match(r"\s*(\d+)", value or "")
    return max(1, min(int(m.group(1)[:6]), most)) if m else 1


def _expand(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """rowspan/colspan expanded: every grid position holds the text of the cell covering it."""
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]
