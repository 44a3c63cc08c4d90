"""A PDF as offices and browsers print it, read through pdfplumber: words with their positions, tables by
their ruling lines (or rebuilt from word positions when there are none), paragraphs from indents and
line ends."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfplumber.utils import obj_to_edges

from nianbao.published.lineless import rebuild
from nianbao.published.source import HEADING_FACE, Source, SourceError, run_in_lead
from nianbao.published.text import PAGE_NUMBER, norm, para, unfold

MAX_PDF_PAGES = 60


def read_pdf(data: bytes, name: str) -> Source:
    """Words with their positions (pdfplumber over pdfminer): tables found by their ruling lines, each cell's
    box placed on the grid of the table's row and column edges (a merged cell covers several); the text
    outside the tables joined into paragraphs — a line starts one when it is indented, the line before
    stopped short of the right margin, or the typeface changes. A short paragraph whose Chinese is set in
    another typeface than the body's (bold, 黑体, 楷体 — how 公文 set their sub-headings) is a heading; one
    that only opens so has its sub-heading run in. Page numbers are left out."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings of its own, not the user's business

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise SourceError(f"“{name}”有 {len(pdf.pages)} 页，超过 {MAX_PDF_PAGES} 页，不像是一份年度报告")
        tables: list[list[list[str]]] = []
        # text, x0, x1, size, typefaces of its Chinese, (character, typeface) each; "" for a table
        lines: list[tuple[str, float, float, float, frozenset[str], tuple[tuple[str, str], ...]]] = []
        typefaces: Counter[str] = Counter()  # Chinese characters per typeface
        images = 0
        right = 0.0
        parts: list[Part] = []  # each ruled table as found on its page, in order
        pages = [page.filter(_outside(boxes)) for page, boxes in zip(pdf.pages, _furniture(pdf.pages))]
        for pno, page in enumerate(pages):
            images += len(page.images)
            found = _ruled_tables(page)
            boxes = [t.bbox for t in found]
            items: list[tuple[float, str, float, float, float, frozenset[str], tuple[tuple[str, str], ...]]] = []
            for t in found:
                grid = _pdf_grid(page, t)
                if grid:
                    parts.append(Part(pno, grid))
                    items.append((t.bbox[1], "", 0.0, 0.0, 0.0, frozenset(), ()))
            outside = page.filter(_outside(boxes))
            for line in outside.extract_text_lines(return_chars=True):
                # word spacing the PDF's layout adds between Chinese and digits ("2024 年") removed
                text = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])", "", unfold(line["text"].strip()))
                if not text or PAGE_NUMBER.match(text):
                    continue
                size = max((c.get("size", 0) for c in line["chars"]), default=10.5)
                faces = Counter(_typeface(c) for c in line["chars"] if _CJK.match(c.get("text", "")))
                typefaces.update(faces)
                glyphs = tuple((str(c.get("text", "")), _typeface(c)) for c in line["chars"])
                items.append((line["top"], text, line["x0"], line["x1"], size, frozenset(faces), glyphs))
                right = max(right, line["x1"])
            ordered = sorted(items, key=lambda i: i[0])
            page_parts = [part for part in parts if part.page == pno]
            if page_parts and ordered:  # a table that opens or closes the page may go on across its break
                page_parts[0].opens_page = not ordered[0][1]
                page_parts[-1].closes_page = not ordered[-1][1]
            lines += [item[1:] for item in ordered]
        tables = _join_split_rows(parts)
        rebuilt = not tables
        if rebuilt:  # no ruling lines anywhere: the tables, if any, from where their words stand
            tables = rebuild([page.extract_words(x_tolerance=1.5, y_tolerance=2) for page in pages])
    if not tables and not lines:
        raise SourceError(f"“{name}”中没有可读取的文字（可能是扫描件或图片），无法导入")
    text = "".join(line[0] for line in lines) + "".join(c for t in tables for row in t for c in row)
    unmapped = len(re.findall(r"\(cid:\d+\)", text))
    if unmapped >= 20 and unmapped * 8 > len(text) / 5:  # "(cid:12)": 8 characters for one; a fifth of the text
        raise SourceError(f"“{name}”中的文字无法正确提取：PDF 里的字体没有附带字符编码（复制出来是乱码），"
                          "无法导入；请改用同一份报告的 Word（.docx）或网页文件")
    if not tables and images:
        raise SourceError("这不是可以导入的政府信息公开工作年度报告：统计表是图片，无法读取数字")
    left = min((line[1] for line in lines if line[0]), default=0.0)
    body = typefaces.most_common(1)[0][0] if typefaces else ""
    paragraphs: list[str] = []
    headings: set[str] = set()
    run_in: dict[str, str] = {}
    current = ""
    current_apart = ended = True
    first: tuple[tuple[str, str], ...] = ()  # the glyphs of the paragraph's first line

    def flush() -> None:
        paragraphs.append(para(current))
        if current_apart and len(current) <= 30:
            headings.add(paragraphs[-1])
        elif not current_apart and (lead := run_in_lead(paragraphs[-1], para(_opening(first, body)))):
            run_in[paragraphs[-1]] = lead

    for text, x0, x1, size, line_faces, glyphs in lines:
        # its Chinese is all in another typeface than the body's, and one that headings are set in (a report
        # may mix two 仿宋 fonts in its body: 仿宋_GB2312 and 方正仿宋_GBK)
        apart = bool(line_faces) and body not in line_faces and any(map(_PDF_HEADING_FACE.search, line_faces))
        if current and (not text or ended or x0 > left + size * 0.9 or apart != current_apart):
            flush()
            current = ""
        if not text:  # a table stood here
            ended = True
            continue
        if not current:
            first = glyphs
        current_apart = apart
        current += text
        ended = x1 < right - size * 1.5 or bool(re.search(r"[。：:]$", text) and x1 < right - size * 0.5)
    if current:
        flush()
    return Source(paragraphs, tables, "", headings=headings, run_in=run_in, rebuilt=rebuilt)  # title: first paragraphs


