"""A published report read as what matters here: its paragraphs in order and its tables as grids (a
cell spanning rows or columns repeated in each position it covers). HTML pages (with the site's header,
menus and footer around the article) through lxml; Word files through python-docx. Nothing is fetched and
no script runs: lxml builds the tree from the bytes alone."""

from __future__ import annotations

import io
import itertools
import logging
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.published.lineless import rebuild
from nianbao.published.text import PAGE_NUMBER, norm, para, unfold

MAX_BYTES = 10 * 1024 * 1024
MAX_DOCX_UNPACKED = 100 * 1024 * 1024


class SourceError(Exception):
    """The file cannot be read as a published report (Chinese message)."""


@dataclass
class Source:
    paragraphs: list[str] = field(default_factory=list)  # body text, one item a paragraph, tables left out
    tables: list[list[list[str]]] = field(default_factory=list)  # each a grid of cell texts
    title: str = ""
    images: int = 0  # pictures in the article: some sites publish the tables as images
    # paragraphs set as headings (an h1-h6, bold throughout, a Word heading style): sub-headings numbered
    # in no way the text shows
    headings: set[str] = field(default_factory=set)
    # paragraphs that open with a run set apart (bold, a heading typeface) and go on in the body's type:
    # paragraph -> that opening ("主动公开方面。" of "主动公开方面。全年……"), a sub-heading run into its text
    run_in: dict[str, str] = field(default_factory=dict)
    # the tables were rebuilt from word positions (a PDF without ruling lines): the importer takes them only
    # when everything is found and adds up
    rebuilt: bool = False


def read(path: Path) -> Source:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise SourceError(f"“{path.name}”超过 {MAX_BYTES // 1024 // 1024} MB，不像是一份年度报告")
    if data.startswith(b"PK"):
        reader, kind = _docx, "Word 文档（.docx）"
    elif data.lstrip()[:5] == b"%PDF-":
        reader, kind = _pdf, "PDF "
    else:
        return _html(data)
    try:
        return reader(data, path.name)
    except SourceError:
        raise
    except Exception as exc:  # python-docx / pdfminer on untrusted bytes: any failure means a damaged file
        raise SourceError(f"“{path.name}”不是有效的 {kind}或已损坏（{type(exc).__name__}）") from exc


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

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "section", "article", "td", "th", "tr", "table",
          "ul", "ol", "dl", "dt", "dd", "blockquote", "center", "header", "footer", "nav", "main", "aside", "pre",
          "form", "hr", "body", "figure", "figcaption"}


def _html(data: bytes) -> Source:
    import lxml.html  # only for HTML sources

    try:
        root = lxml.html.fromstring(_decode(data))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise SourceError(f"网页无法解析（{exc}）") from exc
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
# the typefaces 公文 set headings in (黑体, 楷体, their Latin names, bold cuts): pages mix the body face with
# none at all, so only these set a paragraph apart
_HEADING_FACE = re.compile(r"黑|楷|hei|kai|bold|heavy|black", re.I)
_WEIGHT = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.I)


def _html_paragraphs(root: Any) -> tuple[list[str], set[str], dict[str, str]]:
    """The page's text as paragraphs: a block element (p, div, td, li, h1–h6 …) or a <br> ends one, inline
    markup (span, font, a) does not — older CMS pages put a whole article in one cell with <br> between
    paragraphs. A paragraph is a heading when all its text is in h1–h6, bold (b, strong, font-weight), or a
    heading typeface other than the body's (<font face>, font-family: 楷体 or 黑体 pasted from Word)."""
    import lxml.etree  # only for HTML sources

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
        shown = [(t, bool(a or (f != body and _HEADING_FACE.search(f)))) for t, a, f in parts if norm(t)]
        if shown and all(set_apart for _, set_apart in shown):
            headings.add(paragraphs[i])
        elif shown and shown[0][1]:
            lead = _lead(paragraphs[i], para("".join(t for t, _ in itertools.takewhile(lambda x: x[1], shown))))
            if lead:
                run_in[paragraphs[i]] = lead
    return paragraphs, headings, run_in