def _opening(glyphs: tuple[tuple[str, str], ...], body: str) -> str:
    """A line's opening set in a heading typeface other than the body's: up to its first Chinese character in
    any other face (punctuation and digits go with either)."""
    out: list[str] = []
    apart = False
    for ch, face in glyphs:
        if _CJK.match(ch):
            if face == body or not _PDF_HEADING_FACE.search(face):
                break
            apart = True
        out.append(ch)
    return re.sub(r"\s+", "", unfold("".join(out))) if apart else ""


_CJK = re.compile(r"[\u3400-\u9fff]")
# typefaces of 公文 headings as PDFs name them: 黑体, 楷体, 小标宋 and bold cuts, by their Chinese or Latin names
# and 方正's abbreviations (FZHTK 黑体, FZKTK 楷体, FZXBSK 小标宋)
_PDF_HEADING_FACE = re.compile(HEADING_FACE.pattern + r"|FZHT|FZKT|FZXBS|FZDBS|SimHei|STKaiti|标宋|xbs", re.I)


def _typeface(char: dict[str, Any]) -> str:
    """The font's name without the subset tag ("BAAAAA+NotoSerifCJKjp-Regular" → "NotoSerifCJKjp-Regular")."""
    return str(char.get("fontname", "")).split("+", 1)[-1]


# what browsers and office programs print in a page's margins: a page number ("3/7", "- 3 -", "第 3 页 共 7 页"),
# the page's address, the date and time of printing ("12/3/26, 2:35 PM", "2025/3/10 10:21", "2025-03-10")
_FURNITURE = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$|^第\s*\d+\s*页|共\s*\d+\s*页$|(?:^|\s)\d{1,3}\s*/\s*\d{1,3}$"
                        r"|(?:file|https?)://|^www\.|^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}(?:[\s,，]+\d{1,2}:\d{2})?")
# the margins where page furniture stands: this share of the page's height at its top and bottom
_MARGIN = 0.09


def _furniture(pages: list[Any]) -> list[list[tuple[float, float, float, float]]]:
    """Each page's furniture as boxes to leave out before tables and paragraphs are read: lines in the top or
    bottom margin that are a page number, an address or a printing date, or that recur (digits aside) in
    the same margin of other pages — a browser's page title, an office header. A line of figures alone is
    never furniture (a table row may end a page)."""
    found: list[list[tuple[float, float, float, float, str, str]]] = []
    for page in pages:
        band = []
        for line in page.extract_text_lines():
            where = "top" if line["bottom"] < page.height * _MARGIN else "bottom" if line["top"] > page.height * (1 - _MARGIN) else ""
            if where:
                band.append((line["x0"], line["top"], line["x1"], line["bottom"], where, line["text"].strip()))
        found.append(band)
    recurring = Counter((where, re.sub(r"\d+", "#", text)) for band in found for *_, where, text in band)
    boxes: list[list[tuple[float, float, float, float]]] = []
    for band in found:
        page_boxes = []
        for x0, top, x1, bottom, where, text in band:
            masked = re.sub(r"\d+", "#", text)
            if _FURNITURE.search(text) or (recurring[(where, masked)] >= max(2, len(pages) // 2)
                                            and not re.fullmatch(r"[#\s.,，]+", masked)):
                page_boxes.append((x0 - 1, top - 1, x1 + 1, bottom + 1))
        boxes.append(page_boxes)
    return boxes


@dataclass
class Part:
    """A ruled table as found on one page."""
    page: int
    grid: list[list[str]]
    opens_page: bool = False  # nothing but page furniture above it on its page
    closes_page: bool = False  # nothing but page furniture below it


def _join_split_rows(parts: list[Part]) -> list[list[list[str]]]:
    """Tables as read page by page, a table that a page break cut in two put back together: a table that
    closes its page and one that opens the next, of the same number of columns, are one; and when the second
    part opens with a row of labels only, each in a column where the first part's last row has a label, that
    row is the rest of those labels — of a figure row ("2.申请人逾期未按收费通知要求缴纳费用、" / "行政机关不再
    处理其政府信息公开申请"), or of a header row ("未经复议" / "直接起诉"), which a header repeated on the new
    page is not: that one repeats every cell."""
    tables: list[list[list[str]]] = []
    previous: Part | None = None
    for part in parts:
        grid = part.grid
        if (previous is not None and part.page == previous.page + 1 and previous.closes_page and part.opens_page
                and len(grid[0]) == len(tables[-1][0])):
            tail = tables[-1][-1]
            if _continues(tail, grid[0]):
                tables[-1][-1] = [p + c if c and c != p else p for p, c in zip(tail, grid[0])]
                grid = grid[1:]
            tables[-1].extend(grid)
        else:
            tables.append(grid)
        previous = part
    return tables


def _continues(tail: list[str], head: list[str]) -> bool:
    def label(cell: str) -> bool:
        return bool(cell) and not _FIGURE_CELL.match(cell)

    return (any(head) and all(not c or (label(c) and label(p)) for c, p in zip(head, tail))
            and any(c and c != p for c, p in zip(head, tail))
            and (any(map(_FIGURE_CELL.match, tail)) or any(not c and label(p) for c, p in zip(head, tail))))


_FIGURE_CELL = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?(?:万元|元|件)?$")


def _ruled_tables(page: Any) -> list[Any]:
    """The tables drawn with lines: stroked lines and box outlines, and filled rectangles thin enough to be
    a rule (Chromium and Word draw borders so). A filled rectangle of any other shape is a background —
    WPS puts a white one behind every line of body text, a highlight or a shaded cell is one — and never
    makes a table: pdfplumber's own default takes every rectangle's edges for ruling lines."""
    vertical: list[dict[str, Any]] = []
    horizontal: list[dict[str, Any]] = []
    for obj in page.lines + page.rects + page.curves:
        if obj["object_type"] != "line" and obj.get("fill") and not obj.get("stroke"):
            # a filled shape (a rectangle, or a path drawn as one: Word's borders) is a rule when it is thin
            if min(obj["width"], obj["height"]) > _RULE_WIDTH or _white(obj.get("non_stroking_color")):
                continue  # a background, or a rule drawn in white
        elif not obj.get("stroke", True) or _white(obj.get("stroking_color")):
            continue  # a shape filled without an outline, or outlined in white: not a line on the page
        if obj["object_type"] == "line" and min(obj["width"], obj["height"]) > 1:
            continue  # a slanted line (the diagonal of a header cell) rules no row or column
        for edge in obj_to_edges(obj):
            (vertical if edge["orientation"] == "v" else horizontal).append(edge)
    horizontal += _closing_edges(vertical)
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    return list(page.find_tables({"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                                  "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}))


def _closing_edges(vertical: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where a table breaks across pages, WPS leaves the last row on the page (and the first on the next) open:
    its column lines run to the page's end with no line under them. A horizontal edge where two or more
    column lines end together closes such a row (where a ruling line is drawn already, it merges with it)."""
    ends: dict[int, list[float]] = {}
    for e in vertical:
        for y in (e["top"], e["bottom"]):
            ends.setdefault(round(y), []).append(e["x0"])
    return [{"x0": min(xs), "x1": max(xs), "top": float(y), "bottom": float(y), "width": max(xs) - min(xs),
             "orientation": "h", "object_type": "synthetic_edge"}
            for y, xs in ends.items() if len(xs) >= 2 and max(xs) - min(xs) > 1]


# a filled rectangle at most this thick (pt) is a rule; text backgrounds are a line of text high
_RULE_WIDTH = 2.0


def _white(colour: object) -> bool:
    """A PDF colour that prints as white (or nearly): gray 1, RGB (1, 1, 1), CMYK (0, 0, 0, 0)."""
    if isinstance(colour, int | float):
        return float(colour) >= 0.95
    if isinstance(colour, tuple | list) and all(isinstance(c, int | float) for c in colour):
        if len(colour) in (1, 3):
            return all(float(c) >= 0.95 for c in colour)
        if len(colour) == 4:
            return all(float(c) <= 0.05 for c in colour)
    return False


def _outside(boxes: list[tuple[float, float, float, float]]) -> Any:
    return lambda obj: not any(_inside(obj, b) for b in boxes)


def _inside(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    return bool(obj.get("x0", 0) >= x0 - 1 and obj.get("x1", 0) <= x1 + 1 and obj.get("top", 0) >= top - 1
                and obj.get("bottom", 0) <= bottom + 1)


def _centred(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return bool(box[0] <= cx <= box[2] and box[1] <= cy <= box[3])


def _pdf_grid(page: Any, table: Any) -> list[list[str]]:
    cells = [c for c in table.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
    if not cells:
        return []
    xs = sorted({round(c[0], 1) for c in cells})
    tops = sorted({round(c[1], 1) for c in cells})
    grid: dict[tuple[int, int], str] = {}
    for x0, top, x1, bottom in cells:
        # a character belongs to the cell its centre is in (glyph boxes overhang thin cells' ruling lines)
        inside = page.filter(lambda o, b=(x0, top, x1, bottom): o.get("object_type") == "char" and _centred(o, b))
        text = norm(inside.extract_text() or "")
        cols = [i for i, x in enumerate(xs) if x0 - 1 <= x < x1 - 1]
        rows = [i for i, y in enumerate(tops) if top - 1 <= y < bottom - 1]
        for r in rows:
            for c in cols:
                grid[(r, c)] = text
    return [[grid.get((r, c), "") for c in range(len(xs))] for r in range(len(tops))]