def _lead(paragraph: str, opening: str) -> str:
    """The opening of a paragraph as a run-in sub-heading: 2–30 characters ending at a full stop or colon
    (inside the run or just after it), with text after it. "<b>2024年</b>，本机关……" is emphasis, not a
    heading."""
    if not paragraph.startswith(opening):
        return ""
    rest = paragraph[len(opening):]
    if rest[:1] in ("。", "：", ":", "；"):
        opening, rest = opening + rest[0], rest[1:]
    if not (2 <= len(opening) <= 30 and opening[-1] in "。：:；" and rest.strip()):
        return ""
    return opening


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
                    lead = _lead(text, para("".join(_word_text(r) for r, _ in itertools.takewhile(lambda x: x[1], runs))))
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
    from docx.oxml.ns import qn  # only for Word sources

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
    from docx.oxml.ns import qn  # only for Word sources

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
    return bool(_HEADING_FACE.search(face))


# --- PDF ----------------------------------------------------------------------------------------------------

MAX_PDF_PAGES = 60


def _pdf(data: bytes, name: str) -> Source:
    """Words with their positions (pdfplumber over pdfminer): tables found by their ruling lines, each cell's
    box placed on the grid of the table's row and column edges (a merged cell covers several); the text
    outside the tables joined into paragraphs — a line starts one when it is indented, the line before
    stopped short of the right margin, or the typeface changes. A short paragraph whose Chinese is set in
    another typeface than the body's (bold, 黑体, 楷体 — how 公文 set their sub-headings) is a heading; one
    that only opens so has its sub-heading run in. Page numbers are left out."""
    import pdfplumber  # only for PDF sources

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
        for page in pdf.pages:
            images += len(page.images)
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            items: list[tuple[float, str, float, float, float, frozenset[str], tuple[tuple[str, str], ...]]] = []
            for t in found:
                grid = _pdf_grid(page, t)
                if grid:
                    tables.append(grid)
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
            lines += [item[1:] for item in sorted(items, key=lambda i: i[0])]
        rebuilt = not tables
        if rebuilt:  # no ruling lines anywhere: the tables, if any, from where their words stand
            tables = rebuild([page.extract_words(x_tolerance=1.5, y_tolerance=2) for page in pdf.pages])
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
        elif not current_apart and (lead := _lead(paragraphs[-1], para(_opening(first, body)))):
            run_in[paragraphs[-1]] = lead

    for text, x0, x1, size, line_faces, glyphs in lines:
        apart = bool(line_faces) and body not in line_faces  # its Chinese is all in another typeface than the body's
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
    """A line's opening set in another typeface than the body's: up to its first Chinese character in the
    body's face (punctuation and digits go with either)."""
    out: list[str] = []
    apart = False
    for ch, face in glyphs:
        if _CJK.match(ch):
            if face == body:
                break
            apart = True
        out.append(ch)
    return re.sub(r"\s+", "", unfold("".join(out))) if apart else ""


_CJK = re.compile(r"[\u3400-\u9fff]")


def _typeface(char: dict) -> str:
    """The font's name without the subset tag ("BAAAAA+NotoSerifCJKjp-Regular" → "NotoSerifCJKjp-Regular")."""
    return str(char.get("fontname", "")).split("+", 1)[-1]


def _outside(boxes: list[tuple[float, float, float, float]]) -> Any:
    return lambda obj: not any(_inside(obj, b) for b in boxes)


def _inside(obj: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    return bool(obj.get("x0", 0) >= x0 - 1 and obj.get("x1", 0) <= x1 + 1 and obj.get("top", 0) >= top - 1
                and obj.get("bottom", 0) <= bottom + 1)


def _centred(obj: dict, box: tuple[float, float, float, float]) -> bool:
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
